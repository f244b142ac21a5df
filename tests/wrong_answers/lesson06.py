"""Wrong answers to lesson 06's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _reverse(x, lengths, extra=0):
    out = x.copy()
    for n, length in enumerate(lengths):
        out[n, : length + extra] = x[n, : length + extra][::-1]
    return out


def _merge(forward, backward, mode, re_reverse=True, backward_first=False):
    if re_reverse:
        backward = backward[:, ::-1]
    if mode == "concat":
        return np.concatenate([backward, forward] if backward_first else [forward, backward], axis=-1)
    return {"sum": forward + backward, "mul": forward * backward, "ave": (forward + backward) / 2}[mode]


def _stack(kind, D, H, L, mode, width=None, directions=2):
    blocks = {"lstm": 4, "gru": 3}[kind]
    extra = 3 * H if kind == "gru" else 0
    above = width if width is not None else (2 * H if mode == "concat" else H)
    return sum(directions * (blocks * ((D if i == 0 else above) + H + 1) * H + extra) for i in range(L))


WRONG = {
    "06.1": {
        "the whole row reversed, padding first": lambda x, lengths: x[:, ::-1].copy(),
        "one padding step reversed in": lambda x, lengths: _reverse(x, lengths, extra=1),
    },
    "06.2": {
        "backward half not put back in time order": lambda f, b, mode: _merge(f, b, mode, re_reverse=False),
        "backward half first": lambda f, b, mode: _merge(f, b, mode, backward_first=True),
    },
    "06.3": {
        "upper layers read H features, not the merged 2H": lambda kind, D, H, L, mode: _stack(kind, D, H, L, mode,
                                                                                             width=H),
        "one direction counted": lambda kind, D, H, L, mode: _stack(kind, D, H, L, mode, directions=1),
    },
    "06.4": {
        "last value ignores the horizon": lambda s, n, period, horizon: (s[len(s) - n - 1: len(s) - 1],
                                                                         s[len(s) - n - period: len(s) - period]),
        "seasonal counted back from the last known value": lambda s, n, period, horizon: (
            s[len(s) - n - horizon: len(s) - horizon], s[len(s) - n - horizon - period: len(s) - horizon - period]),
    },
}
