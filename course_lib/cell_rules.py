"""A space of recurrent-cell update rules, and one rule as a Keras cell.

A rule is one choice per slot of a fixed template (``SLOTS``). With the pre-activations
``L_j = W_j x_t + U_j h̃_j + b_j`` (``j = 1..4``), where ``h̃_j`` is ``h_{t-1}`` or, when
slot ``reset_j`` is on, ``r ⊙ h_{t-1}`` with the reset gate ``r = σ(W_r x_t + U_r h_{t-1} + b_r)``:

    a_j   = act_j(L_j)                                 four gates or candidates
    A     = comb_A(a_1, a_2)                           a_1 | a_1 + a_2 | a_1 ⊙ a_2
    m     = memory(a_1, a_3, c_{t-1})                  none | a_3 ⊙ c | (1 − a_1) ⊙ c | c
    c_new = comb_c(A, m)                               A + m | A ⊙ m   (A when memory is none)
    h_t   = comb_h(act_c(c_new), a_4)                  out | out + a_4 | out ⊙ a_4
    c_t   = c_new (carry "separate") or h_t (carry "tied")

The LSTM, the GRU (reset before the candidate's matrix, Keras' ``reset_after=False``) and
the vanilla RNN are three points of this space (``LSTM``, ``GRU``, ``VANILLA``);
``random_rule`` draws others and ``mutate`` changes a few slots of one. ``rule_step``
computes one rule's step with only the branches it chose, and ``RuleCell`` wraps it as a
Keras cell for ``keras.layers.RNN``. ``course_lib.cell_bank`` trains many rules at once.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from course_lib.checks import check_positive_int, check_tensor

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_FUNCTIONS",
    "COMBINATIONS",
    "GRU",
    "LSTM",
    "SLOTS",
    "STATE_CLIP",
    "VANILLA",
    "Rule",
    "RuleCell",
    "check_bias",
    "check_rule",
    "mutate",
    "random_rule",
    "rule_step",
    "weights_from_keras",
]

ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu")
COMBINATIONS = ("left", "add", "mul")
SLOTS = {
    **{f"act_{j}": ACTIVATIONS for j in range(1, 5)},
    **{f"reset_{j}": (False, True) for j in range(1, 5)},
    "comb_A": COMBINATIONS,
    "memory": ("none", "gate", "coupled", "plain"),
    "comb_c": ("add", "mul"),
    "act_c": ACTIVATIONS,
    "comb_h": COMBINATIONS,
    "carry": ("separate", "tied"),
}
#: The absolute values of h and c are clipped to this bound, so a rule whose state grows without limit stays
#: finite (and scores badly) instead of turning every number into NaN. An LSTM's c stays
#: far inside it on the course's tasks.
STATE_CLIP = 50.0
_PACKAGE = "course_lib"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One cell update rule: a choice for every slot of ``SLOTS`` (see the module doc).

    Example:
        >>> print(GRU.equations())
        r = sigmoid(Wr x + Ur h + br)
        a1 = sigmoid(W1 x + U1 h + b1)
        a2 = tanh(W2 x + U2 r⊙h + b2)
        c_new = a1 ⊙ a2 + (1 − a1) ⊙ c
        h' = c_new
        c' = h'
    """

    act_1: str = "identity"
    act_2: str = "identity"
    act_3: str = "identity"
    act_4: str = "identity"
    reset_1: bool = False
    reset_2: bool = False
    reset_3: bool = False
    reset_4: bool = False
    comb_A: str = "left"
    memory: str = "none"
    comb_c: str = "add"
    act_c: str = "identity"
    comb_h: str = "left"
    carry: str = "tied"

    def __post_init__(self):
        for slot, options in SLOTS.items():
            value = getattr(self, slot)
            if value not in options or type(value) is not type(options[0]):
                raise ValueError(f"{slot}: expected one of {list(options)}, got {value!r}")

    def choices(self) -> dict:
        """``{slot: choice}`` for every slot (JSON-friendly; ``Rule(**rule.choices())``)."""
        return dataclasses.asdict(self)

    def used_inputs(self) -> list[int]:
        """Which of a1..a4 the rule reads (a1 always)."""
        used = [1]
        if self.comb_A != "left":
            used.append(2)
        if self.memory == "gate":
            used.append(3)
        if self.comb_h != "left":
            used.append(4)
        return used

    def canonical(self) -> Rule:
        """The same computation with every slot it does not read set to its first option.

        Rules with equal canonical forms compute the same function. The converse does not
        hold: different forms can still compute the same thing (a rule whose state stays at
        zero from the zero initial state, say, or a1 and a2 swapped in a sum).
        """
        used = self.used_inputs()
        choices = self.choices()
        for j in range(1, 5):
            if j not in used:
                choices[f"act_{j}"], choices[f"reset_{j}"] = SLOTS[f"act_{j}"][0], False
        if self.memory == "none":
            choices["comb_c"] = SLOTS["comb_c"][0]
        # c' is only read through the memory; without one, or when h' equals c_new, the
        # carry choice changes nothing.
        if self.memory == "none" or (self.comb_h == "left" and self.act_c == "identity"):
            choices["carry"] = "tied"
        return Rule(**choices)

    def equations(self) -> str:
        """The rule written out, one line per quantity, leaving out what it does not use."""
        used = self.used_inputs()
        lines = ["r = sigmoid(Wr x + Ur h + br)"] if any(getattr(self, f"reset_{j}") for j in used) else []
        for j in used:
            h = "r⊙h" if getattr(self, f"reset_{j}") else "h"
            lines.append(f"a{j} = {getattr(self, f'act_{j}')}(W{j} x + U{j} {h} + b{j})")
        A = {"left": "a1", "add": "a1 + a2", "mul": "a1 ⊙ a2"}[self.comb_A]
        m = {"none": None, "gate": "a3 ⊙ c", "coupled": "(1 − a1) ⊙ c", "plain": "c"}[self.memory]
        c_new = A if m is None else (f"{A} + {m}" if self.comb_c == "add" else f"({A}) ⊙ ({m})")
        lines.append(f"c_new = {c_new}")
        out = "c_new" if self.act_c == "identity" else f"{self.act_c}(c_new)"
        lines.append("h' = " + {"left": out, "add": f"{out} + a4", "mul": f"{out} ⊙ a4"}[self.comb_h])
        lines.append("c' = c_new" if self.carry == "separate" else "c' = h'")
        return "\n".join(lines)


LSTM = Rule(act_1="sigmoid", act_2="tanh", act_3="sigmoid", act_4="sigmoid", comb_A="mul",
            memory="gate", comb_c="add", act_c="tanh", comb_h="mul", carry="separate")
GRU = Rule(act_1="sigmoid", act_2="tanh", reset_2=True, comb_A="mul", memory="coupled",
           comb_c="add", act_c="identity", comb_h="left", carry="tied")
VANILLA = Rule(act_1="tanh")


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def random_rule(rng: np.random.Generator) -> Rule:
    """A rule with every slot drawn uniformly from its options, in canonical form."""
    rng = _check_rng(rng)
    return Rule(**{slot: options[rng.integers(len(options))] for slot, options in SLOTS.items()}).canonical()


def mutate(rule: Rule, rng: np.random.Generator, n_changes: int = 1) -> Rule:
    """``rule`` with ``n_changes`` slots set to another option, in canonical form.

    Slots are drawn one at a time among the changes that alter the canonical form (a change
    to a slot the rule does not read would give the same cell) and do not lead back to
    ``rule``. A change can make other slots unread; the canonical form then resets them too.
    """
    if not isinstance(rule, Rule):
        raise TypeError(f"rule: expected a cell_rules.Rule, got {type(rule).__name__}")
    rng = _check_rng(rng)
    n_changes = check_positive_int(n_changes, "n_changes", maximum=len(SLOTS))
    start = current = rule.canonical()
    for _ in range(n_changes):
        choices = current.choices()
        moves = [(slot, option) for slot, options in SLOTS.items() for option in options
                 if option != choices[slot]
                 and Rule(**{**choices, slot: option}).canonical() not in (current, start)]
        slot, option = moves[rng.integers(len(moves))]
        current = Rule(**{**choices, slot: option}).canonical()
    return current


#: The function of each entry of ``ACTIVATIONS``.
ACTIVATION_FUNCTIONS = {"identity": lambda v: v, "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu}
_COMB = {"left": lambda a, b: a, "add": lambda a, b: a + b, "mul": lambda a, b: a * b}


def rule_step(rule: Rule, x_proj, h, c, U):
    """One step of one rule, computing only the branches it chose.

    Args:
        rule: the ``Rule``.
        x_proj: ``x_t W + b``, shape ``(N, 5H)``: the inputs of a1..a4, then the reset gate.
        h, c: the previous state, ``(N, H)`` each.
        U: the recurrent matrix, ``(H, 5H)``, columns in the same order.

    Returns:
        ``h_t, c_t``, ``(N, H)`` each.
    """
    rule = check_rule(rule)
    check_tensor(h, "h", ("N", "H"))
    H = h.shape[-1]
    check_tensor(c, "c", (h.shape[0], H))
    check_tensor(x_proj, "x_proj", (h.shape[0], 5 * H))
    check_tensor(U, "U", (H, 5 * H))
    hU = ops.matmul(h, U)
    used = rule.used_inputs()
    if any(getattr(rule, f"reset_{j}") for j in used):
        r = ops.sigmoid(x_proj[:, 4 * H:] + hU[:, 4 * H:])
        rhU = ops.matmul(r * h, U[:, :4 * H])
    a = {}
    for j in used:
        cols = slice((j - 1) * H, j * H)
        recurrent = rhU[:, cols] if getattr(rule, f"reset_{j}") else hU[:, cols]
        a[j] = ACTIVATION_FUNCTIONS[getattr(rule, f"act_{j}")](x_proj[:, cols] + recurrent)
    A = _COMB[rule.comb_A](a[1], a.get(2))
    memory = {"none": None, "gate": lambda: a[3] * c, "coupled": lambda: (1.0 - a[1]) * c,
              "plain": lambda: c}[rule.memory]
    c_new = A if memory is None else (A + memory() if rule.comb_c == "add" else A * memory())
    c_new = ops.clip(c_new, -STATE_CLIP, STATE_CLIP)
    h_new = ops.clip(_COMB[rule.comb_h](ACTIVATION_FUNCTIONS[rule.act_c](c_new), a.get(4)), -STATE_CLIP, STATE_CLIP)
    return h_new, (c_new if rule.carry == "separate" else h_new)


def check_bias(bias, k: int) -> np.ndarray:
    """Initial biases of a1..a4: ``(4,)`` for every cell or ``(k, 4)``, returned as ``(k, 4)``."""
    k = check_positive_int(k, "k")
    try:
        arr = None if isinstance(bias, (str, bytes)) else np.asarray(bias)
    except (ValueError, TypeError):
        arr = None
    if (arr is None or not np.issubdtype(arr.dtype, np.number) or arr.shape not in ((4,), (k, 4))
            or not np.isfinite(arr).all()):
        raise ValueError(f"bias: expected 4 finite initial biases (one per input a1..a4) or ({k}, 4), "
                         f"got {bias!r}")
    return np.broadcast_to(arr.astype("float32"), (k, 4)).copy()


def check_rule(rule, name: str = "rule") -> Rule:
    """Return ``rule`` as a ``Rule``: a ``Rule``, or its ``choices()`` dict (as configs store it)."""
    if isinstance(rule, dict):
        return Rule(**rule)
    if not isinstance(rule, Rule):
        raise TypeError(f"{name}: expected a cell_rules.Rule or its choices() dict, got {type(rule).__name__}")
    return rule


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RuleCell(keras.layers.Layer):
    """One rule of the template as a Keras cell, for ``keras.layers.RNN``.

    Weights: ``W: (D, 5H)``, ``U: (H, 5H)``, ``b: (5H,)``, columns a1..a4 then the reset
    gate. Per step: ``x_t: (N, D)``, states ``[h, c]`` each ``(N, H)``; output ``h: (N, H)``.

    Args:
        rule: a ``Rule`` (or its ``choices()`` dict, as ``get_config`` stores it).
        units: H.
        bias: initial biases of a1..a4 (e.g. ``(0, 0, 1, 0)``: an LSTM's forget gate at 1).
    """

    def __init__(self, rule, units: int, bias=(0.0, 0.0, 0.0, 0.0), **kwargs):
        super().__init__(**kwargs)
        self.rule = check_rule(rule)
        self.units = check_positive_int(units, "units")
        self.bias = check_bias(bias, 1)[0]
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape=None):
        if (not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2
                or not isinstance(input_shape[-1], int)):
            raise ValueError(f"inputs: expected a tensor of shape (batch, features) per step, got {input_shape}")
        D, H = int(input_shape[-1]), self.units
        self.W = self.add_weight(shape=(D, 5 * H), initializer="glorot_uniform", name="W")
        self.U = self.add_weight(shape=(H, 5 * H), initializer="orthogonal", name="U")
        init = np.concatenate([np.repeat(self.bias, H), np.zeros(H, "float32")])
        self.b = self.add_weight(shape=(5 * H,), initializer=keras.initializers.Constant(init), name="b")

    def call(self, inputs, states, training=None):
        check_tensor(inputs, "inputs", ("N", self.W.shape[0]))
        if not isinstance(states, (list, tuple)) or len(states) != 2:
            raise ValueError(f"states: expected [h, c], two tensors of shape (N, {self.units})")
        for state in states:
            check_tensor(state, "states", (inputs.shape[0], self.units))
        h, c = rule_step(self.rule, ops.matmul(inputs, self.W) + self.b, states[0], states[1], self.U)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "rule": self.rule.choices(), "units": self.units,
                "bias": self.bias.tolist()}


def weights_from_keras(layer) -> tuple[Rule, list[np.ndarray]]:
    """The rule and ``RuleCell`` weights ``[W, U, b]`` that compute a built Keras layer.

    ``layer``: a ``keras.layers.LSTM`` (gates i, f, g, o become a1 = i, a2 = g, a3 = f,
    a4 = o) or a ``keras.layers.GRU(reset_after=False)`` (z, r, h̃: a1 = 1 − z, which is
    σ of the negated pre-activation, a2 = h̃ and the reset gate r).
    """
    if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)) and layer.built:
        cell = layer.cell
        if (keras.activations.serialize(cell.activation) != "tanh" or not cell.use_bias
                or keras.activations.serialize(cell.recurrent_activation) != "sigmoid"):
            raise ValueError("layer: the template's LSTM and GRU use tanh, sigmoid gates and biases; got "
                             f"activation={cell.activation.__name__}, recurrent_activation="
                             f"{cell.recurrent_activation.__name__}, use_bias={cell.use_bias}")
    if isinstance(layer, keras.layers.LSTM) and layer.built:
        kernel, recurrent, bias = layer.get_weights()
        H = recurrent.shape[0]
        i, f, g, o = (slice(n * H, (n + 1) * H) for n in range(4))
        order = lambda w: np.concatenate([w[..., i], w[..., g], w[..., f], w[..., o], np.zeros_like(w[..., i])], -1)  # noqa: E731
        return LSTM, [order(kernel), order(recurrent), order(bias)]
    if isinstance(layer, keras.layers.GRU) and layer.built and not layer.cell.reset_after:
        kernel, recurrent, bias = layer.get_weights()
        H = recurrent.shape[0]
        z, r, h = (slice(n * H, (n + 1) * H) for n in range(3))
        order = lambda w: np.concatenate([-w[..., z], w[..., h], np.zeros_like(w[..., z]),  # noqa: E731
                                          np.zeros_like(w[..., z]), w[..., r]], -1)
        return GRU, [order(kernel), order(recurrent), order(bias)]
    raise TypeError(f"layer: expected a built keras.layers.LSTM or keras.layers.GRU(reset_after=False), "
                    f"got {type(layer).__name__}")
