"""The generated captioning scenes: content, masks, captions, determinism, speed, errors."""

from __future__ import annotations

import time

import numpy as np
import pytest

from course_lib.data.scenes import COLOURS, SHAPES, _describe, _object_words, make_scenes


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(300, seed=3)


def test_shapes_and_ranges(scenes):
    n = len(scenes)
    assert scenes.images.shape == (n, 32, 32, 3) and scenes.images.dtype == np.float32
    assert scenes.images.min() >= 0 and scenes.images.max() <= 1
    assert scenes.masks.shape == (n, 3, 32, 32) and scenes.masks.dtype == bool
    assert set(np.unique(scenes.n_objects)) == {1, 2, 3}
    assert all(len(c) == 4 for c in scenes.captions)


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")  # absent objects have no pixels
def test_masks_match_objects_and_do_not_overlap(scenes):
    present = scenes.shape >= 0
    assert (present.sum(1) == scenes.n_objects).all()
    area = scenes.masks.sum(axis=(2, 3))
    assert (area[present] > 10).all() and (area[~present] == 0).all()
    assert (scenes.masks.sum(axis=1) <= 1).all(), "objects never overlap"
    # objects are listed left to right
    xs = np.where(scenes.masks, np.arange(32)[None, None, None, :], np.nan)
    cx = np.nanmean(xs, axis=(2, 3))
    for i in range(len(scenes)):
        k = scenes.n_objects[i]
        assert np.all(np.diff(cx[i, :k]) > 0)
    # the pixels under a mask have the object's colour: red objects are red
    i, k = np.argwhere(scenes.colour == COLOURS.index("red"))[0]
    pix = scenes.images[i][scenes.masks[i, k]]
    assert pix[:, 0].mean() > 0.6 and pix[:, 2].mean() < 0.4


def test_large_objects_are_larger(scenes):
    area = scenes.masks.sum(axis=(2, 3))
    for s in range(len(SHAPES)):
        small = area[(scenes.size == 0) & (scenes.shape == s)]
        large = area[(scenes.size == 1) & (scenes.shape == s)]
        assert large.mean() > 2 * small.mean()


def test_captions_name_every_object_in_order(scenes):
    for i in range(20):
        first = scenes.captions[i][0]
        for k in range(scenes.n_objects[i]):
            assert COLOURS[scenes.colour[i, k]] in first and SHAPES[scenes.shape[i, k]] in first
    caps = _describe([0, 1], [0, 2], [1, 0])
    assert caps[0] == "a large red circle left of a small blue square"
    assert caps[1] == "a small blue square to the right of a large red circle"
    assert caps[3] == "a big red circle left of a little blue square"


def test_labels_are_the_objects_present(scenes):
    labels = scenes.labels()
    assert labels.shape == (len(scenes), 14)
    i = int(np.argmax(scenes.n_objects == 1))
    pair = scenes.colour[i, 0] * 3 + scenes.shape[i, 0]
    assert labels[i, pair] == 1 and labels[i, :12].sum() == 1
    assert labels[i, 12 + scenes.size[i, 0]] == 1


def test_deterministic_and_seeded():
    a, b, c = make_scenes(50, seed=1), make_scenes(50, seed=1), make_scenes(50, seed=2)
    assert np.array_equal(a.images, b.images) and a.captions == b.captions
    assert not np.array_equal(a.images, c.images)


def test_fast_enough():
    start = time.perf_counter()
    make_scenes(3000, seed=0)
    assert time.perf_counter() - start < 10


def test_subset(scenes):
    sub = scenes.subset(scenes.n_objects == 3)
    assert (sub.n_objects == 3).all() and len(sub.captions) == len(sub)
    with pytest.raises(ValueError):
        scenes.subset(np.ones(3, bool))


def test_bad_inputs():
    with pytest.raises(ValueError):
        make_scenes(0)
    with pytest.raises(TypeError):
        make_scenes(10.5)
    with pytest.raises(ValueError, match="image_size"):
        make_scenes(10, image_size=8)
    with pytest.raises(ValueError, match="max_objects"):
        make_scenes(10, max_objects=4)
    with pytest.raises(ValueError, match="colour"):
        _object_words(0, 7, 0)
    with pytest.raises(ValueError, match="1 to 3"):
        _describe([0, 1, 2, 0], [0, 1, 2, 3], [0, 0, 0, 0])
