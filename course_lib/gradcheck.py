"""Numeric gradients by centred differences, and the relative error used to compare them
with hand-written (analytic) gradients.

Centred differences ``(f(x + h) - f(x - h)) / 2h`` have an error of order ``h^2``; in
float64 with ``h = 1e-5`` a correct backward pass agrees to about 1e-9 relative error,
and a wrong one is off by far more than 1e-7.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array, check_positive

__all__ = ["numeric_gradient", "numeric_gradient_array", "rel_error"]


def _check_inplace_float64(x, name):
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array (it is perturbed in place), got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"{name}: expected a float64 array for a numeric gradient, got {x.dtype}")
    check_array(x, name, allow_empty=False)
    return x


def numeric_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by centred differences, one element at a time.

    Args:
        f: callable of no arguments returning a float; it must read ``x`` (which is
            perturbed in place and restored).
        x: (...) float64 array.
        h: step size.

    Returns:
        ``grad``: same shape as ``x``.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable, got {type(f).__name__}")
    x = _check_inplace_float64(x, "x")
    h = check_positive(h, "h")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f())
        x[i] = old - h
        fm = float(f())
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def numeric_gradient_array(f, x, dout, h=1e-5):
    """Numeric vector-Jacobian product ``sum(dout * df/dx)`` for an array-valued ``f``.

    Args:
        f: callable of no arguments returning an array shaped like ``dout``; it reads
            ``x`` (perturbed in place and restored).
        x: (...) float64 array.
        dout: upstream gradient, the shape of ``f()``.
        h: step size.

    Returns:
        ``dx``: same shape as ``x``.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable, got {type(f).__name__}")
    dout = check_array(dout, "dout", dtype="float")
    out_shape = np.shape(f())
    if out_shape != dout.shape:
        raise ValueError(f"dout: expected shape {out_shape} (the shape of f()), got {dout.shape}")
    return numeric_gradient(lambda: np.sum(np.asarray(f()) * dout), x, h)


def rel_error(a, b):
    """Relative error ``‖a − b‖ / max(‖a‖ + ‖b‖, 1e-12)`` of two arrays (or floats).

    Uses whole-array norms, so tiny gradient entries do not dominate.

    Args:
        a, b: arrays of the same shape.

    Returns:
        float in ``[0, 1]``.
    """
    a = check_array(a, "a", dtype="number", allow_empty=True).astype(np.float64)
    b = check_array(b, "b", dtype="number", allow_empty=True).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    num = np.linalg.norm((a - b).ravel())
    den = max(np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel()), 1e-12)
    return float(num / den)
