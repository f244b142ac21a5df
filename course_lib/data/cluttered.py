"""Cluttered, translated digits: one real digit at a random place on a larger canvas,
among small pieces cut from other digits (lesson 13).

The setting of Mnih et al. (2014), "Recurrent Models of Visual Attention", who built such
canvases from MNIST: a classifier must find the digit before it can read it, and the
clutter looks like bits of digits, so "the brightest blob" is not enough. Lesson scale
uses scikit-learn's 8×8 digits (``digits.load_digits``); full scale uses MNIST's 28×28
digits (``mnist.load_mnist``). Everything here is NumPy and deterministic given ``seed``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib.checks import (
    check_array,
    check_nonnegative_int,
    check_positive_int,
    check_result_size,
    check_seed,
)

__all__ = ["Cluttered", "box_area_fraction", "clutter"]


class Cluttered(NamedTuple):
    """``images: (N, size, size) float32`` in [0, 1], ``labels: (N,) int64`` and the digit's
    ``boxes: (N, 4) int64`` as ``(top, left, bottom, right)`` (bottom and right exclusive)."""

    images: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray


def clutter(digits, labels, size: int, *, pieces: int = 4, piece_size: int = 3, copies: int = 1,
            seed: int = 0) -> Cluttered:
    """Place every digit at a random position on a ``size × size`` canvas with clutter.

    Args:
        digits: (n, h, h) images in [0, 1] (square).
        labels: (n,) integer labels.
        size: the canvas side in pixels, at least ``h``.
        pieces: pieces of clutter per canvas, each a ``piece_size`` square cut at random
            from a random digit of ``digits`` (rarely the canvas's own) and pasted at a
            random place (pixel-wise maximum).
        piece_size: side of a clutter piece, at most ``h``.
        copies: canvases made from each digit (each with its own position and clutter).
        seed: seed of every random choice.

    Returns:
        ``Cluttered(images, labels, boxes)`` with ``n · copies`` canvases; the digit is
        pasted last, so clutter never hides it, but clutter may touch it.
    """
    digits = check_array(digits, "digits", ("n", "h", "h"), dtype="float")
    labels = check_array(labels, "labels", (len(digits),), dtype="int")
    h = digits.shape[1]
    size = check_positive_int(size, "size", minimum=h)
    pieces = check_nonnegative_int(pieces, "pieces")
    piece_size = check_positive_int(piece_size, "piece_size", maximum=h)
    copies = check_positive_int(copies, "copies")
    if digits.min() < 0 or digits.max() > 1:
        raise ValueError(f"digits: expected values in [0, 1], got [{digits.min():.3g}, {digits.max():.3g}]")
    n = len(digits) * copies
    check_result_size((n, size, size), np.float32, "digits, size, copies", what="pixels")
    rng = np.random.default_rng(check_seed(seed))
    source = np.tile(np.arange(len(digits)), copies)
    images = np.zeros((n, size, size), "float32")
    boxes = np.zeros((n, 4), "int64")
    for i, k in enumerate(source):
        for _ in range(pieces):
            other = digits[rng.integers(len(digits))]
            r, c = rng.integers(0, h - piece_size + 1, 2)
            top, left = rng.integers(0, size - piece_size + 1, 2)
            region = images[i, top:top + piece_size, left:left + piece_size]
            np.maximum(region, other[r:r + piece_size, c:c + piece_size], out=region)
        top, left = rng.integers(0, size - h + 1, 2)
        region = images[i, top:top + h, left:left + h]
        np.maximum(region, digits[k], out=region)
        boxes[i] = (top, left, top + h, left + h)
    return Cluttered(images, labels[source].astype("int64"), boxes)


def box_area_fraction(boxes, size: int) -> float:
    """Mean share of the canvas a box covers: the chance that a random point lands in it.

    Args:
        boxes: (N, 4) ``(top, left, bottom, right)``.
        size: the canvas side.
    """
    boxes = check_array(boxes, "boxes", ("N", 4), dtype="int")
    size = check_positive_int(size, "size")
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return float(area.mean() / size**2)
