"""Input checks shared by every course_lib function.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) with a
message that names the argument and what was expected, so a student sees
``x: expected shape (batch, time, features), got (32, 10)`` instead of a traceback from
deep inside TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "check_array",
    "check_choice",
    "check_finite",
    "check_ids",
    "check_positive",
    "check_positive_int",
    "check_probability",
    "check_same_size",
]


def _shape_str(axes: Sequence[str | int | None]) -> str:
    return "(" + ", ".join(str(a) for a in axes) + ("," if len(axes) == 1 else "") + ")"


def check_array(
    x,
    name: str,
    axes: Sequence[str | int | None] | None = None,
    *,
    ndim: int | None = None,
    dtype: str | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``x`` to a NumPy array and check its rank, sizes and dtype kind.

    Args:
        x: array-like (NumPy array, list, or a tensor with ``.numpy()``).
        name: the argument's name, used in the error message.
        axes: names or sizes of the expected axes, e.g. ``("batch", "time", 8)``.
            A string or ``None`` accepts any size; an int requires that size.
        ndim: expected rank when ``axes`` is not given.
        dtype: ``"float"`` (floating point), ``"int"`` (signed or unsigned integer),
            ``"number"`` (either), or ``None`` for no check.
        allow_empty: accept arrays with a zero-sized axis.

    Returns:
        the array (not copied when ``x`` already is one).
    """
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{name}: expected an array, got {type(x).__name__} ({err})") from None
    if arr.dtype == object:
        raise TypeError(f"{name}: expected a numeric array, got a ragged or object array")
    want_ndim = len(axes) if axes is not None else ndim
    expected = _shape_str(axes) if axes is not None else f"rank {ndim}"
    if want_ndim is not None and arr.ndim != want_ndim:
        raise ValueError(f"{name}: expected shape {expected}, got {tuple(arr.shape)}")
    if axes is not None:
        for i, (size, axis) in enumerate(zip(arr.shape, axes)):
            if isinstance(axis, int) and size != axis:
                raise ValueError(
                    f"{name}: expected shape {expected} (axis {i} of size {axis}), "
                    f"got {tuple(arr.shape)}"
                )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {tuple(arr.shape)}")
    kinds = {"float": "f", "int": "iu", "number": "fiu", None: None}
    if dtype not in kinds:
        raise ValueError(f"dtype must be one of {list(kinds)}, got {dtype!r}")
    if kinds[dtype] is not None and arr.dtype.kind not in kinds[dtype]:
        raise TypeError(f"{name}: expected a {dtype} array, got dtype {arr.dtype}")
    return arr


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if a floating-point array holds NaN or infinity."""
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite values, found NaN or infinity")
    return arr


def check_ids(ids, name: str, vocab_size: int, axes=None, *, allow_empty=False) -> np.ndarray:
    """Check an integer array of token ids: every id in ``[0, vocab_size)``."""
    arr = check_array(ids, name, axes, dtype="int", allow_empty=allow_empty)
    if arr.size and (arr.min() < 0 or arr.max() >= vocab_size):
        raise ValueError(
            f"{name}: expected ids in [0, {vocab_size}), got values in "
            f"[{arr.min()}, {arr.max()}] (out-of-vocabulary id)"
        )
    return arr


def check_same_size(name_a: str, a: int, name_b: str, b: int, what: str = "size") -> None:
    """Raise ``ValueError`` when two sizes that must agree differ."""
    if a != b:
        raise ValueError(f"{name_a} and {name_b} must have the same {what}, got {a} and {b}")


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an int ``>= minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return int(value)


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value}")
    return value


def check_probability(value, name: str) -> float:
    """Return ``value`` if it is a number in ``[0, 1]``."""
    value = check_positive(value, name, allow_zero=True)
    if value > 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value}")
    return value


def check_choice(value, name: str, choices: Sequence) -> object:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value
