"""Wrong answers to lesson 08's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _scores(query, values, W, U, v):
    return np.tanh((query @ W)[:, None, :] + values @ U) @ v


def _masked_softmax(scores, mask):
    e = np.where(mask, scores, -np.inf)
    e = np.exp(e - e.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_then_mask(scores, mask):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) * mask


def _softmax_over_examples(scores, mask):
    e = np.exp(np.where(mask, scores, -np.inf))
    return e / e.sum(axis=0, keepdims=True)


def _no_max_subtracted(scores, mask):
    with np.errstate(over="ignore", invalid="ignore"):  # exp(800) is inf, inf / inf is nan
        e = np.exp(np.where(mask, scores, -np.inf))
        return e / e.sum(axis=1, keepdims=True)


def _context_without_batch_axis(query, values, mask, W, U, v):
    weights = _masked_softmax(_scores(query, values, W, U, v), mask)
    return weights @ values, weights  # (N, S) @ (N, S, Dv): (N, N, Dv)


def _context_unmasked(query, values, mask, W, U, v):
    weights = _masked_softmax(_scores(query, values, W, U, v), np.ones_like(mask))
    return np.einsum("ns,nsd->nd", weights, values), weights


def _unscored_as_misses(weights, truth):
    return float((weights.argmax(-1) == truth).mean())


def _mean_over_examples(weights, truth):
    hits, scored = weights.argmax(-1) == truth, truth >= 0
    return float(np.mean(hits.sum(1) / scored.sum(1)))


WRONG = {
    "08.1": {
        "no tanh": lambda q, h, W, U, v: ((q @ W)[:, None, :] + h @ U) @ v,
        "tanh after the dot product with v": lambda q, h, W, U, v: np.tanh(((q @ W)[:, None, :] + h @ U) @ v),
    },
    "08.2": {
        "mask applied after the softmax, not renormalised": _softmax_then_mask,
        "softmax over the examples axis": _softmax_over_examples,
        "exp without subtracting the largest score": _no_max_subtracted,
    },
    "08.3": {
        "weights @ values without the batch axis": _context_without_batch_axis,
        "padding not masked": _context_unmasked,
    },
    "08.4": {
        "unscored tokens counted as misses": _unscored_as_misses,
        "mean of the per-example accuracies": _mean_over_examples,
    },
}
