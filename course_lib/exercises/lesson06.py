"""Checks for exercises/06_deep_and_bidirectional.ipynb: reversing padded sequences within
their lengths, merging the two directions of a bidirectional layer, the parameters of a
stacked bidirectional network, and the two naive forecasts of a series."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from course_lib.data.series import make_windows
from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal

__all__ = ["merge_directions", "naive_forecasts", "reverse_within_lengths", "stacked_bidirectional_params"]

MERGE_MODES = ("concat", "sum", "mul", "ave")


def _floats(rng, shape, scale: float = 1.0) -> np.ndarray:
    return rng.normal(scale=scale, size=shape).astype("float32")


@exercise("06.1", "Reverse padded sequences within their lengths",
          "row n holds lengths[n] real steps followed by padding: only those steps change places, and the "
          "padding stays where it was, after them")
def reverse_within_lengths(student):
    """student(x (N, T, D), lengths (N,)) -> (N, T, D)."""
    rng = np.random.default_rng(61)
    N, T, D = 4, 6, 3
    lengths = np.array([6, 3, 1, 4])
    x = _floats(rng, (N, T, D)) * (np.arange(T)[None, :, None] < lengths[:, None, None])  # zeros after the end
    expected = tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)
    got = answer(student, x.copy(), lengths.copy())
    expect_close(got, expected, "the reversed batch (against tf.reverse_sequence)", tol=1e-7)


def _bidirectional_layers(rng, units: int, x: np.ndarray) -> dict:
    """One ``Bidirectional(LSTM)`` per merge mode, all with the same random weights."""
    layers, weights = {}, None
    for mode in MERGE_MODES:
        layer = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True), merge_mode=mode)
        layer.build(x.shape)
        weights = weights or [_floats(rng, w.shape, scale=0.5) for w in layer.get_weights()]
        layer.set_weights(weights)
        layers[mode] = layer
    return layers


@exercise("06.2", "Merge the two directions",
          "the backward layer wrote its outputs from the last step to the first: put them back in time order "
          "before combining step by step; concat puts the forward half first")
def merge_directions(student):
    """student(forward_seq (N, T, H), backward_seq (N, T, H), merge_mode) -> the merged (N, T, H or 2H)."""
    rng = np.random.default_rng(62)
    N, T, D, H = 2, 5, 3, 4
    x = _floats(rng, (N, T, D))
    layers = _bidirectional_layers(rng, H, x)
    forward = np.asarray(layers["concat"].forward_layer(x))
    backward = np.asarray(layers["concat"].backward_layer(x))  # go_backwards=True: step T-1 first
    for mode, layer in layers.items():
        got = answer(student, forward.copy(), backward.copy(), mode)
        expect_close(got, layer(x), f"merge_mode={mode!r} (against keras.layers.Bidirectional)", tol=1e-6)


def _keras_stack(kind: str, D: int, H: int, layers: int, merge_mode: str) -> int:
    rnn = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind]
    model = keras.Sequential([keras.Input((None, D))] + [
        keras.layers.Bidirectional(rnn(H, return_sequences=True), merge_mode=merge_mode) for _ in range(layers)])
    return model.count_params()


@exercise("06.3", "Parameters of a stacked bidirectional network",
          "each direction is a whole recurrent layer of its own (lesson 05's count); what the layers above the "
          "first read is the merged output of the layer below, whose width depends on merge_mode")
def stacked_bidirectional_params(student):
    """student(kind, input_dim, units, layers, merge_mode) -> int, for kind "lstm" or "gru" (reset_after=True)."""
    for kind, D, H, L, mode in [("lstm", 3, 5, 3, "concat"), ("gru", 6, 4, 2, "concat"),
                                ("lstm", 7, 2, 2, "sum"), ("gru", 2, 9, 1, "concat")]:
        got = answer(student, kind, D, H, L, mode)
        expect_equal(got, _keras_stack(kind, D, H, L, mode),
                     f"{L} bidirectional {kind} layer(s) of {H} units on {D} features, merge_mode={mode!r} "
                     "(Keras' count_params)")


def _series(rng, n: int, period: int) -> np.ndarray:
    """A noisy cycle of ``period`` steps, float64 values that float32 holds exactly."""
    t = np.arange(n)
    values = 50 + 40 * np.sin(2 * np.pi * t / period) + rng.normal(scale=8.0, size=n)
    return values.astype("float32").astype("float64")


@exercise("06.4", "The two naive forecasts",
          "a forecast of step t made `horizon` steps ahead may use values up to step t − horizon; the seasonal "
          "forecast copies the value one period before the target")
def naive_forecasts(student):
    """student(series (T,), n_test, period, horizon) -> (last_value (n_test,), seasonal (n_test,))."""
    rng = np.random.default_rng(64)
    for period, horizon, n_test in [(11, 1, 15), (7, 3, 12)]:
        series = _series(rng, 90, period)
        x, _ = make_windows(series[-(n_test + period + horizon - 1):], period, horizon)  # targets: the last n_test
        got = answer(student, series.copy(), n_test, period, horizon)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotRight(f"expected a tuple (last_value, seasonal), got {type(got).__name__}")
        what = f"(period {period}, horizon {horizon}, against course_lib.data.series.make_windows)"
        expect_close(got[0], x[:, -1, 0], f"the last-value forecasts {what}", tol=1e-7)
        expect_close(got[1], x[:, horizon - 1 - period, 0], f"the seasonal forecasts {what}", tol=1e-7)
