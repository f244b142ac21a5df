"""A small search over cell update rules: the tasks, the training budget and the scores.

``search_task`` builds one of the course's long-memory tasks as a ``SearchTask``;
``train_bank`` trains a ``cell_bank.CellBank`` (K rules side by side) for a fixed number of
steps with Adam, and every cell is then scored on held-out data: mean squared error
on the adding problem (lower is better), accuracy on the recall task (higher is better).
``evaluate_rules`` does both for one task. Every cell gets the same data, the same steps and
the same learning rate, so the scores compare rules under one budget.
"""

from __future__ import annotations

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from course_lib import cell_rules
from course_lib.cell_bank import CellBank, per_cell_crossentropy, per_cell_mse
from course_lib.checks import (
    check_array,
    check_choice,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
    check_seed,
)
from course_lib.data import tasks

__all__ = ["SETTINGS", "TASKS", "Roster", "SearchResult", "SearchTask", "evaluate_rules", "learned",
           "search_roster", "search_task", "train_bank"]

TASKS = ("adding", "recall")
#: The search of each scale: sequence length, units per cell, copies of each reference cell,
#: mutants and random rules, training steps per task, batch size, learning rate and whether
#: the bank unrolls its time steps (``CellBank(unroll=...)``).
SETTINGS = {
    "lesson": dict(T=16, units=8, copies=2, mutants=12, randoms=12, steps=200, batch_size=32,
                   learning_rate=1e-2, unroll=True),
    "full": dict(T=50, units=32, copies=3, mutants=36, randoms=84, steps=3000, batch_size=64,
                 learning_rate=3e-3, unroll=False),
}
#: The reference cells: name, rule, initial bias of a3 (the LSTM's forget gate).
REFERENCES = (("LSTM", cell_rules.LSTM, 0.0), ("LSTM, forget bias 1", cell_rules.LSTM, 1.0),
              ("GRU", cell_rules.GRU, 0.0), ("vanilla RNN", cell_rules.VANILLA, 0.0))


@dataclasses.dataclass(frozen=True)
class Roster:
    """The cells of one search, in bank order: ``names``, ``rules``, ``kinds`` ("reference",
    "mutant" or "random"), ``parents`` (``"LSTM"`` or ``"GRU"`` for a mutant, else ``None``)
    and ``bias`` ``(K, 4)``, the initial biases of a1..a4 (edit a copy to try others)."""

    names: list
    rules: list
    kinds: list
    parents: list
    bias: np.ndarray

    def where(self, name_or_kind: str) -> np.ndarray:
        """Indices of the cells with this name (e.g. ``"GRU"``) or kind (e.g. ``"random"``)."""
        idx = [i for i, (n, k) in enumerate(zip(self.names, self.kinds)) if name_or_kind in (n, k)]
        if not idx:
            raise ValueError(f"name_or_kind: no cell is named or of kind {name_or_kind!r}")
        return np.array(idx)


def search_roster(copies: int, mutants: int, randoms: int, seed: int = 0) -> Roster:
    """``copies`` of each reference cell (``REFERENCES``: separate weights, so the spread
    between copies shows how much a score owes to the initial weights), ``mutants``
    one-slot mutations of the LSTM and the GRU (alternately; there are 28 and 19 distinct
    ones) and ``randoms`` random rules, every candidate distinct from the others and from
    the references."""
    copies = check_positive_int(copies, "copies")
    mutants = check_nonnegative_int(mutants, "mutants")
    randoms = check_nonnegative_int(randoms, "randoms")
    rng = np.random.default_rng(check_seed(seed))
    cells = []  # (name, rule, kind, parent, initial biases of a1..a4)
    for _ in range(copies):
        cells += [(name, rule, "reference", None, [0, 0, forget, 0]) for name, rule, forget in REFERENCES]
    seen = {rule.canonical() for _, rule, *_ in cells}
    for i in range(mutants + randoms):
        kind = "mutant" if i < mutants else "random"
        parent = ("LSTM", "GRU")[i % 2] if kind == "mutant" else None
        for _ in range(1000):
            rule = (cell_rules.mutate(getattr(cell_rules, parent), rng) if kind == "mutant"
                    else cell_rules.random_rule(rng))
            if rule not in seen:
                break
        else:
            what = "one-slot mutants (the LSTM has 28, the GRU 19, taken alternately)" if parent else "rules"
            raise ValueError(f"{kind}s: could not find {mutants if parent else randoms} distinct {what}")
        seen.add(rule)
        number = i + 1 if kind == "mutant" else i - mutants + 1
        cells.append((f"{kind} {number}", rule, kind, parent, [0, 0, 0, 0]))
    names, rules, kinds, parents, bias = (list(column) for column in zip(*cells))
    return Roster(names, rules, kinds, parents, np.array(bias, dtype="float32"))


def learned(task: SearchTask, scores) -> np.ndarray:
    """Which cells learned something: MSE below 0.8 × chance, or accuracy above 3 × chance."""
    task = _check_task(task)
    scores = check_array(scores, "scores", ("K",), dtype="number").astype("float64")
    if np.isnan(scores).any():
        raise ValueError("scores: expected numbers (inf for a diverged cell), got NaN")
    return scores > 3 * task.chance if task.higher_is_better else scores < 0.8 * task.chance


@dataclasses.dataclass(frozen=True)
class SearchTask:
    """One task: training and validation arrays and how a cell is scored.

    ``x``: ``(n, T, D)`` float32 inputs (the recall task's ids one-hot encoded), ``y``:
    ``(n, 1)`` targets (adding) or ``(n,)`` ids (recall). ``outputs`` is the readout size,
    ``loss`` ``"mse"`` or ``"crossentropy"``, ``score`` ``"mse"`` (lower is better) or
    ``"accuracy"`` (higher is better), ``chance`` the score of a cell that learned nothing.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    outputs: int
    loss: str
    score: str
    chance: float

    @property
    def higher_is_better(self) -> bool:
        return self.score == "accuracy"


def search_task(name: str, T: int, n_train: int, n_val: int = 1000, *, num_symbols: int = 8,
                seed: int = 0) -> SearchTask:
    """``"adding"``: the adding problem; ``"recall"``: the marked recall task (one-hot ids).

    Training and validation sets come from different seeds (``seed`` and ``seed + 1``).
    """
    name = check_choice(name, "name", TASKS)
    T = check_positive_int(T, "T", minimum=2)
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    seed = check_seed(seed)
    if name == "adding":
        (x, y), (xv, yv) = (tasks.adding_problem(n, T, seed=s) for n, s in ((n_train, seed), (n_val, seed + 1)))
        return SearchTask(name, x, y, xv, yv, 1, "mse", "mse", tasks.ADDING_BASELINE_MSE)
    num_symbols = check_positive_int(num_symbols, "num_symbols", minimum=2)
    eye = np.eye(2 * num_symbols, dtype="float32")
    (x, y), (xv, yv) = (tasks.recall_task(n, T, num_symbols, seed=s, marked=True)
                        for n, s in ((n_train, seed), (n_val, seed + 1)))
    return SearchTask(name, eye[x], y, eye[xv], yv, num_symbols, "crossentropy", "accuracy",
                      tasks.recall_chance_accuracy(num_symbols))


def _check_task(task) -> SearchTask:
    if not isinstance(task, SearchTask):
        raise TypeError(f"task: expected a cell_search.SearchTask (from search_task), got {type(task).__name__}")
    return task


def _check_bank(bank, task: SearchTask) -> CellBank:
    if not isinstance(bank, CellBank):
        raise TypeError(f"bank: expected a cell_bank.CellBank, got {type(bank).__name__}")
    if bank.outputs != task.outputs:
        raise ValueError(f"bank: has {bank.outputs} outputs per cell, task {task.name!r} needs {task.outputs}")
    return bank


def train_bank(bank: CellBank, task: SearchTask, *, steps: int, batch_size: int = 32,
               learning_rate: float = 1e-2, seed: int = 0, report_every: int = 0) -> np.ndarray:
    """Train every cell of ``bank`` on ``task`` for ``steps`` Adam steps (gradients clipped
    element-wise at 1, which keeps the cells independent).

    Batches are drawn from ``task.x`` without replacement, reshuffled each pass (``seed``).
    ``report_every``: print a progress line every so many steps (0: none).

    Returns:
        ``(steps, K)`` training loss of each cell at each step.
    """
    task, bank = _check_task(task), _check_bank(bank, task)
    steps, batch_size = check_positive_int(steps, "steps"), check_positive_int(batch_size, "batch_size")
    batch_size = min(batch_size, len(task.x))
    learning_rate = check_positive(learning_rate, "learning_rate")
    report_every = check_nonnegative_int(report_every, "report_every")
    rng = np.random.default_rng(check_seed(seed))
    if not bank.built:
        bank.build((None, *task.x.shape[1:]))
    per_cell = per_cell_mse if task.loss == "mse" else per_cell_crossentropy
    optimizer = keras.optimizers.Adam(learning_rate, clipvalue=1.0)
    optimizer.build(bank.trainable_variables)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            losses = per_cell(yb, bank(xb))
            total = tf.reduce_sum(losses)
        grads = tape.gradient(total, bank.trainable_variables)
        optimizer.apply(grads, bank.trainable_variables)
        return losses

    history, order, start, began = [], rng.permutation(len(task.x)), 0, time.perf_counter()
    for i in range(steps):
        if start + batch_size > len(order):
            order, start = rng.permutation(len(task.x)), 0
        rows = order[start:start + batch_size]
        start += batch_size
        history.append(keras.ops.convert_to_numpy(step(task.x[rows], task.y[rows])))
        if report_every and ((i + 1) % report_every == 0 or i + 1 == steps):
            print(f"{task.name}: step {i + 1}/{steps}, median cell loss {np.median(history[-1]):.4f} "
                  f"({time.perf_counter() - began:.0f} s)", flush=True)
    return np.stack(history)


def _score_bank(bank: CellBank, task: SearchTask, batch_size: int = 500) -> np.ndarray:
    """Every cell's validation score on ``task``: ``(K,)`` MSE (adding) or accuracy (recall).

    A cell whose outputs are not finite gets the worst possible score (``inf`` MSE, accuracy 0).
    """
    task, bank = _check_task(task), _check_bank(bank, task)
    batch_size = check_positive_int(batch_size, "batch_size")
    out = np.concatenate([keras.ops.convert_to_numpy(bank(task.x_val[i:i + batch_size]))
                          for i in range(0, len(task.x_val), batch_size)])
    finite = np.isfinite(out).all(axis=(0, 2))
    if task.score == "mse":
        scores = np.mean((out - task.y_val[:, None, :]) ** 2, axis=(0, 2))
        return np.where(finite, scores, np.inf)
    return np.where(finite, (out.argmax(-1) == task.y_val[:, None]).mean(axis=0), 0.0)


@dataclasses.dataclass
class SearchResult:
    """``scores: (K,)`` validation scores, ``losses: (steps, K)``, the trained ``bank``,
    ``seconds`` of training."""

    scores: np.ndarray
    losses: np.ndarray
    bank: CellBank
    seconds: float


def evaluate_rules(rules, task: SearchTask, *, units: int = 8, steps: int = 300, batch_size: int = 32,
                   learning_rate: float = 1e-2, bias=(0.0, 0.0, 0.0, 0.0), unroll: bool = False,
                   seed: int = 0, report_every: int = 0) -> SearchResult:
    """Build a ``CellBank`` of ``rules`` (weights from ``seed``), train it on ``task``, score it.

    ``bias``: initial biases of a1..a4, ``(4,)`` or ``(K, 4)`` (e.g. 1 on a3 for an LSTM's
    forget gate). ``unroll``: as in ``CellBank``.
    """
    task = _check_task(task)
    keras.utils.set_random_seed(check_seed(seed))
    bank = CellBank(rules, units, task.outputs, bias=bias, unroll=unroll, name=f"bank_{task.name}")
    began = time.perf_counter()
    losses = train_bank(bank, task, steps=steps, batch_size=batch_size, learning_rate=learning_rate,
                        seed=seed, report_every=report_every)
    seconds = time.perf_counter() - began
    return SearchResult(_score_bank(bank, task), losses, bank, seconds)
