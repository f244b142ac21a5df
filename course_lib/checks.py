"""Input checks shared by every course_lib function.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) with a
message that names the argument and what was expected, so a student sees
``x: expected shape (batch, time, features), got (32, 10)`` instead of a traceback from
deep inside TensorFlow.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "check_array",
    "check_cache",
    "check_choice",
    "check_class_targets",
    "check_finite",
    "check_ids",
    "check_model",
    "check_nonnegative_int",
    "check_path",
    "check_positive",
    "check_positive_int",
    "check_probability",
    "check_result_size",
    "check_same_size",
    "check_seed",
    "check_tensor",
    "check_token_tensor",
    "check_sequence",
    "known_values",
]

# The largest size a check accepts: TensorFlow's shapes and NumPy's indices are int32/int64,
# and a size beyond 2**31 - 1 is a typo that would allocate far more memory than a machine has.
_MAX_SIZE = 2**31 - 1

# The largest array a function builds for its result (4 GiB), and the most Python objects
# (points of a search, steps of a schedule) it puts in a list: every size can pass its own
# check while their product is far more than a machine's memory.
_MAX_RESULT_BYTES = 4 << 30
_MAX_RESULT_ITEMS = 2_000_000


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
            ``"number"`` (either), ``"mask"`` (bool or a number), or ``None`` for no check.
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
    if axes is not None:
        _check_axes(axes, allow_empty=True)
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
    kind = _check_dtype_kind(dtype)
    if kind is not None and arr.dtype.kind not in kind:
        raise TypeError(f"{name}: expected a {dtype} array, got dtype {arr.dtype}")
    return arr


_KINDS = {"float": "f", "int": "iu", "number": "fiu", "mask": "bfiu", None: None}


def _check_axes(axes, allow_empty: bool = False) -> None:
    if isinstance(axes, str) or not isinstance(axes, (list, tuple)) or not (axes or allow_empty):
        raise TypeError(f"axes: expected a non-empty tuple of axis names or sizes, got {axes!r}")


def _check_dtype_kind(dtype) -> str | None:
    if not isinstance(dtype, (str, type(None))) or dtype not in _KINDS:
        raise ValueError(f"dtype: expected one of {list(_KINDS)}, got {dtype!r}")
    return _KINDS[dtype]


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if a floating-point array holds NaN or infinity."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array, got {type(arr).__name__}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite values, found NaN or infinity")
    return arr


def check_ids(ids, name: str, vocab_size: int, axes=None, *, allow_empty=False) -> np.ndarray:
    """Check an integer array of token ids: every id in ``[0, vocab_size)``."""
    vocab_size = check_positive_int(vocab_size, "vocab_size")
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


def check_positive_int(value, name: str, *, minimum: int = 1, maximum: int = _MAX_SIZE) -> int:
    """Return ``value`` as an int if it is an int in ``[minimum, maximum]`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    if value > maximum:
        raise ValueError(f"{name}: expected an int <= {maximum}, got {value}")
    return int(value)


def check_nonnegative_int(value, name: str, *, maximum: int = _MAX_SIZE) -> int:
    """Return ``value`` as an int if it is an int in ``[0, maximum]``: a count or an index that may be 0."""
    return check_positive_int(value, name, minimum=0, maximum=maximum)


def _amount(x: float) -> str:
    """A size for a message: ``20,000,000,000`` (or ``74.5``), or ``1.2e+40`` when absurd."""
    if x >= 1e15:
        return f"{float(x):.1e}" if x < 1e300 else "over 1e+300"
    return f"{x:,}" if isinstance(x, int) else f"{x:,.1f}"


def check_result_size(shape, dtype, name: str, *, what: str = "values") -> int:
    """Refuse a result too big to build, before building it.

    Args:
        shape: the result's shape (a sequence of ints) or its number of values (an int).
        dtype: the NumPy dtype of the array to allocate, or ``None`` for a list of Python
            objects (then at most 2,000,000 of them).
        name: the argument(s) that set the size, e.g. ``"n, T"``; named in the error.
        what: what the result holds, e.g. ``"points"``.

    Returns:
        the number of values (a Python int: the product cannot overflow).
    """
    sizes = [shape] if isinstance(shape, (int, np.integer)) else shape
    valid = isinstance(sizes, (list, tuple)) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in sizes)
    if not valid:
        raise TypeError(f"shape: expected a count or a sequence of sizes (ints >= 0), got {shape!r}")
    count = math.prod(int(s) for s in sizes)
    if dtype is None:
        if count > _MAX_RESULT_ITEMS:
            raise ValueError(f"{name}: the result would hold {_amount(count)} {what}, more than the limit of "
                             f"{_MAX_RESULT_ITEMS:,}; ask for fewer {what} (smaller {name})")
        return count
    try:
        itemsize = np.dtype(dtype).itemsize
    except (TypeError, ValueError):
        raise TypeError(f"dtype: expected a NumPy dtype or None, got {dtype!r}") from None
    if count * itemsize > _MAX_RESULT_BYTES:
        gib = count * itemsize / 2**30 if count < 2**1000 else math.inf  # a float holds up to ~2**1024
        raise ValueError(f"{name}: the result would hold {_amount(count)} {what} ({_amount(gib)} GiB), more than the "
                         f"limit of {_MAX_RESULT_BYTES / 2**30:g} GiB; ask for fewer {what} (smaller {name})")
    return count


def check_seed(value, name: str = "seed", *, allow_none: bool = False) -> int | None:
    """Return a random seed: an int in ``[0, 2**32)`` (or ``None`` when allowed)."""
    if value is None and allow_none:
        return None
    return check_nonnegative_int(value, name, maximum=2**32 - 1)


def check_sequence(value, name: str, what: str = "items", *, allow_empty: bool = False) -> list:
    """Return ``value`` as a list if it is a list, tuple or array of ``what`` (not a string)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(f"{name}: expected a list of {what}, got {type(value).__name__}")
    if not allow_empty and len(value) == 0:
        raise ValueError(f"{name}: expected a non-empty list of {what}")
    return list(value)


def check_cache(cache, name: str, size: int, made_by: str) -> tuple:
    """Return ``cache`` if it is the ``size``-tuple a forward function returned."""
    size = check_positive_int(size, "size")
    if not isinstance(cache, tuple) or len(cache) != size:
        got = f"a {len(cache)}-item {type(cache).__name__}" if isinstance(cache, (tuple, list)) \
            else type(cache).__name__
        raise TypeError(f"{name}: expected the {size}-item tuple returned by {made_by}, got {got}")
    return cache


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
    if not isinstance(choices, (list, tuple, set, frozenset, dict)) or not choices:
        raise TypeError(f"choices: expected a non-empty list of the allowed values, got {choices!r}")
    try:
        allowed = value in choices
    except (TypeError, ValueError):  # an array or another unhashable, uncomparable value
        allowed = False
    if not allowed:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value


def check_tensor(x, name: str, axes: Sequence[str | int | None], *, dtype: str | None = "float"):
    """Check a tensor inside a layer's ``call``: rank, known sizes, no empty axis, dtype kind.

    Works on eager and symbolic tensors (unknown sizes are ``None`` and pass). ``dtype`` is
    ``"float"``, ``"int"`` (integers), ``"number"`` or ``None``, as in ``check_array``.
    """
    import keras

    _check_axes(axes)
    want = _check_dtype_kind(dtype)
    if not hasattr(x, "shape") or not hasattr(x, "dtype") or isinstance(x, np.generic):
        raise TypeError(f"{name}: expected a tensor of shape {_shape_str(axes)}, got {type(x).__name__}")
    shape = tuple(x.shape)
    if len(shape) != len(axes):
        raise ValueError(f"{name}: expected shape {_shape_str(axes)}, got {shape}")
    for i, (size, axis) in enumerate(zip(shape, axes)):
        if isinstance(axis, int) and size is not None and size != axis:
            raise ValueError(f"{name}: expected shape {_shape_str(axes)} (axis {i} of size {axis}), got {shape}")
    if any(size == 0 for size in shape):
        raise ValueError(f"{name}: expected a non-empty tensor, got shape {shape}")
    std = keras.backend.standardize_dtype(x.dtype)
    kind = "f" if "float" in std else "b" if std == "bool" else "c" if "complex" in std else \
        "iu" if "int" in std else "?"
    if want is not None and not set(kind) <= set(want):
        raise TypeError(f"{name}: expected a {dtype} tensor, got dtype {std}")
    return x


def known_values(x) -> np.ndarray | None:
    """The values of a NumPy array or an eager tensor; ``None`` for a symbolic (traced) one,
    whose values are not known yet."""
    try:
        return np.asarray(x) if isinstance(x, np.ndarray) else x.numpy()
    except (AttributeError, NotImplementedError, ValueError, TypeError):
        return None


def check_token_tensor(x, name: str, vocab_size: int, axes: Sequence[str | int | None], *,
                       dtype: str = "int"):
    """``check_tensor`` for integer token ids; eager values are also range-checked.

    Keras builds a reloaded model on float placeholders, so a layer passes
    ``dtype="number"`` and fractional values are refused here instead. Inside a traced
    function (``model.fit``) the values are not known, and the caller's array checks
    (``check_ids``) are what catches an out-of-vocabulary id.
    """
    check_tensor(x, name, axes, dtype=dtype)
    values = known_values(x)
    if values is None:  # symbolic: no values yet
        return x
    if values.dtype.kind == "f":
        if not np.all(values == np.round(values)):
            raise ValueError(f"{name}: expected integer token ids, got fractional values")
        values = values.astype("int64")
    check_ids(values, name, vocab_size, allow_empty=True)
    return x


def check_path(value, name: str, *, kind: str | None = None):
    """Return ``value`` as a ``Path`` if it is a ``str`` or ``os.PathLike``.

    ``kind="file"`` or ``"dir"`` also requires an existing file or folder
    (``FileNotFoundError`` naming the path otherwise); ``"dir-or-new"`` refuses only an
    existing file where a folder is expected; ``"file-or-new"`` a folder where a file
    is to be written, or a missing parent folder.
    """
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a path (str or pathlib.Path), got {type(value).__name__}")
    if "\0" in os.fspath(value):
        raise ValueError(f"{name}: a path cannot hold a NUL character, got {os.fspath(value)!r}")
    path = Path(value)
    if kind == "file" and not path.is_file():
        what = "a folder" if path.is_dir() else "nothing"
        raise FileNotFoundError(f"{name}: expected a file at {path}, found {what}")
    if kind == "dir" and not path.is_dir():
        what = "a file" if path.exists() else "nothing"
        raise FileNotFoundError(f"{name}: expected a folder at {path}, found {what}")
    if kind == "dir-or-new" and path.exists() and not path.is_dir():
        raise ValueError(f"{name}: expected a folder at {path}, found a file")
    if kind == "file-or-new" and path.is_dir():
        raise ValueError(f"{name}: expected a file at {path} (new or to replace), found a folder")
    if kind == "file-or-new" and not path.parent.is_dir():
        raise FileNotFoundError(f"{name}: expected a file in an existing folder, but {path.parent} is not one")
    return path


def check_model(model, name: str, *methods: str):
    """Return ``model`` if it is a ``keras.Model`` with the named methods."""
    import keras

    if not isinstance(model, keras.Model) or not all(hasattr(model, m) for m in methods):
        want = "a Keras model" + (f" with {', '.join(methods)}" if methods else "")
        raise TypeError(f"{name}: expected {want}, got {type(model).__name__}")
    return model


def check_class_targets(model, y, name: str = "y") -> None:
    """Refuse class ids a model cannot score when its loss is sparse categorical cross-entropy.

    Args:
        model: a compiled, built Keras model whose last axis of output holds C classes.
        y: its integer targets; every id must be in [0, C) (or the loss's ``ignore_class``).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a Keras model, got {type(model).__name__}")
    loss = getattr(model, "loss", None)
    fn_name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or str(loss)
    if "sparse_categorical" not in str(fn_name):
        return
    ignore = loss.get_config().get("ignore_class") if hasattr(loss, "get_config") else None
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):  # a subclassed model: no static output shape
        return
    classes = shape[-1] if isinstance(shape, tuple) else None
    values = check_array(y, name, allow_empty=True)
    if classes is None or values.dtype.kind not in "iuf":
        return
    bad = (values < 0) | (values >= classes)
    if ignore is not None:
        bad &= values != ignore
    if bad.any():
        raise ValueError(f"{name}: expected class ids in [0, {classes}) for the model's {classes} "
                         f"outputs, got values in [{values.min()}, {values.max()}]")
