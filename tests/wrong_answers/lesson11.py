"""Wrong answers to lesson 11's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression


def _convolutions(widths, channels, bias=False):
    ins = (channels, *widths[:-1])
    return sum(9 * c_in * c_out + (c_out if bias else 0) for c_in, c_out in zip(ins, widths))


def _counts(widths, channels, classes, per_norm=2, bias=False):
    head = widths[-1] * classes + classes
    conv = _convolutions(widths, channels, bias)
    return head, conv + head, conv + per_norm * sum(widths) + head


def _bn(mean, var, batch, m, axes=(0, 1, 2), ddof=0, swap=False):
    keep = 1 - m if swap else m
    return (keep * mean + (1 - keep) * batch.mean(axis=axes),
            keep * var + (1 - keep) * batch.var(axis=axes, ddof=ddof))


WRONG = {
    "11.1": {
        "k from the whole pool, any class": lambda y, k, rng, C: rng.choice(len(y), k * C, replace=False),
        "with replacement": lambda y, k, rng, C: np.concatenate(
            [rng.choice(np.flatnonzero(y == c), k) for c in range(C)]),
        "the first k of each class": lambda y, k, rng, C: np.concatenate(
            [np.flatnonzero(y == c)[:k] for c in range(C)]),
    },
    "11.2": {
        "scored on the training features": lambda ft, yt, fe, ye: LogisticRegression(max_iter=3000).fit(
            ft, yt).score(ft, yt),
        "the error rate": lambda ft, yt, fe, ye: 1 - LogisticRegression(max_iter=3000).fit(ft, yt).score(fe, ye),
    },
    "11.3": {
        "moving statistics counted as trainable": lambda w, ch, cl: _counts(w, ch, cl, per_norm=4),
        "convolutions with a bias": lambda w, ch, cl: _counts(w, ch, cl, bias=True),
    },
    "11.4": {
        "PyTorch's momentum": lambda mean, var, batch, m: _bn(mean, var, batch, m, swap=True),
        "unbiased batch variance": lambda mean, var, batch, m: _bn(mean, var, batch, m, ddof=1),
        "statistics over the batch axis only": lambda mean, var, batch, m: _bn(mean, var, batch, m, axes=0),
    },
}
