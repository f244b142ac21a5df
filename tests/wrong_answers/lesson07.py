"""Wrong answers to lesson 07's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _pairs(targets, start_id, end_id, pad_id, end_in_input=False):
    rows_in = [[start_id, *t] + [end_id] * end_in_input for t in targets]
    rows_out = [[*t, end_id] for t in targets]
    width = max(len(r) for r in rows_in + rows_out)
    pad = lambda rows: np.array([r + [pad_id] * (width - len(r)) for r in rows])  # noqa: E731
    return pad(rows_in), pad(rows_out)


def _expand(scores, log_probs, per_beam=False, add_scores=True, divisor=None):
    B, k, V = log_probs.shape
    candidates = (scores[:, :, None] + log_probs if add_scores else log_probs).reshape(B, k * V)
    if per_beam:  # the best token of each beam, in beam order
        token = log_probs.argmax(axis=2)
        best = np.arange(k)[None, :] * V + token
    else:
        best = np.argsort(-candidates, axis=1)[:, :k]
    return np.take_along_axis(candidates, best, axis=1), best // (divisor or V), best % (divisor or V)


def _row_mean(predicted, target, pad_id):
    real = target != pad_id
    return float(np.mean(((predicted == target) & real).sum(axis=1) / real.sum(axis=1)))


WRONG = {
    "07.1": {
        "<end> in the decoder input too": lambda t, s, e, p: _pairs(t, s, e, p, end_in_input=True),
        "input and target swapped": lambda t, s, e, p: _pairs(t, s, e, p)[::-1],
    },
    "07.2": {
        "the best token of each beam": lambda scores, lp: _expand(scores, lp, per_beam=True),
        "the beam's score not added": lambda scores, lp: _expand(scores, lp, add_scores=False),
        "beam from the flat index divided by k": lambda scores, lp: _expand(scores, lp, divisor=lp.shape[1]),
    },
    "07.3": {
        "padding counted": lambda predicted, target, pad_id: float(np.mean(predicted == target)),
        "mean of the rows' accuracies": _row_mean,
    },
    "07.4": {
        "divided by the length": lambda lp, lengths, alpha: lp / lengths**alpha,
        "(5 + 1)^α left out": lambda lp, lengths, alpha: lp / (5.0 + lengths) ** alpha,
    },
}
