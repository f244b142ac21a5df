"""Wrong answers to lesson 02's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _affine_grads(da, x, prev_h, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


WRONG = {
    "02.1": {
        "Wh transposed": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),
        "no tanh": lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b,
    },
    "02.2": {
        "without tanh's derivative": lambda d, x, h, Wx, Wh, nh: _affine_grads(d, x, h, Wx, Wh),
        "Wh not transposed": lambda d, x, h, Wx, Wh, nh: (
            lambda da: (da @ Wx.T, da @ Wh, x.T @ da, h.T @ da, da.sum(0)))(d * (1 - nh**2)),
    },
    "02.3": {
        "tanh's derivative kept": lambda d, x, h, Wx, Wh, nh: _affine_grads(d * (1 - nh**2), x, h, Wx, Wh),
    },
    "02.4": {
        "bias_hh forgotten": lambda w_ih, w_hh, b_ih, b_hh: (w_ih.T, w_hh.T, b_ih),
        "weight_hh not transposed": lambda w_ih, w_hh, b_ih, b_hh: (w_ih.T, w_hh, b_ih + b_hh),
    },
    "02.5": {
        "bits instead of nats": lambda V: np.log2(V),
        "the probability, not its log": lambda V: 1 / V,
    },
}
