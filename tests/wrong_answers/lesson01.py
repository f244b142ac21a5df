"""Wrong answers to lesson 01's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _pad(seqs, maxlen, front=False):
    x = np.zeros((len(seqs), maxlen, np.shape(seqs[0])[1]), dtype="float32")
    for n, s in enumerate(seqs):
        if front:
            x[n, maxlen - len(s):] = s
        else:
            x[n, : len(s)] = s
    return x


def _mask_of_lengths(seqs, maxlen):
    return np.arange(maxlen)[None, :] < np.array([len(s) for s in seqs])[:, None]


WRONG = {
    "01.1": {
        "padded at the front": lambda seqs, maxlen: (_pad(seqs, maxlen, front=True), _mask_of_lengths(seqs, maxlen)),
        "mask read from the values": lambda seqs, maxlen: (
            _pad(seqs, maxlen), np.any(_pad(seqs, maxlen) != 0, axis=-1)),
    },
    "01.2": {
        "mean over every step, padding included": lambda h, mask: h.mean(axis=1),
        "sum of real steps divided by T": lambda h, mask: (h * mask[..., None]).sum(axis=1) / h.shape[1],
    },
    "01.3": {
        "the last step, padding or not": lambda h, lengths: h[:, -1],
        "one step too far": lambda h, lengths: h[np.arange(len(lengths)), np.asarray(lengths)],
    },
    "01.4": {
        "the first target replaced by <start>": lambda t, s: np.concatenate([np.full((len(t), 1), s), t[:, 1:]], 1),
        "shifted left": lambda t, s: np.concatenate([t[:, 1:], np.full((len(t), 1), s)], 1),
    },
}
