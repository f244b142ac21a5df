"""Real time series shipped with statsmodels (offline), and windowing for forecasting.

* ``load_sunspots()``: yearly mean sunspot activity 1700–2008 (the ~11-year solar cycle).
* ``load_co2()``: Mauna Loa atmospheric CO2, weekly 1958–2001, averaged to months.
* ``make_windows`` (NumPy) and ``window_dataset`` (``tf.data``) cut a series into
  ``(past window → next value)`` pairs.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array, check_finite, check_positive_int

__all__ = ["load_co2", "load_sunspots", "make_windows", "window_dataset"]


def load_sunspots():
    """Yearly sunspot activity (Wolf numbers), 1700–2008, from statsmodels.

    Returns:
        ``years: (309,) int64`` and ``values: (309,) float32``.
    """
    from statsmodels.datasets import sunspots

    df = sunspots.load_pandas().data
    return df["YEAR"].to_numpy().astype("int64"), df["SUNACTIVITY"].to_numpy().astype("float32")


def load_co2():
    """Monthly mean atmospheric CO2 at Mauna Loa (ppm), March 1958 – December 2001.

    statsmodels ships weekly readings with gaps; months are the mean of their weeks and
    the few months without any reading are filled by linear interpolation.

    Returns:
        ``months: (n,) datetime64[M]`` and ``ppm: (n,) float32``.
    """
    from statsmodels.datasets import co2

    monthly = co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    months = monthly.index.to_numpy().astype("datetime64[M]")
    return months, monthly.to_numpy().astype("float32")


def _check_window_args(series, window, horizon):
    series = check_finite(check_array(series, "series", ("time",), dtype="number"), "series")
    window = check_positive_int(window, "window")
    horizon = check_positive_int(horizon, "horizon")
    if series.shape[0] < window + horizon:
        raise ValueError(
            f"series: expected at least window + horizon = {window + horizon} values, got {series.shape[0]}"
        )
    return series.astype("float32"), window, horizon


def make_windows(series, window: int, horizon: int = 1):
    """All ``(window of past values → value horizon steps later)`` pairs of a series.

    Args:
        series: (T,) values.
        window: number of past values the model sees, >= 1.
        horizon: how far ahead the target is (1 = the next value).

    Returns:
        ``x: (T - window - horizon + 1, window, 1) float32`` and
        ``y: (T - window - horizon + 1,) float32`` where
        ``x[k, :, 0] = series[k : k + window]`` and ``y[k] = series[k + window + horizon - 1]``.
    """
    series, window, horizon = _check_window_args(series, window, horizon)
    n = series.shape[0] - window - horizon + 1
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    return series[idx][..., None], series[np.arange(n) + window + horizon - 1]


def window_dataset(series, window: int, batch_size: int = 32, *, horizon: int = 1,
                   shuffle: bool = False, seed: int = 0):
    """The same pairs as ``make_windows``, as a batched ``tf.data.Dataset``.

    Built with ``Dataset.window`` + ``flat_map``: each element of the series becomes the
    start of one window of ``window + horizon`` values, split into inputs and target.

    Args:
        series: (T,) values.
        window: past values per example; horizon: steps ahead of the target.
        batch_size: examples per batch; shuffle/seed: shuffle the windows each epoch.

    Returns:
        a dataset of ``(x: (batch, window, 1), y: (batch,))`` float32 batches.
    """
    import tensorflow as tf

    series, window, horizon = _check_window_args(series, window, horizon)
    batch_size = check_positive_int(batch_size, "batch_size")
    span = window + horizon
    ds = tf.data.Dataset.from_tensor_slices(series)
    ds = ds.window(span, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(span))
    ds = ds.map(lambda w: (w[:window, None], w[-1]))
    # window + flat_map hide the number of examples; state it so Keras knows when an
    # epoch ends (instead of warning that the data "ran out").
    ds = ds.apply(tf.data.experimental.assert_cardinality(series.shape[0] - span + 1))
    if shuffle:
        ds = ds.shuffle(series.shape[0], seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
