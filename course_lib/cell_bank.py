"""Many recurrent cells trained side by side: one layer holds K update rules.

``CellBank`` runs K rules of ``course_lib.cell_rules`` at once. Each cell has its own
weights; every slot of the template computes all of its options for all K cells and keeps
each cell's own choice through a 0/1 coefficient (``rule_coefficients``), so one step costs
the same whichever rules the bank holds, and K cells train at once. The loss of a bank is the
sum of the K cells' own losses (``per_cell_mse``, ``per_cell_crossentropy``), so each cell's
gradient is exactly the gradient of its own loss (Adam and element-wise gradient clipping
keep the cells independent).
The bank's step is checked against ``cell_rules.rule_step`` cell by cell.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from course_lib.cell_rules import (
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    COMBINATIONS,
    SLOTS,
    STATE_CLIP,
    RuleCell,
    check_bias,
    check_rule,
)
from course_lib.checks import (
    check_array,
    check_nonnegative_int,
    check_positive_int,
    check_sequence,
    check_tensor,
    check_token_tensor,
)

__all__ = [
    "CellBank",
    "export_cell",
    "per_cell_crossentropy",
    "per_cell_mse",
    "rule_coefficients",
]

_PACKAGE = "course_lib"
_COEFFICIENTS = ("reset", "act", "comb_A", "memory", "comb_c", "act_c", "comb_h", "carry")


def rule_coefficients(rules, units: int) -> dict:
    """0/1 coefficients that pick each rule's options, shaped to broadcast over ``(K, N, ·)``.

    Returns ``{"reset": (K, 1, 4H), "act": (4, K, 1, 4H)`` (one row per ``ACTIVATIONS``
    entry), ``"comb_A"``/``"comb_h"``: ``(3, K, 1, 1)``, ``"memory"``: ``(4, K, 1, 1)``,
    ``"comb_c"``: ``(2, K, 1, 1)``, ``"act_c"``: ``(4, K, 1, 1)``, ``"carry"``: ``(2, K, 1, 1)}``.
    """
    rules = [check_rule(r, "rules") for r in check_sequence(rules, "rules", "cell_rules.Rule")]
    H = check_positive_int(units, "units")

    def onehot(slot):
        return np.array([[getattr(r, slot) == o for r in rules] for o in SLOTS[slot]],
                        dtype="float32")[:, :, None, None]

    def per_input(prefix):  # the slots act_1..act_4 (or reset_1..4), each over its H columns
        columns = [np.repeat(onehot(f"{prefix}_{j}"), H, axis=-1) for j in range(1, 5)]
        return np.concatenate(columns, axis=-1)  # (options, K, 1, 4H)

    return {"reset": per_input("reset")[1], "act": per_input("act"),
            **{slot: onehot(slot) for slot in ("comb_A", "memory", "comb_c", "act_c", "comb_h", "carry")}}


def _activate(weights, v):
    """Σ_o weights[o] · ACTIVATIONS[o](v): each cell's own activation."""
    return sum(weights[i] * ACTIVATION_FUNCTIONS[name](v) for i, name in enumerate(ACTIVATIONS))


def _combine(weights, left, right):
    """left | left + right | left ⊙ right, per cell (weights over ``COMBINATIONS``)."""
    assert COMBINATIONS == ("left", "add", "mul")
    return left * (weights[0] + weights[1]) + weights[1] * right + weights[2] * left * right


def _bank_step(coef: dict, x_proj, h, c, U):
    """One step of K rules at once.

    Args:
        coef: ``rule_coefficients(rules, H)`` (as tensors or arrays).
        x_proj: ``x_t W_k + b_k`` for every cell, ``(K, N, 5H)``: a1..a4, then the reset gate.
        h, c: the previous states, ``(K, N, H)`` each.
        U: the recurrent matrices, ``(K, H, 5H)``.

    Returns:
        ``h_t, c_t``, ``(K, N, H)`` each; cell k's rows are ``rule_step`` of rule k.
    """
    if not isinstance(coef, dict) or set(coef) != set(_COEFFICIENTS):
        raise TypeError(f"coef: expected the dict rule_coefficients returns (keys {list(_COEFFICIENTS)})")
    check_tensor(h, "h", ("K", "N", "H"))
    K, N, H = h.shape
    check_tensor(c, "c", (K, N, H))
    check_tensor(x_proj, "x_proj", (K, N, 5 * H))
    check_tensor(U, "U", (K, H, 5 * H))
    if coef["reset"].shape[-1] != 4 * H:
        raise ValueError(f"coef: made for {coef['reset'].shape[-1] // 4} units, the state has {H}")
    hU = ops.matmul(h, U)
    r = ops.sigmoid(x_proj[..., 4 * H:] + hU[..., 4 * H:])
    rhU = ops.matmul(r * h, U[..., :4 * H])
    pre = x_proj[..., :4 * H] + hU[..., :4 * H] + coef["reset"] * (rhU - hU[..., :4 * H])
    a1, a2, a3, a4 = ops.split(_activate(coef["act"], pre), 4, axis=-1)
    A = _combine(coef["comb_A"], a1, a2)
    none, gate, coupled, plain = (coef["memory"][i] for i in range(4))
    m = c * (gate * a3 + coupled * (1.0 - a1) + plain)
    c_new = A + (1.0 - none) * (coef["comb_c"][0] * m + coef["comb_c"][1] * (A * m - A))
    c_new = ops.clip(c_new, -STATE_CLIP, STATE_CLIP)
    h_new = ops.clip(_combine(coef["comb_h"], _activate(coef["act_c"], c_new), a4), -STATE_CLIP, STATE_CLIP)
    return h_new, coef["carry"][0] * c_new + coef["carry"][1] * h_new


def _per_cell(initializer_class):
    """An initializer for ``(K, ...)`` weights: K separate draws of ``initializer_class`` on
    one cell's shape (Keras' own initializers would treat K as part of the fans)."""

    def initialize(shape, dtype=None):
        return ops.stack([initializer_class()(shape[1:], dtype=dtype) for _ in range(shape[0])])

    return initialize


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CellBank(keras.layers.Layer):
    """K rules over whole sequences, each cell with its own weights and linear readout.

    Input ``(N, T, D)`` (shared by all cells); output ``(N, K, O)``: cell k's readout of its
    last state. Weights: ``W: (K, D, 5H)``, ``U: (K, H, 5H)``, ``b: (K, 1, 5H)``,
    readout ``V: (K, H, O)``, ``c: (K, 1, O)``.

    Args:
        rules: K ``cell_rules.Rule`` objects (or their ``choices()`` dicts).
        units: H per cell.
        outputs: O, the readout size.
        bias: initial biases of a1..a4, ``(4,)`` for every cell or ``(K, 4)``.
        unroll: write out every time step in the graph (as ``keras.layers.RNN(unroll=True)``):
            faster for short sequences, but the graph, its tracing time and its memory grow
            with T; otherwise one loop (``keras.ops.fori_loop``).
    """

    def __init__(self, rules, units: int, outputs: int, bias=(0.0, 0.0, 0.0, 0.0), unroll: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.rules = [check_rule(r, "rules") for r in check_sequence(rules, "rules", "cell_rules.Rule")]
        self.units = check_positive_int(units, "units")
        self.outputs = check_positive_int(outputs, "outputs")
        self.bias = check_bias(bias, len(self.rules))
        if not isinstance(unroll, bool):
            raise TypeError(f"unroll: expected True or False, got {unroll!r}")
        self.unroll = unroll
        # XLA cannot compile the gradient of the one-loop form (keras.ops.fori_loop has no
        # fixed trip count in TensorFlow): tell Keras, so jit_compile="auto" never picks it.
        self.supports_jit = unroll
        self.coef = {k: ops.convert_to_tensor(v) for k, v in rule_coefficients(self.rules, self.units).items()}

    def build(self, input_shape=None):
        if (not isinstance(input_shape, (list, tuple)) or len(input_shape) != 3
                or not all(isinstance(d, int) for d in input_shape[1:])):
            raise ValueError(f"inputs: expected a tensor of shape (batch, steps, features) with known "
                             f"steps and features, got {input_shape}")
        K, D, H, n_out = len(self.rules), int(input_shape[2]), self.units, self.outputs
        # each cell's matrices are drawn as RuleCell draws them (Glorot over its own fans,
        # orthogonal rows per cell), so a cell starts the same whatever K is
        self.W = self.add_weight(shape=(K, D, 5 * H), initializer=_per_cell(keras.initializers.GlorotUniform),
                                 name="W")
        self.U = self.add_weight(shape=(K, H, 5 * H), initializer=_per_cell(keras.initializers.Orthogonal), name="U")
        init = np.concatenate([np.repeat(self.bias, H, axis=1), np.zeros((K, H), "float32")], axis=1)
        self.b = self.add_weight(shape=(K, 1, 5 * H), initializer=keras.initializers.Constant(init[:, None]),
                                 name="b")
        self.V = self.add_weight(shape=(K, H, n_out), initializer=_per_cell(keras.initializers.GlorotUniform),
                                 name="V")
        self.c = self.add_weight(shape=(K, 1, n_out), initializer="zeros", name="c")

    def call(self, inputs):
        check_tensor(inputs, "inputs", ("N", "T", self.W.shape[1]))
        if inputs.shape[1] is None:
            raise ValueError("inputs: expected a known number of steps T")
        K, H = len(self.rules), self.units
        x_proj = ops.einsum("ntd,kdg->tkng", inputs, self.W) + self.b
        h = c = ops.zeros((K, ops.shape(inputs)[0], H), dtype=inputs.dtype)
        if self.unroll:
            for t in range(inputs.shape[1]):
                h, c = _bank_step(self.coef, x_proj[t], h, c, self.U)
        else:
            h, c = ops.fori_loop(0, inputs.shape[1], lambda t, hc: _bank_step(self.coef, x_proj[t], *hc, self.U),
                                 (h, c))
        return ops.transpose(ops.matmul(h, self.V) + self.c, (1, 0, 2))

    def get_config(self):
        return {**super().get_config(), "rules": [r.choices() for r in self.rules], "units": self.units,
                "outputs": self.outputs, "bias": self.bias.tolist(), "unroll": self.unroll}


def export_cell(bank: CellBank, k: int) -> tuple[RuleCell, np.ndarray]:
    """Cell k of a trained bank as a built ``RuleCell`` with its weights, and its readout.

    Returns ``(cell, (V, c))``: ``keras.layers.RNN(cell)`` on ``(N, T, D)`` gives cell k's
    last state; ``h @ V + c`` is the bank's output k.
    """
    if not isinstance(bank, CellBank) or not bank.built:
        raise TypeError(f"bank: expected a built cell_bank.CellBank, got {type(bank).__name__}")
    k = check_nonnegative_int(k, "k", maximum=len(bank.rules) - 1)
    W, U, b, V, c = (keras.ops.convert_to_numpy(w)[k] for w in (bank.W, bank.U, bank.b, bank.V, bank.c))
    cell = RuleCell(bank.rules[k], bank.units, bias=bank.bias[k])
    cell.build((None, W.shape[0]))
    cell.set_weights([W, U, b[0]])
    return cell, (V, c[0])


def per_cell_mse(y_true, y_pred):
    """Each cell's mean squared error: y_true ``(N, O)``, y_pred ``(N, K, O)`` -> ``(K,)``."""
    check_tensor(y_pred, "y_pred", ("N", "K", "O"))
    check_tensor(y_true, "y_true", (y_pred.shape[0], y_pred.shape[2]), dtype="number")
    err = ops.square(y_pred - ops.expand_dims(ops.cast(y_true, y_pred.dtype), 1))
    return ops.mean(err, axis=(0, 2))


def per_cell_crossentropy(y_true, y_pred):
    """Each cell's mean cross-entropy: y_true ``(N,)`` ids, y_pred ``(N, K, C)`` logits -> ``(K,)``."""
    check_tensor(y_pred, "y_pred", ("N", "K", "C"))
    if not hasattr(y_true, "shape") or not hasattr(y_true, "dtype"):
        y_true = check_array(y_true, "y_true", ("N",), dtype="int")
    check_token_tensor(ops.convert_to_tensor(y_true), "y_true", y_pred.shape[2], (y_pred.shape[0],))
    labels = ops.cast(ops.reshape(y_true, (-1, 1)), "int32") * ops.ones_like(y_pred[..., 0], "int32")
    ce = keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)
    return ops.mean(ce, axis=0)
