"""Wrong answers to lesson 04's exercises (see ``__init__.py``)."""

from __future__ import annotations

import math

import numpy as np


def _global_norm(grads):
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))


def _per_variable(grads, c):
    return [g * min(1.0, c / np.linalg.norm(g)) for g in grads], _global_norm(grads)


def _always(grads, c):
    return [g * c / _global_norm(grads) for g in grads], _global_norm(grads)


def _norms(h, Wh, transpose=True, late=0):
    """The product of Jacobians; ``transpose=False`` forgets Whᵀ, ``late=1`` takes tanh' one step early."""
    T, H = h.shape
    J, norms = np.eye(H), [1.0]
    for t in range(T - 1, 0, -1):
        J = J @ (np.diag(1 - h[t - late] ** 2) @ (Wh.T if transpose else Wh))
        norms.append(np.linalg.norm(J, 2))
    return np.array(norms)


def _logit(p):
    return math.log(p / (1.0 - p))


WRONG = {
    "04.1": {
        "each variable clipped on its own": _per_variable,
        "always rescaled to c": _always,
    },
    "04.2": {
        "the floor of the log ratio": lambda rho, t: math.floor(math.log(t) / math.log(rho)),
        "log10 over ln": lambda rho, t: math.floor(math.log10(t) / math.log(rho)) + 1,
    },
    "04.3": {
        "Wh not transposed": lambda h, Wh: _norms(h, Wh, transpose=False),
        "tanh' of the state one step earlier": lambda h, Wh: _norms(h, Wh, late=1),
    },
    "04.4": {
        "σ(b) = keep, the n steps forgotten": lambda n, keep: _logit(keep),
        "the gate's value, not its bias": lambda n, keep: keep ** (1.0 / n),
    },
}
