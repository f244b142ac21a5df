"""Image files to arrays: the one loader behind the photo datasets (flowers, Flickr8k).

``load_images`` decodes any file PIL reads (JPEG, PNG, greyscale or RGBA), converts it
to RGB and resizes it to a square with bilinear interpolation; the aspect ratio is not
kept. Each dataset module finds its own files and calls it.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import (
    check_choice,
    check_path,
    check_positive_int,
    check_result_size,
    check_sequence,
)

__all__ = ["load_images"]


def load_images(paths, size: int = 160, *, dtype: str = "uint8") -> np.ndarray:
    """Read image files as RGB, resized to ``size × size`` (the aspect ratio is not kept).

    Args:
        paths: sequence of N image paths (str or ``Path``).
        size: side of the square output in pixels.
        dtype: ``"uint8"`` for pixel values 0..255, or ``"float32"`` for the same values
            divided by 255, in [0, 1].

    Returns:
        (N, size, size, 3) array of ``dtype``.
    """
    from PIL import Image

    size = check_positive_int(size, "size")
    dtype = check_choice(dtype, "dtype", ("uint8", "float32"))
    paths = check_sequence(paths, "paths", "image paths")
    check_result_size((len(paths), size, size, 3), dtype, "paths, size", what="pixel values")
    out = np.empty((len(paths), size, size, 3), dtype=dtype)
    for i, path in enumerate(paths):
        path = check_path(path, f"paths[{i}]")
        if not path.is_file():
            raise FileNotFoundError(f"paths[{i}]: no image at {path}")
        with Image.open(path) as img:
            pixels = img.convert("RGB").resize((size, size), Image.BILINEAR)
            out[i] = np.asarray(pixels) if dtype == "uint8" else np.asarray(pixels, "float32") / 255.0
    return out
