"""Sunspot and CO2 loaders, NumPy and tf.data windowing."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.data.series import load_co2, load_sunspots, make_windows, window_dataset


def test_sunspots():
    years, values = load_sunspots()
    assert years.shape == values.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008
    assert np.all(np.diff(years) == 1)
    assert values.dtype == np.float32 and values.min() >= 0 and values.max() > 150


def test_co2_monthly():
    months, ppm = load_co2()
    assert months.shape == ppm.shape and len(ppm) == 526
    assert str(months[0]) == "1958-03" and str(months[-1]) == "2001-12"
    assert np.isfinite(ppm).all()
    assert 310 < ppm[0] < 320 and 365 < ppm[-1] < 375


def test_make_windows_contents():
    s = np.arange(10, dtype="float32")
    x, y = make_windows(s, window=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6,)
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2])
    assert y[0] == 4 and y[-1] == 9
    np.testing.assert_array_equal(x[-1, :, 0], [5, 6, 7])


@pytest.mark.parametrize("horizon", [1, 3])
def test_window_dataset_matches_numpy(horizon):
    s = np.random.default_rng(0).normal(size=40).astype("float32")
    x, y = make_windows(s, 5, horizon)
    batches = list(window_dataset(s, 5, batch_size=8, horizon=horizon))
    xs = np.concatenate([b[0].numpy() for b in batches])
    ys = np.concatenate([b[1].numpy() for b in batches])
    assert batches[0][0].shape == (8, 5, 1)
    np.testing.assert_allclose(xs, x)
    np.testing.assert_allclose(ys, y)
    shuffled = list(window_dataset(s, 5, batch_size=100, horizon=horizon, shuffle=True, seed=1))[0]
    assert sorted(shuffled[1].numpy().tolist()) == sorted(y.tolist())


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"series: expected shape \(time,\)"):
        make_windows(np.zeros((4, 2)), 2)
    with pytest.raises(ValueError, match="at least window"):
        make_windows(np.zeros(4), 4)
    with pytest.raises(ValueError, match="window"):
        window_dataset(np.zeros(10), 0)
    with pytest.raises(TypeError, match="series"):
        make_windows(np.array(["a", "b", "c"]), 1)
