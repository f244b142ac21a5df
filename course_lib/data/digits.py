"""scikit-learn's handwritten digits (real scans, shipped with scikit-learn, no network).

1,797 images of 8×8 pixels with 16 grey levels, from the UCI "Optical Recognition of
Handwritten Digits" data set. Lessons read them row by row as sequences (06), upsample
them for transfer learning (11) and use them for the training recipe (12).
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array, check_positive_int, check_probability, check_result_size, check_seed

__all__ = ["load_digits", "split_by_class", "upsample"]


def load_digits(test_fraction: float = 0.25, seed: int = 0):
    """Images scaled to [0, 1] and labels, split into a stratified train and test set.

    Args:
        test_fraction: share of each class held out for testing, in (0, 1).
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with ``x: (n, 8, 8) float32`` and
        ``y: (n,) int64`` in 0..9.
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    check_probability(test_fraction, "test_fraction")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction}")
    bunch = sk_load_digits()
    x = (bunch.images / 16.0).astype("float32")
    y = bunch.target.astype("int64")
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_fraction, random_state=check_seed(seed), stratify=y
    )
    return (x_tr, y_tr), (x_te, y_te)


def split_by_class(x, y, classes):
    """Keep the examples whose label is in ``classes``, relabelled 0..len(classes)-1.

    Args:
        x: (n, ...) examples.
        y: (n,) integer labels.
        classes: the labels to keep, in the order that defines the new labels.

    Returns:
        ``(x_subset, y_subset)``.
    """
    y = check_array(y, "y", ("n",), dtype="int")
    x = check_array(x, "x", allow_empty=False)
    if x.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of examples, got shapes {x.shape} and {y.shape}")
    if isinstance(classes, (list, tuple)) and len(classes) == 0:
        raise ValueError("classes: expected distinct labels, got []")
    classes = check_array(classes, "classes", ("k",), dtype="int").tolist()
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(f"classes: expected distinct labels, got {classes}")
    missing = [c for c in classes if not np.any(y == c)]
    if missing:
        raise ValueError(f"classes: {missing} do not occur in y (labels present: {sorted(set(y.tolist()))})")
    keep = np.isin(y, classes)
    lookup = {c: i for i, c in enumerate(classes)}
    return x[keep], np.array([lookup[int(v)] for v in y[keep]], dtype="int64")


def upsample(images, factor: int = 4):
    """Enlarge images by repeating each pixel ``factor`` times along both axes.

    Args:
        images: (n, h, w) grey images.
        factor: integer scale, >= 1.

    Returns:
        (n, h·factor, w·factor) array of the same dtype.
    """
    images = check_array(images, "images", ("n", "height", "width"), dtype="number")
    factor = check_positive_int(factor, "factor")
    n, h, w = images.shape
    check_result_size((n, h * factor, w * factor), images.dtype, "images, factor")
    return images.repeat(factor, axis=1).repeat(factor, axis=2)
