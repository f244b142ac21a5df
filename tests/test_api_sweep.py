"""A mutation sweep over course_lib's public API: every bad argument gets a clear error.

For every public function and layer (``tests/api_sweep_cases.py`` holds one valid call of
each), one argument at a time is replaced by a bad value of the kinds students pass by
mistake: ``None``, a string, an arbitrary object, a ragged list, complex numbers, bools,
empty arrays, a wrong rank, NaN and infinity, negative, out-of-range and huge ids and
sizes, missing paths and binary files. The call must then either succeed (the value was
acceptable after all) or raise ``ValueError`` / ``TypeError`` / ``FileNotFoundError``
(``CheckpointError`` is a ``ValueError``) whose message names the argument. Anything else
(a raw TensorFlow error, ``KeyError``, ``AttributeError``, ``MemoryError``, a message
that does not say which argument) is an unclear error and fails the test, as does a call
that runs longer than ``CALL_LIMIT_S``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import signal
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import course_lib
import course_lib.data
import course_lib.full_scale

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from api_sweep_cases import ALSO_NAMED, CASES, NOT_SWEPT, workdir  # noqa: E402

CLEAR = (ValueError, TypeError, FileNotFoundError)
CALL_LIMIT_S = 20
# What NumPy says while a function computes with the NaN, infinite or huge values the sweep
# feeds it on purpose; any other warning is shown.
EXPECTED_WARNINGS = r"(invalid value|divide by zero|overflow) encountered"


class CallTimeout(Exception):
    pass


def _public_names() -> set[str]:
    """``module.name`` of every public function and class; a module of the package
    ``course_lib.full_scale`` counts as ``full_scale`` (its names are reached as ``full_scale.X``)."""
    names = set()
    for pkg, prefix in ((course_lib, None), (course_lib.data, None), (course_lib.full_scale, "full_scale")):
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.ispkg:
                continue
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for name, obj in vars(mod).items():
                if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                    continue
                if inspect.isfunction(obj) or inspect.isclass(obj):
                    names.add(f"{prefix or info.name}.{name}")
    return names


def _binary_file() -> Path:
    path = workdir() / "binary.bin"
    path.write_bytes(bytes(range(256)) * 4)
    return path


def mutants(value):
    """``(label, bad value)`` pairs for one valid argument value."""
    yield "None", None
    yield "object", object()
    if isinstance(value, bool):
        yield "str", "yes"
        return
    if isinstance(value, (int, np.integer)):
        yield from [("str", "3"), ("float", 2.5), ("bool", True), ("zero", 0), ("negative", -1),
                    ("huge", 10**12), ("nan", float("nan"))]
        return
    if isinstance(value, float):
        yield from [("str", "0.1"), ("nan", float("nan")), ("inf", float("inf")),
                    ("negative", -1.0), ("bool", True), ("complex", 1 + 2j)]
        return
    if isinstance(value, str):
        yield from [("int", 3), ("bytes", b"abc"), ("empty", "")]
        return
    if isinstance(value, Path):
        yield from [("missing path", value.parent / "no-such-file"), ("int", 3),
                    ("binary file", _binary_file()),
                    ("directory", value.parent if value.is_file() else workdir() / "a.txt")]
        return
    if isinstance(value, np.ndarray) and value.dtype != object:
        yield from [("str", "abc"), ("ragged", [[1, 2], [3]]), ("complex", value.astype(complex) + 1j),
                    ("empty", value[:0]), ("rank+1", value[None]), ("scalar", np.float32(1.0))]
        if value.dtype.kind != "b":
            yield "bool", value != 0
        if value.dtype.kind == "f":
            yield from [("nan", np.full_like(value, np.nan)), ("inf", np.full_like(value, np.inf))]
        if value.dtype.kind in "iu":
            yield from [("float ids", value.astype(float) + 0.5), ("negative ids", -np.ones_like(value)),
                        ("huge ids", np.full(value.shape, 2**40))]
        return
    if isinstance(value, (list, tuple)):
        yield from [("empty", value[:0]), ("str", "abc"), ("ragged", [[1, 2], [3]])]
        return
    if isinstance(value, dict):
        yield from [("empty", {}), ("list", [1, 2])]
        return
    if callable(value):
        yield "int", 3


def _alarm(signum, frame):
    raise CallTimeout


def classify(arg: str, bad, call, kwargs, also: str | None = None) -> str | None:
    """``None`` when the outcome is clear, else a description of the unclear error."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CALL_LIMIT_S)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", EXPECTED_WARNINGS, RuntimeWarning)
            call(**kwargs)
    except CallTimeout:
        return f"no result within {CALL_LIMIT_S} s"
    except CLEAR as err:
        message = str(err)
        named = any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
                    for n in (arg, also) if n)
        if not named and not (isinstance(bad, Path) and str(bad) in message):  # or names the file
            return f"{type(err).__name__} not naming {arg!r}: {message[:160]}"
        return None
    except Exception as err:  # noqa: BLE001 - the point of the sweep
        return f"{type(err).__module__}.{type(err).__name__}: {str(err)[:160]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        plt.close("all")
    return None


def test_every_public_function_and_layer_is_swept_or_excused():
    public = _public_names()
    swept = {n.rsplit(".call", 1)[0] for n in CASES}
    missing = sorted(public - swept - set(NOT_SWEPT))
    assert not missing, f"public names without a sweep case or a reason: {missing}"
    stale = sorted((set(CASES) | set(NOT_SWEPT)) - public - {n for n in CASES if n.endswith(".call")})
    assert not stale, f"sweep entries for names that are not public: {stale}"


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.filterwarnings("ignore:.*no GPU is visible:UserWarning")  # warn_without_gpu's job
def test_a_bad_argument_gets_a_clear_error(name):
    call, make_kwargs = CASES[name]
    call(**make_kwargs())  # the valid call works
    try:
        params = inspect.signature(call).parameters
    except (TypeError, ValueError):
        params = {}
    unclear = []
    for arg, value in make_kwargs().items():
        default = params[arg].default if arg in params else inspect.Parameter.empty
        for label, bad in mutants(value):
            if bad is None and default is None:
                continue  # None is this argument's documented default
            kwargs = make_kwargs()
            kwargs[arg] = bad
            problem = classify(arg, bad, call, kwargs, ALSO_NAMED.get((name, arg)))
            if problem:
                unclear.append(f"{arg}={label}: {problem}")
    assert not unclear, f"{name}: {len(unclear)} unclear errors:\n" + "\n".join(unclear)
