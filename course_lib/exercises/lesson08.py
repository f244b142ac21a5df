"""Checks for exercises/08_attention.ipynb: Bahdanau's additive score, the masked softmax over
source positions, the attention-weighted context, and the alignment accuracy of a heatmap."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_close

__all__ = ["additive_scores", "alignment_accuracy", "attend", "masked_softmax"]


def _attention_inputs(seed: int, N: int = 3, S: int = 7, Dq: int = 5, Dv: int = 4, A: int = 6):
    """query (N, Dq), values (N, S, Dv), mask (N, S) bool, W (Dq, A), U (Dv, A), v (A,), float32."""
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(N, Dq)).astype("float32")
    values = rng.normal(size=(N, S, Dv)).astype("float32")
    lengths = np.resize([S, S - 3, 2, S - 1], N)  # a full row, then rows ending in padding
    mask = np.arange(S)[None, :] < lengths[:, None]
    W = (rng.normal(size=(Dq, A)) / np.sqrt(Dq)).astype("float32")
    U = (rng.normal(size=(Dv, A)) / np.sqrt(Dv)).astype("float32")
    v = (rng.normal(size=A) * 1.5).astype("float32")
    return query, values, mask, W, U, v


def _numpy_scores(query, values, W, U, v):
    """e_i = v · tanh(W s + U h_i) in float64: (N, Dq), (N, S, Dv) -> (N, S)."""
    query, values, W, U, v = (np.asarray(a, np.float64) for a in (query, values, W, U, v))
    return np.einsum("nsa,a->ns", np.tanh(np.einsum("nd,da->na", query, W)[:, None, :]
                                          + np.einsum("nsd,da->nsa", values, U)), v)


def _layer(query, values, mask, W, U, v):
    """course_lib's BahdanauAttention with the given weights -> (context, weights) as NumPy."""
    from course_lib.attention import BahdanauAttention

    layer = BahdanauAttention(W.shape[1])
    layer(query, values)  # builds W, U, v
    layer.set_weights([W, U, v])
    return tuple(np.asarray(a) for a in layer(query, values, values_mask=mask))


def _exact_zeros(got, mask, what):
    """The weights at the padded positions (``mask`` False) must be exactly 0."""
    at_padding = np.asarray(got, np.float64)[~mask]
    if np.any(at_padding != 0.0):
        raise NotRight(f"{what}: expected exactly 0 at the {at_padding.size} padded positions, "
                       f"got values up to {np.abs(at_padding).max():.3g} there")


def _finite(got, what, why):
    values = np.asarray(got, np.float64)
    if not np.all(np.isfinite(values)):
        raise NotRight(f"{what}: expected finite numbers, got {int(np.sum(~np.isfinite(values)))} "
                       f"non-finite entries ({why})")


@exercise("08.1", "One Bahdanau score",
          "project the query with W (one row of A numbers per example) and every value with U, add them "
          "(broadcast the query over the S positions), tanh, then a dot product with v over the A axis")
def additive_scores(student):
    """student(query (N, Dq), values (N, S, Dv), W (Dq, A), U (Dv, A), v (A,)) -> scores (N, S)."""
    query, values, _, W, U, v = (np.asarray(a, np.float64) for a in _attention_inputs(seed=11))
    got = answer(student, query, values, W, U, v)
    expect_close(got, _numpy_scores(query, values, W, U, v), "the scores e", tol=1e-7)


@exercise("08.2", "A masked softmax over the source positions",
          "padded positions must not take part: give them a score of −∞ (or leave them out of the sum) "
          "before normalising each row over its S positions; subtract the row's largest real score first, "
          "so exp never overflows")
def masked_softmax(student):
    """student(scores (N, S), mask (N, S) bool) -> weights (N, S), 0 at padding, rows summing to 1."""
    query, values, mask, W, U, v = _attention_inputs(seed=12)
    scores = _numpy_scores(query, values, W, U, v)
    scores[~mask] = 5.0 + np.abs(scores).max()  # padding with the largest scores: they must not count
    _, layer_weights = _layer(query, values, mask, W, U, v)
    got = answer(student, scores.copy(), mask.copy())
    _finite(got, "the weights", "exp of a score may have overflowed, or a row was 0/0")
    expect_close(got, layer_weights, "the weights, against BahdanauAttention with values_mask", tol=1e-5)
    _exact_zeros(got, mask, "the weights")
    shifted = answer(student, scores + 800.0, mask.copy())  # a softmax ignores a constant shift
    _finite(shifted, "the weights of the scores + 800",
            "a softmax ignores a constant added to every score, but exp(800) overflows")
    expect_close(shifted, layer_weights, "the weights of the scores + 800", tol=1e-5)


@exercise("08.3", "The attention context",
          "reuse your scores and masked softmax; the context of one example is the sum over its S positions "
          "of weight × value, so it has Dv numbers: keep the batch axis apart from the position axis")
def attend(student):
    """student(query, values, mask, W, U, v) -> (context (N, Dv), weights (N, S))."""
    query, values, mask, W, U, v = _attention_inputs(seed=13, N=4, S=6, Dq=3, Dv=5, A=7)
    context, weights = _layer(query, values, mask, W, U, v)
    got = answer(student, query, values, mask, W, U, v)
    if not isinstance(got, tuple) or len(got) != 2:
        raise NotRight(f"expected a tuple (context, weights), got {type(got).__name__}")
    expect_close(got[1], weights, "the weights, against BahdanauAttention", tol=1e-5)
    expect_close(got[0], context, "the context, against BahdanauAttention", tol=1e-5)


def _heatmaps(seed: int = 14, N: int = 5, T: int = 6, S: int = 8):
    """weights (N, T, S) rows of softmaxes, true_alignment (N, T) in [-1, S) with unscored steps."""
    rng = np.random.default_rng(seed)
    weights = np.exp(2.0 * rng.normal(size=(N, T, S)))
    weights /= weights.sum(axis=-1, keepdims=True)
    truth = np.where(rng.random((N, T)) < 0.5, weights.argmax(-1), rng.integers(0, S, (N, T)))
    truth[rng.random((N, T)) < 0.3] = -1  # tokens with no source (English commas)
    truth[0, :4] = -1  # one example with few scored tokens: pooling and averaging differ
    return weights, truth


@exercise("08.4", "Alignment accuracy",
          "for each target token, the most-attended source position (the largest weight over S); count only "
          "the tokens whose true alignment is ≥ 0, pooled over all examples")
def alignment_accuracy(student):
    """student(weights (N, T, S), true_alignment (N, T) int, -1 = unscored) -> a float in [0, 1]."""
    from course_lib import metrics

    weights, truth = _heatmaps()
    got = answer(student, weights.copy(), truth.copy())
    expect_close(got, metrics.alignment_accuracy(weights, truth),
                 "the alignment accuracy, against course_lib.metrics.alignment_accuracy", tol=1e-9)
