"""How much memory a computation needs: the process's peak resident memory while it runs.

TensorFlow reports allocator statistics for GPUs only (``tf.config.experimental.
get_memory_info`` refuses ``"CPU:0"``), so on a CPU the course measures what the
operating system sees: the resident set size (RSS) of the Python process. Linux keeps
its high-water mark (``VmHWM`` in ``/proc/self/status``) and lets a process reset it
(writing ``5`` to ``/proc/self/clear_refs``). Before each measurement the C library is
asked to hand its freed memory back (``malloc_trim``), otherwise memory freed by an
earlier computation would be reused without raising the RSS and the peak would read 0.
Python's garbage collector is paused during the call, so that no cyclic garbage is freed
in the middle of a measurement.

Usage::

    from course_lib import memory
    if memory.can_measure_peak():
        result, extra_bytes = memory.peak_memory(fn, x)
        train_bytes = memory.training_step_memory(model, x)  # one gradient of a Keras model
        infer_bytes = memory.inference_memory(model, x)  # one forward pass, no gradient
    seconds = memory.training_step_seconds(model, x)  # the time of that gradient (anywhere)

This works on Linux with glibc's allocator (a self-check allocates the same memory twice
and must see it twice); elsewhere ``can_measure_peak()`` is ``False`` and ``peak_memory``
raises ``OSError`` saying why.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import sys
import weakref
from pathlib import Path

from course_lib.checks import check_array, check_model, check_positive_int

__all__ = ["can_measure_peak", "inference_memory", "peak_memory", "training_step_memory",
           "training_step_seconds"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@functools.lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    if not sys.platform.startswith("linux") or name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "malloc_trim") else None


def _status_bytes(key: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024  # the kernel reports kB
    raise OSError(f"no {key} line in {_STATUS}")


def _reset() -> int:
    """Return freed memory to the OS, reset the high-water mark; -> the RSS now (bytes)."""
    _libc().malloc_trim(0)
    _CLEAR_REFS.write_text("5")
    return _status_bytes("VmRSS")


def can_measure_peak() -> bool:
    """True where ``peak_memory`` works: Linux with glibc and a resettable ``VmHWM``."""
    return _peak_available()


@functools.lru_cache(maxsize=1)
def _peak_available() -> bool:
    if _libc() is None or not _STATUS.is_file():
        return False
    try:
        _reset()
        _status_bytes("VmHWM")
    except OSError:
        return False
    # A self-check: the same 32 MB, allocated twice, must be seen twice. It fails where
    # another allocator (e.g. a preloaded tcmalloc) keeps freed memory that malloc_trim
    # cannot hand back; the lessons then say that they cannot measure.
    import numpy as np

    size = 32 * 2**20
    seen = [_measure(lambda: float(np.ones(size // 8).sum()))[1] for _ in range(2)]
    return all(0.8 * size < b < 2 * size for b in seen)


def peak_memory(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return its result and the memory it needed on top.

    The second value is the peak RSS during the call minus the RSS just before it, in
    bytes: the most memory the call held at once beyond what was already in use. It
    counts everything the process allocated (TensorFlow's tensors, NumPy arrays), page
    by page (4 kB), so repeat a measurement or compare large differences.

    Args:
        fn: the computation; make it finish its work before returning (for example
            convert a TensorFlow result with ``np.asarray``).
        *args: passed to ``fn``.
        **kwargs: passed to ``fn``.

    Returns:
        ``(result, extra_bytes)``; ``extra_bytes`` is an ``int`` ≥ 0.

    Raises:
        TypeError: ``fn`` is not callable.
        OSError: the platform cannot reset the peak (not Linux with glibc).
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a function to run, got {type(fn).__name__}")
    _require_peak()
    return _measure(fn, *args, **kwargs)


def _require_peak() -> None:
    if not can_measure_peak():
        raise OSError("peak memory cannot be measured here: it needs Linux with glibc's allocator "
                      "(/proc/self/clear_refs and malloc_trim), as on a plain Linux machine or in WSL")


def _measure(fn, *args, **kwargs):
    # Cyclic garbage is not collected first (gc.collect() costs about 0.3 s in a lesson's
    # process); pausing the collector keeps it from being freed in the middle instead.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = _reset()
        result = fn(*args, **kwargs)
        peak = _status_bytes("VmHWM")
    finally:
        if was_enabled:
            gc.enable()
    return result, max(0, peak - before)


_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _passes(model, ndim: int, dtype: str):
    """The model's gradient and inference functions, traced once per input rank and dtype."""
    import tensorflow as tf

    per_model = _compiled.setdefault(model, {})
    if (ndim, dtype) not in per_model:
        spec = [tf.TensorSpec([None] * ndim, dtype)]  # any batch and length: one trace
        ref = weakref.ref(model)  # the cache must not keep the model alive

        @tf.function(input_signature=spec)
        def gradient(x):
            net = ref()
            with tf.device("/CPU:0"), tf.GradientTape() as tape:
                outputs = tf.nest.flatten(net(x, training=True))
                loss = tf.add_n([tf.reduce_mean(tf.square(tf.cast(o, "float32"))) for o in outputs])
            with tf.device("/CPU:0"):
                return tape.gradient(loss, net.trainable_variables)

        @tf.function(input_signature=spec)
        def inference(x):
            with tf.device("/CPU:0"):
                return ref()(x, training=False)

        per_model[ndim, dtype] = {"gradient": gradient, "inference": inference}
    return per_model[ndim, dtype]


def _finished(fn, x):
    """fn(x) as NumPy arrays: returns once TensorFlow has computed everything."""
    import numpy as np
    import tensorflow as tf

    return [np.asarray(t) for t in tf.nest.flatten(fn(x))]


def _warm_pass(model, x, which: str, repeats):
    """Checked arguments -> (the traced pass, x as a tensor, repeats), after one warm-up call."""
    import tensorflow as tf

    check_model(model, "model")
    x = check_array(x, "x", dtype="number")
    if x.ndim < 2:
        raise ValueError(f"x: expected a batch, at least (batch, features), got shape {x.shape}")
    repeats = check_positive_int(repeats, "repeats", maximum=100)
    fn = _passes(model, x.ndim, x.dtype.name)[which]
    with tf.device("/CPU:0"):
        x = tf.constant(x)
    with _without_cudnn(model):  # Keras picks cuDNN whenever a GPU is visible, whatever the device scope
        _finished(fn, x)  # trace (first call only) and warm up
    return fn, x, repeats


@contextlib.contextmanager
def _without_cudnn(model):
    """Set ``use_cudnn = False`` on the model's recurrent layers for a while (then restore it)."""
    found, todo = [], [model]
    while todo:
        layer = todo.pop()
        if hasattr(layer, "use_cudnn"):
            found.append((layer, layer.use_cudnn))
        todo += list(getattr(layer, "layers", []))
        todo += [getattr(layer, name) for name in ("forward_layer", "backward_layer") if hasattr(layer, name)]
    try:
        for layer, _ in found:
            layer.use_cudnn = False
        yield
    finally:
        for layer, value in found:
            layer.use_cudnn = value


def _pass_memory(model, x, which: str, repeats) -> int:
    _require_peak()
    fn, x, repeats = _warm_pass(model, x, which, repeats)
    return min(_measure(_finished, fn, x)[1] for _ in range(repeats))


def training_step_memory(model, x, *, repeats: int = 2) -> int:
    """Extra bytes one gradient of a Keras model on the batch ``x`` needs (Linux).

    The gradient of the mean squared output with respect to every trainable variable,
    computed in a ``tf.function``: what a training step keeps for the backward pass, such
    as every step's values for backpropagation through time. The optimizer's update is not
    included (its memory does not grow with the batch or the length). It runs on the CPU,
    without cuDNN, even where a GPU is present: the process's memory is what
    ``peak_memory`` sees, and the same kernels are measured everywhere.

    Args:
        model: a built ``keras.Model``.
        x: the input batch, e.g. ``(batch, time, features)``; the function is traced once
            per rank and dtype, so other batch sizes and lengths reuse it.
        repeats: measurements after one warm-up call; the smallest is returned.

    Returns:
        bytes (``int``), as ``peak_memory`` measures them.
    """
    return _pass_memory(model, x, "gradient", repeats)


def inference_memory(model, x, *, repeats: int = 2) -> int:
    """Extra bytes one forward pass of a Keras model on ``x`` needs, with no gradient (Linux).

    Same arguments and measurement as ``training_step_memory``.
    """
    return _pass_memory(model, x, "inference", repeats)


def training_step_seconds(model, x, *, repeats: int = 3) -> float:
    """Seconds of the gradient ``training_step_memory`` measures (any platform; on the CPU).

    Args:
        model, x: as for ``training_step_memory``.
        repeats: timed calls after one warm-up call; the median is returned.

    Returns:
        seconds (``float``) on this machine: compare them with each other, not across
        machines.
    """
    import time

    import numpy as np

    fn, x, repeats = _warm_pass(model, x, "gradient", repeats)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        _finished(fn, x)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))
