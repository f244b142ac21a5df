"""Checks for exercises/07_seq2seq.ipynb: a decoder's teacher-forced inputs and targets, one
expansion of beam search, token accuracy that ignores padding, and GNMT's length penalty
(Wu et al., 2016)."""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax

from course_lib import metrics
from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal
from course_lib.vocabulary import Vocabulary

__all__ = ["beam_expand", "gnmt_scores", "masked_token_accuracy", "teacher_forcing_pairs"]


def _ids(got, shape: tuple, what: str) -> np.ndarray:
    """``got`` as an int array of ``shape``, or NotRight saying what came instead."""
    try:
        array = np.asarray(got)
    except (TypeError, ValueError) as error:
        raise NotRight(f"{what}: expected an int array of shape {shape}, got {type(got).__name__}") from error
    if array.shape != shape:
        raise NotRight(f"{what}: expected shape {shape}, got {array.shape}")
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and np.all(array == np.round(array))):
        raise NotRight(f"{what}: expected integer ids, got dtype {array.dtype}")
    return array.astype("int64")


def _expect_rows(got, expected: np.ndarray, what: str) -> None:
    """Int arrays ``(N, ...)`` equal, naming the first row that differs."""
    got = _ids(got, expected.shape, what)
    for n, (row, want) in enumerate(zip(got, expected)):
        expect_equal(row.tolist(), want.tolist(), f"{what}, row {n}")


@exercise("07.1", "Teacher forcing: the decoder's input and target",
          "both arrays have one column more than the longest target; the input starts with <start> and never "
          "holds <end>, the target is the same tokens one step earlier, ended by <end>; padding fills the rest")
def teacher_forcing_pairs(student):
    """student(targets: N lists of ids, start_id, end_id, pad_id) -> (target_in, target_out), each (N, L + 1)."""
    rng = np.random.default_rng(71)
    words = [f"w{k}" for k in range(20)]
    vocab = Vocabulary(words)
    token_lists = [[words[i] for i in rng.integers(0, len(words), size=n)] for n in (3, 6, 1, 4)]
    targets = [vocab.token_ids(tokens) for tokens in token_lists]
    target_out = vocab.encode(token_lists, end=True)
    target_in = vocab.encode(token_lists, target_out.shape[1], start=True)
    got = answer(student, [list(t) for t in targets], vocab.start_id, vocab.end_id, vocab.pad_id)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise NotRight(f"expected a tuple (target_in, target_out), got {type(got).__name__}")
    _expect_rows(got[0], target_in, "target_in (against Vocabulary.encode with start=True)")
    _expect_rows(got[1], target_out, "target_out (against Vocabulary.encode with end=True)")


def _expansion(scores: np.ndarray, log_probs: np.ndarray):
    """The reference: the k best of all k·V one-token extensions, best first."""
    batch, k, vocab = log_probs.shape
    flat = (scores[:, :, None] + log_probs).reshape(batch, k * vocab)
    best = np.argsort(-flat, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(flat, best, axis=1), best // vocab, best % vocab


@exercise("07.2", "One beam-search expansion",
          "a candidate's score is its beam's score plus the new token's log-probability; rank all k·V "
          "candidates of an example together, and recover beam and token from the position in that flat list")
def beam_expand(student):
    """student(scores (B, k), log_probs (B, k, V)) -> (new_scores, origin, tokens), each (B, k), best first."""
    rng = np.random.default_rng(72)
    B, k, V = 2, 3, 7
    first_step = np.array([[0.0, -np.inf, -np.inf]] * B)  # all beams start identical: only beam 0 counts
    for name, scores in (("later step", -rng.uniform(1, 4, size=(B, k))), ("first step", first_step)):
        log_probs = log_softmax(rng.normal(scale=2.0, size=(B, k, V)), axis=-1)
        got = answer(student, scores.copy(), log_probs.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise NotRight(f"expected a tuple (new_scores, origin, tokens), got {type(got).__name__}")
        new_scores, origin, tokens = _expansion(scores, log_probs)
        expect_close(got[0], new_scores, f"new_scores ({name})", tol=1e-7)
        _expect_rows(got[1], origin, f"origin, the beam each survivor extends ({name})")
        _expect_rows(got[2], tokens, f"tokens, the token each survivor adds ({name})")


@exercise("07.3", "Token accuracy without the padding",
          "count right positions and scored positions over the whole batch, where the target is not padding; "
          "then divide once (a mean of per-row accuracies weighs short rows too much)")
def masked_token_accuracy(student):
    """student(predicted (N, T), target (N, T), pad_id) -> float, the share of non-padding targets predicted."""
    rng = np.random.default_rng(73)
    N, T, V, pad = 5, 8, 12, 0
    lengths = np.array([8, 2, 5, 1, 6])
    target = rng.integers(1, V, size=(N, T)) * (np.arange(T)[None, :] < lengths[:, None])
    predicted = np.where(rng.random((N, T)) < 0.6, target, rng.integers(1, V, size=(N, T)))
    predicted[target == pad] = rng.integers(1, V, size=int((target == pad).sum()))  # never padding
    references = [row[:n].tolist() for row, n in zip(target, lengths)]
    expected = metrics.token_accuracy(predicted.tolist(), references)
    got = answer(student, predicted.copy(), target.copy(), pad)
    expect_close(got, expected, "the token accuracy (against course_lib.metrics.token_accuracy)", tol=1e-9)


@exercise("07.4", "GNMT's length penalty",
          "divide, do not multiply: the log-probabilities are negative, so a larger lp lifts a long hypothesis; "
          "lp is 1 for an output of one token, whatever α")
def gnmt_scores(student):
    """student(log_probs (B, k), lengths (B, k), alpha) -> the length-normalised scores (B, k)."""
    rng = np.random.default_rng(74)
    B, k = 3, 4
    lengths = rng.integers(2, 30, size=(B, k))
    log_probs = -rng.uniform(0.2, 1.5, size=(B, k)) * lengths
    for alpha in (0.0, 0.6, 1.0):
        penalty = (5.0 + lengths) ** alpha / 6.0**alpha
        got = answer(student, log_probs.copy(), lengths.copy(), alpha)
        expect_close(got, log_probs / penalty, f"the scores for α = {alpha} (the formula of Wu et al., 2016)",
                     tol=1e-9)
