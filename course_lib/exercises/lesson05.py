"""Checks for exercises/05_lstm_gru.ipynb: an LSTM step and a GRU step against Keras' own
cells with the same weights, the parameter counts of the recurrent layers against Keras'
``count_params``, and PyTorch's GRU weights moved into Keras' layout."""

from __future__ import annotations

import keras
import numpy as np

from course_lib.exercises.core import answer, exercise, expect_close, expect_equal, expect_tuple

__all__ = ["from_torch_gru", "gru_step", "lstm_step", "rnn_params"]


def _floats(rng, shape, scale: float = 1.0) -> np.ndarray:
    return rng.normal(scale=scale, size=shape).astype("float32")


def _random_cell(cell, rng, input_dim: int) -> list[np.ndarray]:
    """Build a Keras cell for ``input_dim`` features and give it random weights (not symmetric)."""
    cell.build((None, input_dim))
    weights = [_floats(rng, w.shape, scale=0.5) for w in cell.get_weights()]
    cell.set_weights(weights)
    return weights


@exercise("05.1", "One LSTM step in Keras' layout",
          "one pre-activation x·kernel + h_prev·recurrent_kernel + bias, shape (N, 4H), cut into four blocks "
          "of H columns in Keras' order i, f, c, o; σ for the three gates, tanh for the candidate only, and "
          "tanh again on the new cell state before the output gate")
def lstm_step(student):
    """student(x, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h, c), each (N, H)."""
    rng = np.random.default_rng(51)
    N, D, H = 3, 4, 5
    cell = keras.layers.LSTMCell(H)
    kernel, recurrent, bias = _random_cell(cell, rng, D)
    x, h_prev, c_prev = _floats(rng, (N, D)), _floats(rng, (N, H)), _floats(rng, (N, H))
    h_keras, (_, c_keras) = cell(x, [h_prev, c_prev])
    h, c = expect_tuple(answer(student, x, h_prev, c_prev, kernel, recurrent, bias), ("h", "c"))
    expect_close(c, c_keras, "the new cell state c (against keras.layers.LSTMCell)", tol=1e-5)
    expect_close(h, h_keras, "the new hidden state h (against keras.layers.LSTMCell)", tol=1e-5)


@exercise("05.2", "One GRU step in Keras' layout (reset_after=True)",
          "blocks z, r, h̃ in that order; bias row 0 goes with x·kernel, row 1 with h_prev·recurrent_kernel, "
          "and the reset gate multiplies the whole recurrent term of the candidate, its bias included; "
          "z keeps the old state: h = z ⊙ h_prev + (1 − z) ⊙ h̃")
def gru_step(student):
    """student(x, h_prev, kernel, recurrent_kernel, bias) -> h: (N, H)."""
    rng = np.random.default_rng(52)
    N, D, H = 4, 3, 6
    cell = keras.layers.GRUCell(H, reset_after=True)
    kernel, recurrent, bias = _random_cell(cell, rng, D)
    x, h_prev = _floats(rng, (N, D)), _floats(rng, (N, H))
    h_keras, _ = cell(x, h_prev)
    got = answer(student, x, h_prev, kernel, recurrent, bias)
    expect_close(got, h_keras, "the new state h (against keras.layers.GRUCell)", tol=1e-5)


def _keras_count(kind: str, input_dim: int, units: int, reset_after: bool) -> int:
    layer = {"rnn": lambda: keras.layers.SimpleRNN(units),
             "gru": lambda: keras.layers.GRU(units, reset_after=reset_after),
             "lstm": lambda: keras.layers.LSTM(units)}[kind]()
    layer.build((None, None, input_dim))
    return layer.count_params()


@exercise("05.3", "Parameters of a recurrent layer",
          "each gate (and the candidate) is one affine map of [x_t, h_(t-1)]: (D + H) · H weights and H biases; "
          "count the blocks of each kind, then add what Keras' default GRU keeps besides them")
def rnn_params(student):
    """student(kind, input_dim, units, reset_after) -> int, for kind "rnn", "gru" or "lstm"."""
    for kind, D, H, reset_after in [("rnn", 3, 7, True), ("lstm", 10, 4, True), ("gru", 5, 9, False),
                                    ("gru", 5, 9, True), ("lstm", 2, 16, True)]:
        got = answer(student, kind, D, H, reset_after)
        expected = _keras_count(kind, D, H, reset_after)
        variant = f", reset_after={reset_after}" if kind == "gru" else ""
        expect_equal(got, expected, f"{kind} with D = {D}, H = {H}{variant} (Keras' count_params)")


def _torch_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRU step (blocks r, z, n), in NumPy: x (N, D), h (N, H) -> (N, H)."""
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    i_r, i_z, i_n = np.split(x @ w_ih.T + b_ih, 3, axis=1)
    h_r, h_z, h_n = np.split(h @ w_hh.T + b_hh, 3, axis=1)
    r, z = sig(i_r + h_r), sig(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    return (1.0 - z) * n + z * h


@exercise("05.4", "From PyTorch's GRU to Keras' GRU",
          "PyTorch stacks its blocks as r, z, n along the first axis, Keras as z, r, h̃ along the last; both "
          "keep the input-side and the recurrent-side bias apart, and both reset after the recurrent product")
def from_torch_gru(student):
    """student(weight_ih (3H, D), weight_hh (3H, H), bias_ih, bias_hh (3H,)) -> (kernel, recurrent_kernel, bias)."""
    rng = np.random.default_rng(54)
    N, D, H = 2, 5, 3
    w_ih, w_hh = _floats(rng, (3 * H, D), 0.5), _floats(rng, (3 * H, H), 0.5)
    b_ih, b_hh = _floats(rng, 3 * H, 0.5), _floats(rng, 3 * H, 0.5)
    got = expect_tuple(answer(student, w_ih, w_hh, b_ih, b_hh), ("kernel", "recurrent_kernel", "bias"))
    for name, array, shape in zip(("kernel", "recurrent_kernel", "bias"), got, ((D, 3 * H), (H, 3 * H), (2, 3 * H))):
        expect_equal(np.shape(array), shape, f"the shape of {name}")
    cell = keras.layers.GRUCell(H, reset_after=True)
    cell.build((None, D))
    cell.set_weights([np.asarray(a, dtype="float32") for a in got])
    x, h = _floats(rng, (N, D)), _floats(rng, (N, H))
    expect_close(cell(x, h)[0], _torch_gru(x, h, w_ih, w_hh, b_ih, b_hh),
                 "keras.layers.GRUCell with your weights, against PyTorch's formula", tol=1e-5)
