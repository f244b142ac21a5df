"""How much memory a computation needs: the process's peak resident memory while it runs.

TensorFlow reports allocator statistics for GPUs only (``tf.config.experimental.
get_memory_info`` refuses ``"CPU:0"``), so on a CPU the course measures what the
operating system sees: the resident set size (RSS) of the Python process. Linux keeps
its high-water mark (``VmHWM`` in ``/proc/self/status``) and lets a process reset it
(writing ``5`` to ``/proc/self/clear_refs``). Before each measurement the C library is
asked to hand its freed memory back (``malloc_trim``), otherwise memory freed by an
earlier computation would be reused without raising the RSS and the peak would read 0.

Usage::

    from course_lib import memory
    if memory.can_measure_peak():
        result, extra_bytes = memory.peak_memory(fn, x)

This works on Linux (Colab included) with glibc; elsewhere ``can_measure_peak()`` is
``False`` and ``peak_memory`` raises ``OSError`` saying why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from pathlib import Path

__all__ = ["can_measure_peak", "peak_memory"]

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


@functools.lru_cache(maxsize=1)
def can_measure_peak() -> bool:
    """True where ``peak_memory`` works: Linux with glibc and a resettable ``VmHWM``."""
    if _libc() is None or not _STATUS.is_file():
        return False
    try:
        _reset()
        _status_bytes("VmHWM")
    except OSError:
        return False
    return True


def peak_memory(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return its result and the memory it needed on top.

    The second value is the peak RSS during the call minus the RSS just before it, in
    bytes: the most memory the call held at once beyond what was already in use. It
    counts everything the process allocated (TensorFlow's tensors, NumPy arrays), page
    by page (4 kB), so repeat a measurement or compare large differences.

    Args:
        fn: the computation; make it finish its work before returning (for example
            convert a TensorFlow result with ``np.asarray``).
        *args, **kwargs: passed to ``fn``.

    Returns:
        ``(result, extra_bytes)``; ``extra_bytes`` is an ``int`` ≥ 0.

    Raises:
        TypeError: ``fn`` is not callable.
        OSError: the platform cannot reset the peak (not Linux with glibc).
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a function to run, got {type(fn).__name__}")
    if not can_measure_peak():
        raise OSError("peak_memory needs Linux with glibc (/proc/self/clear_refs and malloc_trim): "
                      "run this cell on Colab, in WSL or on a Linux machine")
    before = _reset()
    result = fn(*args, **kwargs)
    return result, max(0, _status_bytes("VmHWM") - before)
