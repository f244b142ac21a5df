"""MNIST's 70,000 handwritten digits of 28×28 pixels (full scale of lesson 13).

The file is the NumPy archive TensorFlow hosts for ``keras.datasets.mnist`` (11 MB),
fetched here with the course's own download code (checksummed, cached, resumable across
sessions when the cache is on Google Drive) rather than through ``keras.datasets``. It
holds four arrays: ``x_train (60000, 28, 28) uint8``, ``y_train (60000,) uint8``,
``x_test (10000, 28, 28)`` and ``y_test (10000,)``.

``read_mnist`` is the parser, usable on any copy of the file; ``load_mnist`` downloads it
once. Lesson scale never calls this module.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from course_lib.checks import check_path

__all__ = ["SHA256", "URL", "load_mnist", "read_mnist"]

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
#: The SHA-256 Keras pins for this file (``keras/src/datasets/mnist.py``, ``file_hash``).
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _check_split(x, y, split: str, path: Path):
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
        raise ValueError(f"{path}: x_{split}: expected (n, 28, 28) uint8 images, got {x.shape} {x.dtype}")
    if y.shape != (len(x),) or y.dtype.kind not in "iu":
        raise ValueError(f"{path}: y_{split}: expected ({len(x)},) integer labels, got {y.shape} {y.dtype}")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"{path}: y_{split}: expected labels 0..9, got {y.min()}..{y.max()}")
    if len(x) == 0:
        raise ValueError(f"{path}: {split} split is empty")
    return (x.astype("float32") / 255.0), y.astype("int64")


def read_mnist(path: str | os.PathLike):
    """Parse an ``mnist.npz``.

    Args:
        path: the file.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with ``x: (n, 28, 28) float32`` in [0, 1]
        and ``y: (n,) int64`` in 0..9.

    Raises:
        FileNotFoundError: no such file. ValueError: not an MNIST archive (a key missing,
        wrong shapes, dtypes or labels).
    """
    path = Path(check_path(path, "path", kind="file"))
    with path.open("rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"  # an .npz is a zip archive of .npy files
    if not is_zip:
        raise ValueError(f"{path}: not a NumPy .npz archive")
    try:
        with np.load(path, allow_pickle=False) as data:
            names = set(data.files)
            arrays = {k: data[k] for k in _KEYS if k in names}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise ValueError(f"{path}: not a readable NumPy .npz archive ({err})") from None
    missing = [k for k in _KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{path}: expected the arrays {list(_KEYS)}, missing {missing}")
    train = _check_split(arrays["x_train"], arrays["y_train"], "train", path)
    test = _check_split(arrays["x_test"], arrays["y_test"], "test", path)
    return train, test


def load_mnist(cache: str | os.PathLike | None = None):
    """Download (once) and parse MNIST; see ``read_mnist`` for what it returns.

    Args:
        cache: the data cache (default ``download.cache_dir()``).
    """
    from course_lib.data import download

    return read_mnist(download.fetch(URL, "sha256:" + SHA256, cache=cache))
