"""From-scratch recurrent cells: parity with Keras, peephole step by hand, gradients,
masking, serialisation and input checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib.cells import (
    ElmanCell,
    GRUCell,
    LSTMCell,
    PeepholeLSTMCell,
    copy_keras_weights,
    lstm_gates,
    rnn_param_count,
)


def _x(n=3, T=5, D=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, T, D)).astype("float32")


def _randomise(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()])


PAIRS = [
    (keras.layers.SimpleRNN, ElmanCell, {}),
    (keras.layers.LSTM, LSTMCell, {}),
    (keras.layers.GRU, GRUCell, {"reset_after": True}),
    (keras.layers.GRU, GRUCell, {"reset_after": False}),
]


@pytest.mark.parametrize("keras_cls, cell_cls, kwargs", PAIRS)
def test_parity_with_keras(keras_cls, cell_cls, kwargs):
    x = _x()
    ref = keras_cls(6, return_sequences=True, return_state=True, **kwargs)
    ref(x)
    _randomise(ref)  # non-trivial biases too
    ours = keras.layers.RNN(cell_cls(6, **kwargs), return_sequences=True, return_state=True)
    ours(x)
    copy_keras_weights(ours, ref)
    for a, b in zip(ref(x), ours(x)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


@pytest.mark.parametrize("keras_cls, cell_cls, kwargs", PAIRS)
def test_param_counts(keras_cls, cell_cls, kwargs):
    D, H = 4, 6
    kind = {ElmanCell: "rnn", LSTMCell: "lstm", GRUCell: "gru"}[cell_cls]
    expected = rnn_param_count(kind, D, H, reset_after=kwargs.get("reset_after", True))
    ref = keras.Sequential([keras.Input((None, D)), keras_cls(H, **kwargs)])
    ours = keras.Sequential([keras.Input((None, D)), keras.layers.RNN(cell_cls(H, **kwargs))])
    assert ref.count_params() == expected == ours.count_params()


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_peephole_step_by_hand():
    rng = np.random.default_rng(2)
    D, H, N = 3, 4, 2
    cell = PeepholeLSTMCell(H)
    cell.build((None, D))
    for w in cell.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    x = rng.normal(size=(N, D)).astype("float32")
    h0 = rng.normal(size=(N, H)).astype("float32")
    c0 = rng.normal(size=(N, H)).astype("float32")
    h, (h_state, c) = cell(x, [h0, c0])
    W, b = np.asarray(cell.W), np.asarray(cell.b)
    a = np.concatenate([x, h0], axis=1) @ W + b
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i = _sigmoid(a_i + np.asarray(cell.p_i) * c0)
    f = _sigmoid(a_f + np.asarray(cell.p_f) * c0)
    c_ref = f * c0 + i * np.tanh(a_g)
    o = _sigmoid(a_o + np.asarray(cell.p_o) * c_ref)
    h_ref = o * np.tanh(c_ref)
    np.testing.assert_allclose(np.asarray(c), c_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h), h_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h_state), h_ref, rtol=1e-5, atol=1e-5)


def test_peephole_with_zero_peepholes_is_lstm():
    x = _x()
    lstm = keras.layers.RNN(LSTMCell(5), return_sequences=True)
    peep = keras.layers.RNN(PeepholeLSTMCell(5), return_sequences=True)
    lstm(x)
    peep(x)
    peep.cell.W.assign(lstm.cell.W)
    peep.cell.b.assign(lstm.cell.b)
    np.testing.assert_allclose(np.asarray(lstm(x)), np.asarray(peep(x)), atol=1e-6)


def test_peephole_gradient_check():
    """Analytic gradients (autodiff through our ops) match central differences."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 2))
    layer = keras.layers.RNN(PeepholeLSTMCell(2, dtype="float64"), dtype="float64")
    layer(x)
    for w in layer.cell.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grads = tape.gradient(loss, layer.cell.weights)
    for var, grad in zip(layer.cell.weights, grads):
        assert var.dtype == "float64"
        value = var.numpy()
        num = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            saved = value[idx]
            for sign in (1, -1):
                value[idx] = saved + sign * 1e-6
                var.assign(value)
                num[idx] += sign * float(tf.reduce_sum(layer(x) ** 2)) / 2e-6
            value[idx] = saved
            var.assign(value)
        rel = np.abs(num - grad.numpy()).max() / max(1e-8, np.abs(num).max())
        assert rel < 1e-6, (var.name, rel)


@pytest.mark.parametrize("cell_cls", [ElmanCell, LSTMCell, PeepholeLSTMCell, GRUCell])
def test_masking_keeps_state_over_padding(cell_cls):
    x = _x(n=2, T=6, D=3)
    x[0, 4:] = 0.0  # example 0 is 4 steps long, padded with zeros
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Masking(0.0), keras.layers.RNN(cell_cls(5))])
    full = np.asarray(model(x))
    short = np.asarray(model.layers[-1](x[:1, :4]))
    np.testing.assert_allclose(full[0], short[0], atol=1e-6)


@pytest.mark.parametrize(
    "cell", [ElmanCell(4), LSTMCell(4, unit_forget_bias=False), PeepholeLSTMCell(4), GRUCell(4, reset_after=False)]
)
def test_save_and_load_round_trip(cell, tmp_path):
    x = _x(D=3)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.RNN(cell), keras.layers.Dense(1)])
    before = np.asarray(model(x))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(x)), before, atol=1e-6)
    config = cell.get_config()
    clone = type(cell).from_config(config)
    assert clone.get_config() == config


def test_unit_forget_bias():
    cell = LSTMCell(3)
    cell.build((None, 2))
    np.testing.assert_array_equal(np.asarray(cell.b), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


def test_lstm_gates_shapes_and_consistency():
    x = _x(n=2, T=7, D=3)
    layer = keras.layers.RNN(LSTMCell(4), return_sequences=True)
    h_seq = np.asarray(layer(x))
    gates = lstm_gates(layer, x)
    for k in ("i", "f", "o", "g", "c", "h"):
        assert gates[k].shape == (2, 7, 4)
    np.testing.assert_allclose(gates["h"], h_seq, atol=1e-6)
    assert gates["f"].min() > 0 and gates["f"].max() < 1


def test_bad_inputs():
    with pytest.raises(ValueError, match="units"):
        LSTMCell(0)
    with pytest.raises(TypeError, match="units"):
        GRUCell(2.5)
    layer = keras.layers.RNN(LSTMCell(4))
    layer(_x(D=3))
    with pytest.raises(ValueError, match=r"inputs: expected shape \(batch, 3\)"):
        layer.cell(np.zeros((2, 5), "float32"), [np.zeros((2, 4), "float32")] * 2)
    with pytest.raises(ValueError, match="features"):
        ElmanCell(3).build((None, None))
    with pytest.raises(ValueError, match=r"expected shape \(N, T, 3\)"):
        lstm_gates(layer, np.zeros((2, 5, 2), "float32"))
    with pytest.raises(TypeError, match="LSTMCell"):
        lstm_gates(keras.layers.RNN(GRUCell(2)), np.zeros((1, 2, 2), "float32"))
    with pytest.raises(ValueError, match="kind"):
        rnn_param_count("transformer", 3, 4)


def test_copy_keras_weights_refuses_mismatches():
    x = _x(D=3)
    lstm = keras.layers.LSTM(4)
    lstm(x)
    gru = keras.layers.GRU(4, reset_after=True)
    gru(x)
    cell = keras.layers.RNN(LSTMCell(5))
    cell(x)
    with pytest.raises(ValueError, match="same units"):
        copy_keras_weights(cell, lstm)
    with pytest.raises(TypeError, match="LSTM"):
        copy_keras_weights(keras.layers.RNN(LSTMCell(4)), gru)
    ours_gru = keras.layers.RNN(GRUCell(4, reset_after=False))
    ours_gru(x)
    with pytest.raises(ValueError, match="reset_after"):
        copy_keras_weights(ours_gru, gru)
    unbuilt = LSTMCell(4)
    with pytest.raises(ValueError, match="build"):
        copy_keras_weights(unbuilt, lstm)
    with pytest.raises(TypeError, match="cell"):
        copy_keras_weights(PeepholeLSTMCell(4), lstm)
