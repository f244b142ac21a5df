"""IMDB movie reviews (Maas et al., 2011), full scale: the real ``aclImdb_v1.tar.gz``.

The archive (84 MB) unpacks to ``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``: one
review per UTF-8 file, 12,500 per folder, ratings 7–10 in ``pos`` and 1–4 in ``neg``
(``train/unsup`` holds 50,000 unlabelled reviews, which the loader skips). Reviews keep
HTML line breaks (``<br />``), which the loader turns into spaces.

Lesson scale never calls this module (it needs the network once, then the cache).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from course_lib.checks import check_choice, check_path

__all__ = ["IMDB_SHA256", "IMDB_URL", "fetch_imdb", "load_imdb"]

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# SHA-256 (and size, 84,125,825 bytes) of the real archive as published by TensorFlow
# Datasets in tensorflow_datasets/url_checksums/imdb_reviews.txt
# (github.com/tensorflow/datasets, commit 333639b37af6c6fedf3610a4a2d42f1c6ef6f7d5).
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"

_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _clean_review(text: str) -> str:
    """Replace the HTML line breaks (``<br />``) of a review by spaces and strip it."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return _BREAK.sub(" ", text).strip()


def _find_root(path: Path) -> Path:
    for candidate in (path, path / "aclImdb"):
        if (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return candidate
    raise FileNotFoundError(
        f"no aclImdb data set at {path}: expected train/ and test/ folders in it or in {path / 'aclImdb'}"
    )


def _read_aclimdb(path, split: str = "train"):
    """Read one labelled split of an unpacked ``aclImdb`` directory.

    Args:
        path: the ``aclImdb`` directory or the directory that contains it.
        split: ``"train"`` or ``"test"``.

    Returns:
        ``texts`` (list of n cleaned reviews), ``labels: (n,) int64`` (1 = positive,
        0 = negative) and ``ratings: (n,) int64`` (1–10, from the file names), sorted by
        label folder (neg, pos) then review id.
    """
    check_choice(split, "split", ("train", "test"))
    root = _find_root(check_path(path, "path"))
    texts, labels, ratings = [], [], []
    for label, folder in ((0, "neg"), (1, "pos")):
        directory = root / split / folder
        if not directory.is_dir():
            raise FileNotFoundError(f"missing folder {directory} (expected {split}/{folder} in aclImdb)")
        entries = []
        for file in directory.iterdir():
            match = _NAME.match(file.name)
            if match is None:
                raise ValueError(f"{file}: expected a review file named <id>_<rating>.txt")
            entries.append((int(match[1]), int(match[2]), file))
        for _, rating, file in sorted(entries):
            if not (7 <= rating <= 10 if label else 1 <= rating <= 4):
                raise ValueError(f"{file}: rating {rating} does not fit the {folder} folder")
            texts.append(_clean_review(file.read_text(encoding="utf-8")))
            labels.append(label)
            ratings.append(rating)
    if not texts:
        raise ValueError(f"no reviews found under {root / split}")
    return texts, np.array(labels, dtype="int64"), np.array(ratings, dtype="int64")


def load_imdb(split: str = "train", cache=None):
    """Download (once, checksummed, cached) and read the real IMDB reviews.

    Args:
        split: ``"train"`` or ``"test"`` (25,000 labelled reviews each).
        cache: cache directory (default: ``course_lib.data.download.cache_dir()``).

    Returns:
        ``texts`` (list of n cleaned reviews), ``labels: (n,) int64`` (1 = positive,
        0 = negative) and ``ratings: (n,) int64`` (1–10, from the file names), sorted by
        label folder (neg, pos) then review id.
    """
    check_choice(split, "split", ("train", "test"))
    return _read_aclimdb(fetch_imdb(cache), split)


def fetch_imdb(cache=None) -> Path:
    """Download the IMDB archive once (checksummed), extract its labelled reviews into the
    cache (default: ``course_lib.data.download.cache_dir()``) and return the folder."""
    from course_lib.data.download import fetch_and_extract

    # the 50,000 unlabelled train/unsup reviews are never read: not extracting them keeps
    # ~50k small files out of the cache (which may be a Google Drive folder)
    return Path(fetch_and_extract(IMDB_URL, IMDB_SHA256, cache=cache, keep=_labelled))


def _labelled(member: str) -> bool:
    """False for the archive's unlabelled reviews (``aclImdb/train/unsup/…``)."""
    return "/unsup/" not in f"/{member}/"
