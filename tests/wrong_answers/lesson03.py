"""Wrong answers to lesson 03's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _streams(ids, B, T):
    per_stream = (len(ids) - 1) // (B * T) * T
    return ids[: B * per_stream].reshape(B, -1, T), ids[1 : B * per_stream + 1].reshape(B, -1, T)


def _interleaved(a, T):
    return a.transpose(1, 0, 2).reshape(-1, T)


def _nats(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()


def _naive_nats(logits, targets):
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        return -np.log(np.take_along_axis(p, targets[..., None], axis=-1)).mean()


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _unsmoothed(train_ids, eval_ids, V):
    with np.errstate(divide="ignore"):
        return float(-np.log(np.bincount(train_ids, minlength=V)[eval_ids] / len(train_ids)).mean())


WRONG = {
    "03.1": {
        "targets not shifted": lambda ids, B, T: (_interleaved(_streams(ids, B, T)[0], T),) * 2,
        "stream after stream, not chunk after chunk": lambda ids, B, T: tuple(
            a.reshape(-1, T) for a in _streams(ids, B, T)),
    },
    "03.2": {
        "nats, not bits": lambda logits, t: (_nats(logits, t), np.exp(_nats(logits, t))),
        "perplexity as exp of the bits": lambda logits, t: (
            _nats(logits, t) / np.log(2), np.exp(_nats(logits, t) / np.log(2))),
        "softmax without subtracting the max": lambda logits, t: (
            _naive_nats(logits, t) / np.log(2), np.exp(_naive_nats(logits, t))),
    },
    "03.3": {
        "multiplied by the temperature": lambda logits, tau: _softmax(logits * tau),
        "softmax over the batch axis": lambda logits, tau: _softmax(logits / tau, axis=0),
    },
    "03.4": {
        "no add-one smoothing": lambda tr, ev, V: _unsmoothed(tr, ev, V),
        "frequencies of the held-out ids": lambda tr, ev, V: float(
            -np.log((np.bincount(ev, minlength=V) + 1.0)[ev] / (len(ev) + V)).mean()),
    },
}
