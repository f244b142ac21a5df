"""Adding problem, recall task, rising tags and moving-dot clip generators."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.data.tasks import (
    ADDING_BASELINE_MSE,
    adding_problem,
    moving_dot_clips,
    recall_chance_accuracy,
    recall_task,
    rising_tags,
    rising_tags_causal_ceiling,
)


def test_adding_problem_structure():
    x, y = adding_problem(500, 20, seed=1)
    assert x.shape == (500, 20, 2) and y.shape == (500, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    markers = x[..., 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)
    first = markers.argmax(axis=1)
    second = 19 - markers[:, ::-1].argmax(axis=1)
    assert (first < 10).all() and (second >= 10).all()
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1), rtol=1e-6)
    assert ((x[..., 0] >= 0) & (x[..., 0] < 1)).all()


def test_adding_baseline_is_one_sixth():
    _, y = adding_problem(200_000, 4, seed=0)
    assert abs(ADDING_BASELINE_MSE - 1 / 6) < 1e-12
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.003
    assert abs(y.mean() - 1.0) < 0.005


def test_seeded_and_distinct():
    a, _ = adding_problem(10, 8, seed=3)
    b, _ = adding_problem(10, 8, seed=3)
    c, _ = adding_problem(10, 8, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_recall_task():
    x, y = recall_task(1000, 15, num_symbols=5, seed=0)
    assert x.shape == (1000, 15) and y.shape == (1000,)
    np.testing.assert_array_equal(y, x[:, 0])
    assert x.min() == 0 and x.max() == 4
    assert recall_chance_accuracy(5) == 0.2
    counts = np.bincount(y, minlength=5) / 1000
    assert np.abs(counts - 0.2).max() < 0.05


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: adding_problem(0, 10), ValueError, "n"),
        (lambda: adding_problem(5, 1), ValueError, "T"),
        (lambda: adding_problem(5, 10.0), TypeError, "T"),
        (lambda: recall_task(5, 10, num_symbols=1), ValueError, "num_symbols"),
        (lambda: recall_chance_accuracy(0), ValueError, "num_symbols"),
    ],
)
def test_bad_arguments(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_rising_tags_and_their_causal_ceiling():
    x, y = rising_tags(3000, 12, seed=4)
    assert x.shape == y.shape == (3000, 12) and x.dtype == y.dtype == np.int32
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:] > x[:, :-1])
    assert (y[:, -1] == 0).all() and x.min() == 0 and x.max() == 9
    # the best causal guess: "rising" after a digit below 5, else "not rising"
    guess = np.zeros_like(y)
    guess[:, :-1] = x[:, :-1] < 5
    assert abs((guess == y).mean() - rising_tags_causal_ceiling(12)) < 0.01
    with pytest.raises(ValueError, match="length"):
        rising_tags(3, 1)


def test_marked_recall_task():
    x, y = recall_task(2000, 10, num_symbols=4, seed=2, marked=True)
    assert x.shape == (2000, 10) and y.shape == (2000,)
    is_marked = x >= 4
    np.testing.assert_array_equal(is_marked.sum(axis=1), 1)
    where = is_marked.argmax(axis=1)
    assert where.max() < 5 and where.min() == 0
    np.testing.assert_array_equal(x[np.arange(2000), where] - 4, y)
    assert x.max() <= 7 and y.max() == 3
    with pytest.raises(ValueError, match="T"):
        recall_task(3, 1, marked=True)


def test_moving_dot_clips_move_one_pixel_per_frame_and_label_the_moves():
    clips, ends_right, moves_right = moving_dot_clips(2000, 10, width=8, seed=3)
    assert clips.shape == (2000, 10, 8, 8) and clips.dtype == np.float32
    assert ends_right.shape == (2000,) and moves_right.shape == (2000, 10)
    np.testing.assert_array_equal(clips.sum(axis=(2, 3)), 1)  # one dot per frame
    rows = clips.sum(axis=3).argmax(axis=2)  # (n, frames)
    cols = clips.sum(axis=2).argmax(axis=2)
    assert (rows == rows[:, :1]).all(), "the dot keeps its row"
    steps = np.diff(cols, axis=1)
    np.testing.assert_array_equal(np.abs(steps), 1)  # one pixel per frame, never still
    np.testing.assert_array_equal(moves_right[:, 1:], steps > 0)  # the move that reached the frame
    np.testing.assert_array_equal(ends_right, cols[:, -1] > cols[:, 0])
    np.testing.assert_array_equal(moves_right[:, 0], steps[:, 0] > 0)  # frame 0: the first move
    assert set(cols[:, 0]) == set(range(8)) and 0.4 < ends_right.mean() < 0.6 and 0.4 < moves_right.mean() < 0.6
    again = moving_dot_clips(2000, 10, width=8, seed=3)
    np.testing.assert_array_equal(again[0], clips)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(n=3, frames=5), ValueError, "frames: expected an even number"),
    (dict(n=3, frames=0), ValueError, "frames"),
    (dict(n=3, frames=4, width=1), ValueError, "width"),
    (dict(n=10**9, frames=100), ValueError, "n, frames, width"),
])
def test_moving_dot_clips_refuse_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        moving_dot_clips(**kwargs)
