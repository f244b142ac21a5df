"""Recurrent cells written from scratch as Keras layers: Elman, LSTM, peephole LSTM, GRU.

Each cell computes one time step, ``output, new_states = cell(x_t, states)``, and is run
over a whole sequence by ``keras.layers.RNN(cell)`` (which also handles masking,
``return_sequences`` and ``return_state``). The equations are written with ``keras.ops``
so they read like the lesson's formulas:

* ``ElmanCell``:   ``h_t = tanh([x_t, h_{t-1}] W + b)``
* ``LSTMCell``:    ``[i, f, g, o] = [x_t, h_{t-1}] W + b`` (one matrix multiply);
  ``c_t = σ(f)⊙c_{t-1} + σ(i)⊙tanh(g)``, ``h_t = σ(o)⊙tanh(c_t)``
* ``PeepholeLSTMCell``: the LSTM whose gates also see the cell state
  (``i, f`` see ``c_{t-1}``, ``o`` sees ``c_t``) through diagonal peephole weights
* ``GRUCell``:     update gate ``z``, reset gate ``r``, candidate ``h̃``;
  ``h_t = z⊙h_{t-1} + (1-z)⊙h̃``, with the reset applied before (``reset_after=False``)
  or after (``reset_after=True``, Keras' default) the recurrent matrix multiply.

The gate order inside the weight matrices is the one Keras uses (LSTM: i, f, g, o;
GRU: z, r, h̃), so ``copy_keras_weights`` can load a trained ``keras.layers.LSTM`` /
``GRU`` / ``SimpleRNN`` into these cells and the outputs agree to float precision.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from course_lib.checks import check_array, check_positive_int, check_tensor

__all__ = [
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "PeepholeLSTMCell",
    "copy_keras_weights",
    "lstm_gates",
    "rnn_param_count",
]

_PACKAGE = "course_lib"


class _CellBase(keras.layers.Layer):
    """Shared bookkeeping: ``units``, the input size check and ``get_config``."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.input_dim = None

    def _set_input_dim(self, input_shape=None) -> int:
        if (input_shape is None or len(input_shape) < 2 or input_shape[-1] is None
                or not all(d is None or isinstance(d, int) for d in input_shape)):
            raise ValueError(
                f"inputs: {type(self).__name__} expected a tensor of shape (batch, features) per step "
                f"with a known number of features, got {input_shape}"
            )
        self.input_dim = int(input_shape[-1])
        return self.input_dim

    def _check_step_input(self, x, states, n_states: int = 1):
        """Check ``inputs`` (batch, D) and ``states``: a list of ``n_states`` (batch, H) tensors."""
        check_tensor(x, "inputs", ("batch", self.input_dim))
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != n_states:
            raise ValueError(f"states: expected {n_states} state tensor(s) of shape (batch, {self.units}), "
                             f"got {len(states)}")
        for s in states:
            check_tensor(s, "states", (x.shape[0], self.units))
        return list(states)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ElmanCell(_CellBase):
    """Vanilla (Elman) RNN step ``h_t = tanh([x_t, h_{t-1}] W + b)``.

    Weights: ``W: (D + H, H)``, ``b: (H,)``. Per step: ``x_t: (N, D)``, state
    ``h: (N, H)``; output ``h_t: (N, H)``.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(units, **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape=None):
        D = self._set_input_dim(input_shape)
        self.W = self.add_weight(shape=(D + self.units, self.units), initializer="glorot_uniform", name="W")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs, states, training=None):
        (h_prev,) = self._check_step_input(inputs, states)
        h = ops.tanh(ops.matmul(ops.concatenate([inputs, h_prev], axis=-1), self.W) + self.b)
        return h, [h]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LSTMCell(_CellBase):
    """LSTM step with all four gates from one matrix multiply of ``[x_t, h_{t-1}]``.

    ``a = [x_t, h_{t-1}] W + b`` split into ``a_i, a_f, a_g, a_o`` (each ``(N, H)``);
    ``i = σ(a_i)``, ``f = σ(a_f)``, ``o = σ(a_o)``, ``g = tanh(a_g)``;
    ``c_t = f⊙c_{t-1} + i⊙g``; ``h_t = o⊙tanh(c_t)``.

    Weights: ``W: (D + H, 4H)``, ``b: (4H,)`` (the forget-gate slice of ``b`` starts at 1
    when ``unit_forget_bias``, as in Keras). States: ``[h: (N, H), c: (N, H)]``.
    """

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape=None):
        D = self._set_input_dim(input_shape)
        H = self.units
        self.W = self.add_weight(shape=(D + H, 4 * H), initializer="glorot_uniform", name="W")
        bias = np.zeros(4 * H, dtype="float32")
        if self.unit_forget_bias:
            bias[H : 2 * H] = 1.0
        self.b = self.add_weight(shape=(4 * H,), initializer=keras.initializers.Constant(bias), name="b")

    def gates(self, inputs, h_prev, c_prev):
        """One step with its gates: returns ``h, c, i, f, o, g`` (each ``(N, H)``)."""
        self._check_step_input(inputs, [h_prev, c_prev], 2)
        a = ops.matmul(ops.concatenate([inputs, h_prev], axis=-1), self.W) + self.b
        a_i, a_f, a_g, a_o = ops.split(a, 4, axis=-1)
        i, f, o = ops.sigmoid(a_i), ops.sigmoid(a_f), ops.sigmoid(a_o)
        g = ops.tanh(a_g)
        c = f * c_prev + i * g
        h = o * ops.tanh(c)
        return h, c, i, f, o, g

    def call(self, inputs, states, training=None):
        h_prev, c_prev = self._check_step_input(inputs, states, 2)
        h, c, *_ = self.gates(inputs, h_prev, c_prev)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update({"unit_forget_bias": self.unit_forget_bias})
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PeepholeLSTMCell(LSTMCell):
    """LSTM with peephole connections (Gers & Schmidhuber, 2000).

    Like ``LSTMCell`` but the gates also look at the cell state through diagonal
    weights ``p_i, p_f, p_o: (H,)``:
    ``i = σ(a_i + p_i⊙c_{t-1})``, ``f = σ(a_f + p_f⊙c_{t-1})``,
    ``c_t = f⊙c_{t-1} + i⊙g``, ``o = σ(a_o + p_o⊙c_t)``, ``h_t = o⊙tanh(c_t)``.
    With the peepholes at zero it is exactly ``LSTMCell``. Keras has no peephole layer.
    """

    def build(self, input_shape=None):
        super().build(input_shape)
        H = self.units
        self.p_i = self.add_weight(shape=(H,), initializer="zeros", name="p_i")
        self.p_f = self.add_weight(shape=(H,), initializer="zeros", name="p_f")
        self.p_o = self.add_weight(shape=(H,), initializer="zeros", name="p_o")

    def gates(self, inputs, h_prev, c_prev):
        self._check_step_input(inputs, [h_prev, c_prev], 2)
        a = ops.matmul(ops.concatenate([inputs, h_prev], axis=-1), self.W) + self.b
        a_i, a_f, a_g, a_o = ops.split(a, 4, axis=-1)
        i = ops.sigmoid(a_i + self.p_i * c_prev)
        f = ops.sigmoid(a_f + self.p_f * c_prev)
        g = ops.tanh(a_g)
        c = f * c_prev + i * g
        o = ops.sigmoid(a_o + self.p_o * c)
        h = o * ops.tanh(c)
        return h, c, i, f, o, g


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GRUCell(_CellBase):
    """GRU step with update gate ``z`` and reset gate ``r``.

    ``z = σ(x W_z + h U_z + b_z)``, ``r = σ(x W_r + h U_r + b_r)``;
    candidate with ``reset_after=False`` (Cho et al., 2014): ``h̃ = tanh(x W_h + (r⊙h) U_h + b_h)``;
    with ``reset_after=True`` (Keras' default, cuDNN-compatible) every gate has an
    input-side and a recurrent-side bias: ``z = σ(x W_z + b_z + h U_z + b'_z)``, likewise
    ``r``, and ``h̃ = tanh(x W_h + b_h + r⊙(h U_h + b'_h))``; then
    ``h_t = z⊙h_{t-1} + (1-z)⊙h̃``.

    Weights: ``W: (D, 3H)``, ``U: (H, 3H)``, ``b: (3H,)`` or, with ``reset_after``,
    ``b: (2, 3H)`` (row 0 input-side biases, row 1 recurrent-side biases of z, r, h̃).
    State: ``h: (N, H)``.
    """

    def __init__(self, units: int, reset_after: bool = True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape=None):
        D = self._set_input_dim(input_shape)
        H = self.units
        self.W = self.add_weight(shape=(D, 3 * H), initializer="glorot_uniform", name="W")
        self.U = self.add_weight(shape=(H, 3 * H), initializer="orthogonal", name="U")
        b_shape = (2, 3 * H) if self.reset_after else (3 * H,)
        self.b = self.add_weight(shape=b_shape, initializer="zeros", name="b")

    def call(self, inputs, states, training=None):
        (h_prev,) = self._check_step_input(inputs, states)
        H = self.units
        if self.reset_after:
            b_x, b_h = self.b[0], self.b[1]
        else:
            b_x, b_h = self.b, None
        x_z, x_r, x_h = ops.split(ops.matmul(inputs, self.W) + b_x, 3, axis=-1)
        if self.reset_after:
            h_z, h_r, h_h = ops.split(ops.matmul(h_prev, self.U) + b_h, 3, axis=-1)
            z = ops.sigmoid(x_z + h_z)
            r = ops.sigmoid(x_r + h_r)
            candidate = ops.tanh(x_h + r * h_h)
        else:
            h_zr = ops.matmul(h_prev, self.U[:, : 2 * H])
            h_z, h_r = ops.split(h_zr, 2, axis=-1)
            z = ops.sigmoid(x_z + h_z)
            r = ops.sigmoid(x_r + h_r)
            candidate = ops.tanh(x_h + ops.matmul(r * h_prev, self.U[:, 2 * H :]))
        h = z * h_prev + (1.0 - z) * candidate
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update({"reset_after": self.reset_after})
        return config


def copy_keras_weights(cell, layer) -> None:
    """Load the weights of a built Keras recurrent layer into a from-scratch cell.

    Supported pairs: ``ElmanCell`` ← ``keras.layers.SimpleRNN``, ``LSTMCell`` ←
    ``keras.layers.LSTM``, ``GRUCell`` ← ``keras.layers.GRU`` with the same
    ``reset_after``. Keras keeps ``kernel: (D, kH)`` and ``recurrent_kernel: (H, kH)``
    apart; the Elman and LSTM cells stack them into one ``W: (D + H, kH)``.

    Args:
        cell: a built ``ElmanCell``, ``LSTMCell`` or ``GRUCell`` (or a ``keras.layers.RNN``
            wrapping one).
        layer: the built Keras layer (``SimpleRNN``, ``LSTM``, ``GRU``) or its cell.
    """
    if isinstance(cell, keras.layers.RNN):
        cell = cell.cell
    source = getattr(layer, "cell", layer)
    pairs = {
        ElmanCell: keras.layers.SimpleRNNCell,
        LSTMCell: keras.layers.LSTMCell,
        GRUCell: keras.layers.GRUCell,
    }
    want = next((k_cls for c_cls, k_cls in pairs.items() if type(cell) is c_cls), None)
    if want is None:
        raise TypeError(f"cell: expected an ElmanCell, LSTMCell or GRUCell, got {type(cell).__name__}")
    if not isinstance(source, want):
        raise TypeError(f"layer: expected a Keras {want.__name__[:-4]} layer for a {type(cell).__name__}, "
                        f"got {type(layer).__name__}")
    if not cell.built or not source.built:
        raise ValueError("copy_keras_weights: build both layers first (call them on an input)")
    if cell.units != source.units:
        raise ValueError(f"cell and layer must have the same units, got {cell.units} and {source.units}")
    kernel = check_array(source.kernel, "kernel", ("D", None), dtype="float")
    recurrent = check_array(source.recurrent_kernel, "recurrent_kernel", (cell.units, None), dtype="float")
    if kernel.shape[0] != cell.input_dim:
        raise ValueError(f"cell and layer must read the same input size, got {cell.input_dim} and {kernel.shape[0]}")
    bias = np.asarray(source.bias)
    if isinstance(cell, GRUCell):
        if cell.reset_after != source.reset_after:
            raise ValueError(f"reset_after differs: cell {cell.reset_after}, layer {source.reset_after}")
        cell.W.assign(kernel)
        cell.U.assign(recurrent)
        cell.b.assign(bias)
    else:
        cell.W.assign(np.concatenate([kernel, recurrent], axis=0))
        cell.b.assign(bias)


def lstm_gates(cell, x, initial_state=None) -> dict:
    """Run an ``LSTMCell`` (or peephole cell) over a sequence and keep every gate.

    Args:
        cell: a built ``LSTMCell`` / ``PeepholeLSTMCell`` (or ``keras.layers.RNN`` of one).
        x: (N, T, D) inputs.
        initial_state: optional ``[h0, c0]``, each (N, H); zeros by default.

    Returns:
        dict of NumPy arrays ``i, f, o, g, c, h``, each ``(N, T, H)``.
    """
    if isinstance(cell, keras.layers.RNN):
        cell = cell.cell
    if not isinstance(cell, LSTMCell):
        raise TypeError(f"cell: expected an LSTMCell, got {type(cell).__name__}")
    x = check_array(x, "x", ("N", "T", cell.input_dim), dtype="float").astype("float32")
    N, T, _ = x.shape
    H = cell.units
    if initial_state is None:
        h, c = np.zeros((N, H), "float32"), np.zeros((N, H), "float32")
    else:
        h = check_array(initial_state[0], "h0", (N, H), dtype="float").astype("float32")
        c = check_array(initial_state[1], "c0", (N, H), dtype="float").astype("float32")
    out = {k: [] for k in ("i", "f", "o", "g", "c", "h")}
    for t in range(T):
        h, c, i, f, o, g = cell.gates(x[:, t], h, c)
        for k, v in zip(("i", "f", "o", "g", "c", "h"), (i, f, o, g, c, h)):
            out[k].append(ops.convert_to_numpy(v))
    return {k: np.stack(v, axis=1) for k, v in out.items()}


def rnn_param_count(kind: str, input_dim: int, units: int, reset_after: bool = True) -> int:
    """Trainable parameters of one recurrent layer: ``gates · (D + H + 1) · H``.

    ``kind`` is ``"rnn"`` (1 block), ``"gru"`` (3 blocks; ``reset_after`` gives each of
    the three gates a second, recurrent-side bias: ``+3H``) or ``"lstm"`` (4 blocks).
    """
    D = check_positive_int(input_dim, "input_dim")
    H = check_positive_int(units, "units")
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}
    if kind not in blocks:
        raise ValueError(f"kind: expected one of {list(blocks)}, got {kind!r}")
    n = blocks[kind] * (D + H + 1) * H
    if kind == "gru" and reset_after:
        n += 3 * H
    return n
