"""tf_flowers: 3,670 photos of five kinds of flowers (full scale of lesson 11).

The archive ``flower_photos.tgz`` (218 MB) unpacks to one folder per class plus a
licence file::

    flower_photos/
        LICENSE.txt
        daisy/        100080576_f52e8ee070_n.jpg ...
        dandelion/    ...
        roses/        ...
        sunflowers/   ...
        tulips/       ...

``load_flowers`` downloads it once (checksummed, cached) and returns resized images;
``list_images`` is the parser, usable on any copy of the folder, and the photos are read
by ``course_lib.data.images.load_images``.
Lesson scale never calls this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from course_lib.checks import check_path, check_probability, check_seed
from course_lib.data import images

__all__ = ["CLASSES", "SHA256", "URL", "fetch_flowers", "list_images", "load_flowers"]

URL = "http://download.tensorflow.org/example_images/flower_photos.tgz"
#: SHA-256 and size (228,813,984 bytes) as published by TensorFlow Datasets in
#: tensorflow/datasets, file tensorflow_datasets/url_checksums/tf_flowers.txt.
SHA256 = "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
SIZE = 228_813_984
#: Class names = folder names; a label is the index in this tuple.
CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
_IMAGE_SUFFIXES = {".jpg", ".jpeg"}


def _find_root(root: Path) -> Path:
    """The folder holding the class folders: ``root`` or ``root/flower_photos``."""
    for candidate in (root, root / "flower_photos"):
        if all((candidate / c).is_dir() for c in CLASSES):
            return candidate
    missing = [c for c in CLASSES if not (root / c).is_dir() and not (root / "flower_photos" / c).is_dir()]
    raise FileNotFoundError(
        f"{root}: expected the flower_photos layout (one folder per class: {', '.join(CLASSES)}); "
        f"missing {missing}"
    )


def list_images(root: str | os.PathLike):
    """Every photo under an unpacked ``flower_photos`` folder, with its label.

    Args:
        root: the unpacked folder (``.../flower_photos``) or the folder containing it.

    Returns:
        ``(paths, labels)``: a sorted list of ``Path`` and an (n,) int64 array of indices
        into ``CLASSES``. Files other than JPEGs (e.g. ``LICENSE.txt``) are skipped.
    """
    root = check_path(root, "root")
    if not root.is_dir():
        raise FileNotFoundError(f"no folder at {root}")
    base = _find_root(root)
    paths, labels = [], []
    for label, name in enumerate(CLASSES):
        files = sorted(p for p in (base / name).iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        if not files:
            raise FileNotFoundError(f"{base / name}: expected JPEG photos, found none")
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, dtype="int64")


def fetch_flowers() -> Path:
    """Download ``URL`` once (checked against ``SHA256``), extract it into the course's
    cache and return the unpacked folder; later calls find it there."""
    from course_lib.data.download import fetch_and_extract

    return Path(fetch_and_extract(URL, SHA256))


def load_flowers(size: int = 160, test_fraction: float = 0.2, seed: int = 0, root=None):
    """The tf_flowers photos, resized and split into a stratified train and test set.

    Args:
        size: side of the square images.
        test_fraction: share of each class held out, in (0, 1).
        seed: seed of the split.
        root: an unpacked ``flower_photos`` folder to use instead of downloading
            ``URL`` (checked against ``SHA256``) into the course's cache.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with ``x: (n, size, size, 3) uint8`` and
        ``y: (n,) int64`` indices into ``CLASSES``.
    """
    from sklearn.model_selection import train_test_split

    check_probability(test_fraction, "test_fraction")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction}")
    paths, labels = list_images(fetch_flowers() if root is None else root)
    idx_tr, idx_te = train_test_split(
        np.arange(len(paths)), test_size=test_fraction, random_state=check_seed(seed), stratify=labels
    )
    x_tr = images.load_images([paths[i] for i in idx_tr], size)
    x_te = images.load_images([paths[i] for i in idx_te], size)
    return (x_tr, labels[idx_tr]), (x_te, labels[idx_te])
