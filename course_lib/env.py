"""Notebook environment: seeds, threads, logging, plotting defaults, scale, devices.

Every lesson starts with::

    from course_lib.env import setup_notebook
    info = setup_notebook(seed=SEED, scale=SCALE)

``setup_notebook`` must run before anything imports TensorFlow, because the log level
and the thread pools can only be set before TensorFlow starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import re
import socket
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "TESTED_CONFIGURATIONS",
    "NotebookInfo",
    "cjk_font_path",
    "get_strategy",
    "setup_notebook",
    "warn_without_gpu",
]

SCALES = ("lesson", "full")

#: The TensorFlow and Keras releases (major.minor) the course is tested with, in its two
#: tested configurations: the lock (``requirements.lock``, ``make test``) and Colab's
#: runtime (``requirements-colab.txt``, ``make test-colab``). With any other pair
#: ``setup_notebook`` warns, since a lesson's numbers can move.
TESTED_CONFIGURATIONS = {
    "requirements.lock": {"tensorflow": "2.21", "keras": "3.15"},
    "Colab's runtime": {"tensorflow": "2.20", "keras": "3.13"},
}
_TESTED_VERSIONS = TESTED_CONFIGURATIONS["requirements.lock"]

# TensorFlow's C++ start-up writes these straight to file descriptor 2, whatever
# TF_CPP_MIN_LOG_LEVEL says: the absl pre-initialisation notice and glog-style lines
# ("I0000 00:00:1796113121.271238    2306 port.cc:153] oneDNN custom operations are on").
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_GLOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\] ")
# Error-level start-up lines that are known to be harmless (CUDA plugin registration).
_HARMLESS_ERRORS = ("Unable to register", "has already been registered", "computation placer")


def _is_tensorflow_startup_noise(line: str) -> bool:
    """True for a line TensorFlow's native start-up prints to stderr that carries no news.

    Info and warning lines in glog format, the absl pre-initialisation notice, and the
    known CUDA-plugin registration errors; anything else (a real error) is kept.
    """
    if not isinstance(line, str):
        raise TypeError(f"line: expected a str, got {type(line).__name__}")
    line = line.rstrip("\n")
    if line.strip() == _ABSL_NOTICE:
        return True
    if _GLOG_LINE.match(line):
        return line[0] in "IW" or (line[0] == "E" and any(s in line for s in _HARMLESS_ERRORS))
    return False


def _flush_c_stdio() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to call (e.g. Windows)
        pass


@contextlib.contextmanager
def _quiet_native_stderr():
    """Capture what native code writes to file descriptor 2; re-emit all but start-up noise.

    Python-level ``sys.stderr`` is untouched; only C/C++ writes to the descriptor are
    caught (in Jupyter these would otherwise appear as a red stderr block). Lines that
    ``_is_tensorflow_startup_noise`` recognises are dropped, every other line is written
    to ``sys.stderr`` when the block ends, so a real native error is never hidden.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            _flush_c_stdio()  # native loggers may buffer; flush while fd 2 is the capture
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [ln for ln in text.splitlines() if ln.strip() and not _is_tensorflow_startup_noise(ln)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


def _in_colab() -> bool:
    """True when running inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def _resolve_scale(value: str | None = None) -> str:
    """The scale a lesson runs at: ``"lesson"`` (small, offline) or ``"full"``.

    The environment variable ``COURSE_SCALE`` wins over ``value`` (so an instructor can
    run every notebook at full scale without editing them); ``value`` is the notebook's
    parameters cell; the default is ``"lesson"``.
    """
    chosen = os.environ.get("COURSE_SCALE") or value or "lesson"
    if chosen not in SCALES:  # named as the notebook's parameter; value is setup_notebook's scale
        raise ValueError(f"SCALE: expected one of {list(SCALES)}, got {chosen!r} "
                         "(the value given to setup_notebook or COURSE_SCALE)")
    return chosen


@dataclasses.dataclass(frozen=True)
class NotebookInfo:
    """What ``setup_notebook`` configured and found."""

    seed: int
    scale: str
    colab: bool
    device: str
    gpus: tuple[str, ...]
    deterministic: bool
    python: str
    tensorflow: str
    keras: str
    numpy: str
    offline: bool

    def __str__(self) -> str:
        rows = [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]
        return "\n".join(f"{k:>13}: {v}" for k, v in rows)


_ALLOWED_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = str(address[0]) if address else ""
    return host in _ALLOWED_HOSTS or host.startswith("127.")


def _block_network() -> None:
    """Make every Python network connection to a non-loopback address fail at once.

    Used when ``COURSE_OFFLINE=1`` (the test suite sets it) so a lesson that quietly
    downloads something fails its test instead of passing on a machine with network.
    """
    if getattr(socket.socket.connect, "_course_blocked", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self, address):
        if not _is_loopback(address):
            raise OSError(f"network access is disabled at lesson scale (tried {address!r})")
        return original_connect(self, address)

    def guarded_connect_ex(self, address):  # the error-code variant must not slip through
        if not _is_loopback(address):
            raise OSError(f"network access is disabled at lesson scale (tried {address!r})")
        return original_connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else (host or "")
        if name not in _ALLOWED_HOSTS and not name.startswith("127."):
            raise OSError(f"network access is disabled at lesson scale (tried to resolve {name!r})")
        return original_getaddrinfo(host, *args, **kwargs)

    guarded_connect._course_blocked = True
    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.getaddrinfo = guarded_getaddrinfo


def _set_threads(n: int) -> None:
    import tensorflow as tf  # first import: setup_notebook captures its start-up lines

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, n))
    except RuntimeError:  # TensorFlow already started (setup_notebook called twice)
        pass


#: The font that draws Hangul and the kanji of Japanese dates in figures: NanumGothic
#: (SIL Open Font License), shipped by the ``koreanize-matplotlib`` package.
_CJK_FONT = "NanumGothic"


def cjk_font_path():
    """Path of the bundled NanumGothic font file, or ``None`` if the package is missing."""
    from importlib import resources

    try:
        path = resources.files("koreanize_matplotlib") / "fonts" / f"{_CJK_FONT}.ttf"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


def _setup_matplotlib() -> None:
    import matplotlib as mpl
    from matplotlib import font_manager

    if "ipykernel" not in sys.modules:
        mpl.use("Agg")
    font = cjk_font_path()
    if font is not None and _CJK_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(font))
    mpl.rcParams.update(
        {
            # Latin text in DejaVu Sans; a glyph it lacks (Hangul, kanji) from NanumGothic
            "font.family": ["DejaVu Sans", _CJK_FONT] if font is not None else ["DejaVu Sans"],
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 120,
            "savefig.dpi": 120,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "image.cmap": "viridis",
        }
    )


def _check_versions(tf_version: str, keras_version: str) -> None:
    found = {"tensorflow": ".".join(tf_version.split(".")[:2]), "keras": ".".join(keras_version.split(".")[:2])}
    if found in TESTED_CONFIGURATIONS.values():
        return
    tested = " and ".join(f"TensorFlow {v['tensorflow']} / Keras {v['keras']} ({where})"
                          for where, v in TESTED_CONFIGURATIONS.items())
    warnings.warn(
        f"tensorflow {tf_version} with keras {keras_version} is not a tested configuration ({tested}): "
        "the lessons should run, but their numbers may differ from the rendered ones (and a margin may fail)",
        stacklevel=3,
    )


def setup_notebook(
    seed: int = 0,
    scale: str | None = None,
    *,
    threads: int | None = None,
    deterministic: bool | None = None,
) -> NotebookInfo:
    """Prepare a lesson: quiet logs, seeds, threads, plotting style, scale, devices.

    Args:
        seed: seeds Python's ``random``, NumPy and TensorFlow (``keras.utils.set_random_seed``).
        scale: the notebook's ``SCALE`` (``"lesson"`` or ``"full"``); ``COURSE_SCALE``
            in the environment overrides it.
        threads: CPU threads for TensorFlow's op pools (default: ``$COURSE_THREADS``, else
            every core).
        deterministic: ask TensorFlow for deterministic ops, so two runs with the same
            seed give the same numbers on the same machine. Default: on, except at full
            scale on a GPU, where deterministic kernels are slower and switch off Keras'
            automatic XLA compilation (pass ``True`` to have reproducibility anyway).

    Returns:
        a ``NotebookInfo`` with versions, devices, Colab or not, scale, seed and whether
        ops are deterministic.
    """
    from course_lib.checks import check_positive_int, check_seed

    seed = check_seed(seed)
    if deterministic is not None and not isinstance(deterministic, bool):
        raise TypeError(f"deterministic: expected True, False or None, got {deterministic!r}")
    seed = int(seed)
    chosen_scale = _resolve_scale(scale)
    if threads is None and os.environ.get("COURSE_THREADS"):
        threads = os.environ["COURSE_THREADS"]
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f"COURSE_THREADS: expected a positive integer, got {threads!r}")
        threads = int(threads)
    if threads is not None:
        threads = check_positive_int(threads, "threads")
    # 3 hides TensorFlow's C++ log lines (INFO to ERROR), e.g. harmless graph-version
    # notices; Python exceptions are still raised as usual.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # COURSE_OFFLINE=1 (the tests): no connection but loopback at lesson scale, and at full
    # scale too when a COURSE_MIRROR manifest names where the data come from.
    offline = os.environ.get("COURSE_OFFLINE") == "1" and (chosen_scale == "lesson" or "COURSE_MIRROR" in os.environ)
    if offline:
        _block_network()

    _setup_matplotlib()
    # TensorFlow's native start-up lines are printed before any log level applies:
    # import it, size its thread pools and start its runtime with descriptor 2 captured.
    with _quiet_native_stderr():
        _set_threads(int(threads or os.cpu_count() or 1))
        import keras
        import tensorflow as tf

        gpus = tuple(d.name for d in tf.config.list_physical_devices("GPU"))
        if deterministic is None:
            deterministic = not (gpus and chosen_scale == "full")
        tf.get_logger().setLevel("ERROR")
        keras.utils.set_random_seed(seed)
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        # TF32 matmuls (default on Ampere and newer GPUs) keep 10 mantissa bits: the
        # lessons' float32 parity checks (1e-5) need full float32.
        tf.config.experimental.enable_tensor_float_32_execution(False)
        tf.constant(0.0).numpy()  # start the runtime now, inside the capture
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    _check_versions(tf.__version__, keras.__version__)
    if chosen_scale == "full":
        warn_without_gpu("SCALE is 'full'")
    return NotebookInfo(
        seed=seed,
        scale=chosen_scale,
        colab=_in_colab(),
        device=f"{len(gpus)} GPU(s)" if gpus else f"CPU ({platform.processor() or platform.machine()})",
        gpus=gpus,
        deterministic=bool(deterministic),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        numpy=np.__version__,
        offline=offline,
    )


def warn_without_gpu(what: str, steps: int | None = None, seconds_per_step: float | None = None) -> bool:
    """Warn (and return True) when no GPU is visible for a full-scale run; False when one is.

    Args:
        what: the run, for the message (``"tf_flowers"``, ``"SCALE is 'full'"``).
        steps: training steps ahead, and seconds_per_step: what one step costs on a 2-core
            CPU (measured). Given both, the message estimates the hours; without them it
            says that each run prints its own estimate.
    """
    import tensorflow as tf

    from course_lib.checks import check_nonnegative_int, check_positive

    if not isinstance(what, str) or not what:
        raise TypeError(f"what: expected the run's name, got {what!r}")
    if (steps is None) != (seconds_per_step is None):
        raise TypeError("steps and seconds_per_step: give both (for an estimate) or neither")
    if steps is None:
        cost = "the full-scale training runs take hours on a CPU (each run prints an estimate)"
    else:
        steps = check_nonnegative_int(steps, "steps")
        seconds_per_step = check_positive(seconds_per_step, "seconds_per_step", allow_zero=True)
        cost = (f"{steps:,} training steps at about {seconds_per_step} s each on a 2-core CPU take "
                f"roughly {steps * seconds_per_step / 3600:.1f} h")
    if tf.config.list_physical_devices("GPU"):
        return False
    warnings.warn(f"{what}: no GPU is visible; {cost}. On Colab choose Runtime -> Change runtime type -> GPU; "
                  "or run the lesson at SCALE = 'lesson'.", stacklevel=2)
    return True


def get_strategy():
    """A ``tf.distribute`` strategy for the visible devices.

    Several GPUs: ``MirroredStrategy`` (one model replica per GPU, gradients averaged).
    One GPU or only the CPU: the default strategy, so ``with get_strategy().scope():``
    works the same everywhere.
    """
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()
