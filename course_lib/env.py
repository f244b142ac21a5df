"""Notebook environment: seeds, threads, logging, plotting defaults, scale, devices.

Every lesson starts with::

    from course_lib.env import setup_notebook
    info = setup_notebook(seed=SEED, scale=SCALE)

``setup_notebook`` must run before anything imports TensorFlow, because the log level
and the thread pools can only be set before TensorFlow starts.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import socket
import sys

import numpy as np

from course_lib.checks import check_choice

__all__ = ["NotebookInfo", "block_network", "get_strategy", "in_colab", "scale", "setup_notebook"]

SCALES = ("lesson", "full")


def in_colab() -> bool:
    """True when running inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def scale(value: str | None = None) -> str:
    """The scale a lesson runs at: ``"lesson"`` (small, offline) or ``"full"``.

    The environment variable ``COURSE_SCALE`` wins over ``value`` (so an instructor can
    run every notebook at full scale without editing them); ``value`` is the notebook's
    parameters cell; the default is ``"lesson"``.
    """
    chosen = os.environ.get("COURSE_SCALE") or value or "lesson"
    return check_choice(chosen, "SCALE", SCALES)


@dataclasses.dataclass(frozen=True)
class NotebookInfo:
    """What ``setup_notebook`` configured and found."""

    seed: int
    scale: str
    colab: bool
    device: str
    gpus: tuple[str, ...]
    python: str
    tensorflow: str
    keras: str
    numpy: str
    offline: bool

    def __str__(self) -> str:
        rows = [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]
        return "\n".join(f"{k:>10}: {v}" for k, v in rows)


_ALLOWED_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = str(address[0]) if address else ""
    return host in _ALLOWED_HOSTS or host.startswith("127.")


def block_network() -> None:
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
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, n))
    except RuntimeError:  # TensorFlow already started (setup_notebook called twice)
        pass


def _setup_matplotlib() -> None:
    import matplotlib as mpl

    if "ipykernel" not in sys.modules:
        mpl.use("Agg")
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "image.cmap": "viridis",
        }
    )


def setup_notebook(
    seed: int = 0,
    scale: str | None = None,
    *,
    threads: int | None = None,
    deterministic: bool = True,
) -> NotebookInfo:
    """Prepare a lesson: quiet logs, seeds, threads, plotting style, scale, devices.

    Args:
        seed: seeds Python's ``random``, NumPy and TensorFlow (``keras.utils.set_random_seed``).
        scale: the notebook's ``SCALE`` (``"lesson"`` or ``"full"``); ``COURSE_SCALE``
            in the environment overrides it.
        threads: CPU threads for TensorFlow's op pools (default: every core).
        deterministic: ask TensorFlow for deterministic ops, so two runs with the same
            seed give the same numbers on the same machine (CPU).

    Returns:
        a ``NotebookInfo`` with versions, devices, Colab or not, scale and seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    seed = int(seed)
    chosen_scale = _scale_fn(scale)
    # 3 hides TensorFlow's C++ log lines (INFO to ERROR), e.g. harmless graph-version
    # notices; Python exceptions are still raised as usual.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    offline = os.environ.get("COURSE_OFFLINE") == "1" and chosen_scale == "lesson"
    if offline:
        block_network()

    _setup_matplotlib()
    _set_threads(threads or os.cpu_count() or 1)

    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    gpus = tuple(d.name for d in tf.config.list_physical_devices("GPU"))
    return NotebookInfo(
        seed=seed,
        scale=chosen_scale,
        colab=in_colab(),
        device=f"{len(gpus)} GPU(s)" if gpus else f"CPU ({platform.processor() or platform.machine()})",
        gpus=gpus,
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        numpy=np.__version__,
        offline=offline,
    )


_scale_fn = scale


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
