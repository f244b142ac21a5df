"""Wrong answers to lesson 05's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _lstm(x, h, c, kernel, recurrent, bias, order="ifco", squash_c=True):
    blocks = dict(zip(order, np.split(x @ kernel + h @ recurrent + bias, 4, axis=1)))
    c_new = _sigmoid(blocks["f"]) * c + _sigmoid(blocks["i"]) * np.tanh(blocks["c"])
    return _sigmoid(blocks["o"]) * (np.tanh(c_new) if squash_c else c_new), c_new


def _gru(x, h, kernel, recurrent, bias, reset_before=False, swap_z=False):
    H = h.shape[1]
    x_z, x_r, x_h = np.split(x @ kernel + bias[0], 3, axis=1)
    h_z, h_r, h_h = np.split(h @ recurrent + bias[1], 3, axis=1)
    z, r = _sigmoid(x_z + h_z), _sigmoid(x_r + h_r)
    if reset_before:  # Cho et al.'s variant: reset, then multiply
        candidate = np.tanh(x_h + (r * h) @ recurrent[:, 2 * H:] + bias[1, 2 * H:])
    else:
        candidate = np.tanh(x_h + r * h_h)
    return (1 - z) * h + z * candidate if swap_z else z * h + (1 - z) * candidate


def _torch_blocks(a, order):
    r, z, n = np.split(a, 3, axis=0)
    return np.concatenate([{"r": r, "z": z, "n": n}[k] for k in order], axis=0)


WRONG = {
    "05.1": {
        "gates in the order i, f, o, c": lambda x, h, c, k, r, b: _lstm(x, h, c, k, r, b, order="ifoc"),
        "no tanh on the new cell state": lambda x, h, c, k, r, b: _lstm(x, h, c, k, r, b, squash_c=False),
    },
    "05.2": {
        "reset before the recurrent product": lambda x, h, k, r, b: _gru(x, h, k, r, b, reset_before=True),
        "z and 1 − z swapped": lambda x, h, k, r, b: _gru(x, h, k, r, b, swap_z=True),
    },
    "05.3": {
        "GRU's recurrent-side bias forgotten": lambda kind, D, H, reset_after: (
            {"rnn": 1, "gru": 3, "lstm": 4}[kind] * (D + H + 1) * H),
        "one bias per layer, not per gate": lambda kind, D, H, reset_after: (
            {"rnn": 1, "gru": 3, "lstm": 4}[kind] * (D + H) * H + H),
    },
    "05.4": {
        "blocks kept in PyTorch's order": lambda w_ih, w_hh, b_ih, b_hh: (
            w_ih.T, w_hh.T, np.stack([b_ih, b_hh])),
        "the two biases added in one row": lambda w_ih, w_hh, b_ih, b_hh: (
            _torch_blocks(w_ih, "zrn").T, _torch_blocks(w_hh, "zrn").T,
            np.stack([_torch_blocks(b_ih + b_hh, "zrn"), np.zeros_like(b_ih)])),
    },
}
