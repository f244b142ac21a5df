"""course_lib.data.flowers: the tf_flowers parser on a fixture in the real folder layout."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from course_lib.data import flowers, images
from course_lib.data.download import safe_extract

FIXTURE = Path(__file__).parent / "fixtures" / "flower_photos"


def test_pinned_checksum_is_well_formed():
    assert len(flowers.SHA256) == 64 and int(flowers.SHA256, 16) >= 0
    assert flowers.URL.endswith("/flower_photos.tgz")


def test_list_images_reads_every_class_and_skips_the_licence():
    paths, labels = flowers.list_images(FIXTURE)
    assert len(paths) == 10 and labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert all(p.suffix == ".jpg" for p in paths)
    assert [p.parent.name for p in paths[::2]] == list(flowers.CLASSES)
    # the folder that contains flower_photos/ works too (as the archive unpacks)
    again, _ = flowers.list_images(FIXTURE.parent)
    assert again == paths


def test_load_images_gives_rgb_uint8_squares_even_from_greyscale():
    paths, _ = flowers.list_images(FIXTURE)
    x = images.load_images(paths, size=16)
    assert x.shape == (10, 16, 16, 3) and x.dtype == np.uint8
    # the daisy fixture is red-dominant, the dandelion one green-dominant
    assert x[0, ..., 0].mean() > x[0, ..., 1].mean() and x[2, ..., 1].mean() > x[2, ..., 0].mean()


def test_load_flowers_splits_stratified(tmp_path):
    (x_tr, y_tr), (x_te, y_te) = flowers.load_flowers(size=8, test_fraction=0.5, root=FIXTURE)
    assert x_tr.shape == (5, 8, 8, 3) and x_te.shape == (5, 8, 8, 3)
    assert sorted(y_tr.tolist()) == [0, 1, 2, 3, 4] and sorted(y_te.tolist()) == [0, 1, 2, 3, 4]


def test_the_archive_layout_round_trips(tmp_path):
    archive = tmp_path / "flower_photos.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(FIXTURE, arcname="flower_photos")
    out = safe_extract(archive, tmp_path / "flower_photos.tgz.d")
    paths, labels = flowers.list_images(out)
    assert len(paths) == 10 and labels.max() == 4


def test_errors_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        flowers.list_images(tmp_path / "nowhere")
    broken = tmp_path / "flower_photos"
    shutil.copytree(FIXTURE, broken)
    shutil.rmtree(broken / "tulips")
    with pytest.raises(FileNotFoundError, match="tulips"):
        flowers.list_images(broken)
    (broken / "tulips").mkdir()
    with pytest.raises(FileNotFoundError, match="JPEG"):
        flowers.list_images(broken)
    with pytest.raises(ValueError):
        images.load_images([], size=8)
    with pytest.raises(ValueError):
        flowers.load_flowers(test_fraction=1.0, root=FIXTURE)
