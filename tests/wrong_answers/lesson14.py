"""Wrong answers to lesson 14's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np

from course_lib.cell_rules import SLOTS, STATE_CLIP, Rule

_ACT = {"identity": lambda v: v, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "relu": lambda v: np.maximum(v, 0)}
_COMB = {"left": lambda a, b: a, "add": lambda a, b: a + b, "mul": lambda a, b: a * b}


def _canonical(choices, carry_rule=True, comb_c_rule=True, resets=True):
    out = dict(choices)
    read = {1: True, 2: out["comb_A"] != "left", 3: out["memory"] == "gate", 4: out["comb_h"] != "left"}
    for j in (j for j, is_read in read.items() if not is_read):
        out[f"act_{j}"] = "identity"
        if resets:
            out[f"reset_{j}"] = False
    if comb_c_rule and out["memory"] == "none":
        out["comb_c"] = "add"
    if carry_rule and (out["memory"] == "none" or (out["comb_h"] == "left" and out["act_c"] == "identity")):
        out["carry"] = "tied"
    return out


def _step(rule, x_proj, h, c, U, clip=True, coupled_keeps_a1=False, reset_all=False):
    H = h.shape[1]
    r = _ACT["sigmoid"](x_proj[:, 4 * H:] + h @ U[:, 4 * H:])
    a = {}
    for j in range(1, 5):
        cols = slice((j - 1) * H, j * H)
        gated = reset_all and any(getattr(rule, f"reset_{i}") for i in range(1, 5)) or getattr(rule, f"reset_{j}")
        a[j] = _ACT[getattr(rule, f"act_{j}")](x_proj[:, cols] + ((r * h) if gated else h) @ U[:, cols])
    A = _COMB[rule.comb_A](a[1], a[2])
    coupled = a[1] * c if coupled_keeps_a1 else (1 - a[1]) * c
    memory = {"none": None, "gate": a[3] * c, "coupled": coupled, "plain": c}[rule.memory]
    c_new = A if memory is None else _COMB[rule.comb_c](A, memory)
    bound = STATE_CLIP if clip else np.inf
    c_new = np.clip(c_new, -bound, bound)
    h_new = np.clip(_COMB[rule.comb_h](_ACT[rule.act_c](c_new), a[4]), -bound, bound)
    return h_new, (c_new if rule.carry == "separate" else h_new)


def _mutants(rule, canonical=True, drop_self=True):
    choices = rule.choices()
    found = [Rule(**{**choices, slot: option}) for slot, options in SLOTS.items() for option in options
             if option != choices[slot]]
    if canonical:
        found = [m.canonical() for m in found]
    if drop_self:
        found = [m for m in found if m != rule]
    return list(dict.fromkeys(found))


def _crossentropy(y, logits, axis=-1, mean_axes=0):
    z = logits.astype(np.float64)
    z = z - z.max(axis=axis, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return -log_probs[np.arange(len(y)), :, y].mean(axis=mean_axes)


WRONG = {
    "14.1": {
        "carry always kept": lambda ch: _canonical(ch, carry_rule=False),
        "comb_c kept without a memory": lambda ch: _canonical(ch, comb_c_rule=False),
        "reset slots of unread inputs kept": lambda ch: _canonical(ch, resets=False),
    },
    "14.2": {
        "no clip": lambda rule, xp, h, c, U: _step(rule, xp, h, c, U, clip=False),
        "coupled memory keeps a1 ⊙ c": lambda rule, xp, h, c, U: _step(rule, xp, h, c, U, coupled_keeps_a1=True),
        "reset gate on every input": lambda rule, xp, h, c, U: _step(rule, xp, h, c, U, reset_all=True),
    },
    "14.3": {
        "mutants not in canonical form": lambda rule: _mutants(rule, canonical=False),
        "the rule itself kept": lambda rule: _mutants(rule, drop_self=False),
    },
    "14.4": {
        "softmax over the cells": lambda y, logits: _crossentropy(y, logits, axis=1),
        "one mean over examples and cells": lambda y, logits: _crossentropy(y, logits, mean_axes=None),
    },
}
