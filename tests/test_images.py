"""course_lib.data.images: the one image loader, on PNG and JPEG files written here."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from course_lib.data import images


@pytest.fixture
def two_photos(tmp_path):
    """A red 20×12 RGB PNG and a mid-grey 9×9 greyscale JPEG."""
    red, grey = tmp_path / "red.png", tmp_path / "grey.jpg"
    Image.new("RGB", (20, 12), (255, 0, 0)).save(red)
    Image.new("L", (9, 9), 128).save(grey, quality=95)
    return [red, str(grey)]  # a Path and a str


def test_load_images_gives_float32_squares_in_0_1(two_photos):
    x = images.load_images(two_photos, size=8, dtype="float32")
    assert x.shape == (2, 8, 8, 3) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x[0], np.broadcast_to([1.0, 0.0, 0.0], (8, 8, 3)))
    np.testing.assert_allclose(x[1], 128 / 255, atol=2 / 255)  # grey: three equal channels


def test_uint8_is_the_default_and_float32_is_it_divided_by_255(two_photos):
    x8 = images.load_images(two_photos, size=5)
    assert x8.shape == (2, 5, 5, 3) and x8.dtype == np.uint8
    np.testing.assert_array_equal(images.load_images(two_photos, size=5, dtype="float32"),
                                  x8.astype("float32") / 255.0)


def test_bad_arguments_name_themselves(two_photos, tmp_path):
    for size in (0, -3, 2.5, "8"):
        with pytest.raises((ValueError, TypeError), match="size"):
            images.load_images(two_photos, size=size)
    with pytest.raises(ValueError, match="dtype"):
        images.load_images(two_photos, dtype="float64")
    with pytest.raises(ValueError, match="paths"):
        images.load_images([])
    with pytest.raises(TypeError, match="paths"):
        images.load_images(str(two_photos[1]))
    with pytest.raises(FileNotFoundError, match=r"paths\[1\]: no image at"):
        images.load_images([two_photos[0], tmp_path / "missing.png"])
