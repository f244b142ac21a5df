"""Checks for exercises/14_cell_search.ipynb: a rule's canonical form, one step of any rule of
the template, the one-slot mutants of a rule, and the cell bank's per-cell loss."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal

__all__ = ["canonical_choices", "one_slot_mutants", "per_cell_crossentropy", "rule_step"]


def _fillings(seed: int, count: int) -> list[dict]:
    """``count`` random fillings of the template's slots, not canonicalised."""
    from course_lib import cell_rules

    rng = np.random.default_rng(seed)
    return [{slot: options[rng.integers(len(options))] for slot, options in cell_rules.SLOTS.items()}
            for _ in range(count)]


@exercise("14.1", "The canonical form of a rule",
          "find which of a1..a4 the rule reads (a1 always; a2 through comb_A, a3 through a gated memory, "
          "a4 through comb_h); an unread a_j gets the first activation and no reset; comb_c matters only "
          "with a memory; the carry only when there is a memory and h' differs from c_new")
def canonical_choices(student):
    """student(choices: {slot: option}) -> {slot: option} of the same computation, unread slots reset."""
    from course_lib import cell_rules

    fillings = [cell_rules.LSTM.choices(), cell_rules.GRU.choices(), *_fillings(141, 300)]
    for choices in fillings:
        got = answer(student, dict(choices))
        if isinstance(got, cell_rules.Rule):
            got = got.choices()
        if not isinstance(got, dict):
            raise NotRight(f"expected a dict {{slot: option}}, got {type(got).__name__}")
        expected = cell_rules.Rule(**choices).canonical().choices()
        for slot, option in expected.items():
            expect_equal(got.get(slot, "(missing)"), option,
                         f"slot {slot} of the canonical form of {choices} (against Rule.canonical)")


def _step_inputs(seed: int = 142, N: int = 3, H: int = 4):
    """x_proj (N, 5H), h (N, H), c (N, H) with entries up to ±45, U (H, 5H): float64."""
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=6.0, size=(N, 5 * H)), rng.normal(scale=2.0, size=(N, H)),
            rng.uniform(-45, 45, size=(N, H)), rng.normal(scale=0.5, size=(H, 5 * H)))


def _step_rules() -> list:
    """The three classic cells, one rule whose state passes the clip, and random rules."""
    from course_lib import cell_rules

    beyond = cell_rules.Rule(act_1="identity", act_4="identity", comb_A="left", memory="plain", comb_c="add",
                             act_c="identity", comb_h="mul", carry="separate")
    rng = np.random.default_rng(143)
    return [cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA, beyond,
            *(cell_rules.random_rule(rng) for _ in range(16))]


@exercise("14.2", "One step of any rule",
          "column block j−1 of x_proj and of h @ U belongs to a_j, the last block to the reset gate r; with "
          "reset_j on, a_j's recurrent term is (r ⊙ h) @ U_j; clip c_new, and then h', to ±STATE_CLIP")
def rule_step(student):
    """student(rule, x_proj (N, 5H), h (N, H), c (N, H), U (H, 5H)) -> (h_t (N, H), c_t (N, H))."""
    import keras

    from course_lib import cell_rules

    x_proj, h, c, U = _step_inputs()
    for rule in _step_rules():
        expected = [keras.ops.convert_to_numpy(v) for v in cell_rules.rule_step(rule, x_proj, h, c, U)]
        got = answer(student, rule, x_proj.copy(), h.copy(), c.copy(), U.copy())
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotRight(f"expected a tuple (h_t, c_t), got {type(got).__name__}")
        rule_text = rule.equations().replace("\n", "; ")
        for name, g, e in zip(("h_t", "c_t"), got, expected):
            expect_close(g, e, f"{name} of the rule [{rule_text}] (against cell_rules.rule_step)")


def _as_rules(got, what: str) -> list:
    from course_lib import cell_rules

    if isinstance(got, cell_rules.Rule) or not isinstance(got, (list, tuple, set)):
        raise NotRight(f"{what}: expected a list of cell_rules.Rule, got {type(got).__name__}")
    other = [rule for rule in got if not isinstance(rule, cell_rules.Rule)]
    if other:
        raise NotRight(f"{what}: expected a list of cell_rules.Rule, got some {type(other[0]).__name__}")
    return list(got)


@exercise("14.3", "The one-slot mutants of a rule",
          "change one slot at a time to each of its other options, put every result in canonical form, and "
          "keep each distinct cell once, but not the rule you started from")
def one_slot_mutants(student):
    """student(rule) -> list of the distinct canonical rules one slot change away from it."""
    from course_lib import cell_rules

    S = cell_rules.SLOTS
    rng = np.random.default_rng(144)
    for name, rule in (("the LSTM", cell_rules.LSTM), ("the GRU", cell_rules.GRU),
                       ("the vanilla RNN", cell_rules.VANILLA), ("a random rule", cell_rules.random_rule(rng))):
        start = rule.canonical().choices()
        expected = {cell_rules.Rule(**{**start, slot: option}).canonical()
                    for slot, options in S.items() for option in options if option != start[slot]} - {rule}
        got = _as_rules(answer(student, rule), f"the mutants of {name}")
        if len(set(got)) != len(got):
            raise NotRight(f"the mutants of {name}: expected each cell once, got {len(got) - len(set(got))} repeated")
        if rule in got:
            raise NotRight(f"the mutants of {name}: expected {len(expected)} cells without the rule itself, "
                           f"got a list of {len(got)} that contains it")
        missing, extra = expected - set(got), set(got) - expected
        raw = sorted((m for m in extra if m.canonical() != m), key=str)
        if raw:
            unread = {s: v for s, v in raw[0].choices().items() if raw[0].canonical().choices()[s] != v}
            raise NotRight(f"the mutants of {name}: expected every mutant in canonical form, got {len(raw)} that "
                           f"are not, e.g. one with the unread slots {unread}")
        if missing or extra:
            example = min(extra or missing, key=str)
            raise NotRight(f"the mutants of {name}: expected {len(expected)} distinct cells, got {len(got)}; "
                           f"{'your list has' if extra else 'your list misses'} "
                           f"[{example.equations().replace(chr(10), '; ')}]")


@exercise("14.4", "The bank's loss, cell by cell",
          "take a log-softmax over the classes (last axis; subtract each row's maximum first), pick the true "
          "class's entry for every cell, and average over the examples only")
def per_cell_crossentropy(student):
    """student(y (N,), logits (N, K, C)) -> (K,) each cell's mean cross-entropy."""
    import keras

    from course_lib import cell_bank

    rng = np.random.default_rng(145)
    N, K, C = 11, 6, 8
    confidence = np.array([3.0, 0.5, 12.0, 50.0, 1.0, 30.0])[None, :, None]  # one scale per cell
    logits = (rng.normal(size=(N, K, C)) * confidence).astype("float32")  # up to about ±150
    y = rng.integers(0, C, N)
    expected = keras.ops.convert_to_numpy(cell_bank.per_cell_crossentropy(y, logits))
    got = answer(student, y.copy(), logits.copy())
    expect_close(got, expected, f"the cross-entropy of each of {K} cells (against cell_bank.per_cell_crossentropy)",
                 tol=1e-5)
