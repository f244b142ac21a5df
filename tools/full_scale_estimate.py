"""How long the full-scale runs too long for CI would take on this machine's CPU.

    .venv/bin/python tools/full_scale_estimate.py

For lesson 07 (the plain encoder-decoder), lesson 08's date part (the attention model)
and lesson 14 (the cell search), it builds the model at its full-scale settings, on data
of the full-scale shapes, times a few training steps after the first (which traces the
step), and multiplies by the steps the full run takes. Prints one line per run.
"""

from __future__ import annotations

import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from course_lib.env import setup_notebook  # noqa: E402

setup_notebook(seed=0, scale="lesson")

from course_lib import cell_bank, cell_search, seq2seq  # noqa: E402
from course_lib.data import dates  # noqa: E402

TIMED_STEPS = 5


def seq2seq_seconds_per_step(attention: bool) -> tuple[float, int]:
    """Seconds per training step of lesson 07's (or 08's) model at full scale, and its steps."""
    settings = seq2seq.SETTINGS["full"]
    task = dates.load_task("full", seed=0, n_test=8)
    train = {k: task.train_arrays[k] for k in ("source", "target_in", "target_out")}
    n = len(train["source"])
    batch = settings.batch_size
    parts = seq2seq.build_seq2seq(len(task.source_vocab), len(task.target_vocab), embed_dim=settings.embed_dim,
                                  units=settings.units, attention=attention, seed=0,
                                  source_len=train["source"].shape[1], target_len=train["target_in"].shape[1])
    sample = {k: v[: batch * (TIMED_STEPS + 1)] for k, v in train.items()}
    seq2seq.fit_seq2seq(parts["model"], {k: v[:batch] for k, v in sample.items()}, settings, epochs=1, verbose=0)
    began = time.perf_counter()
    seq2seq.fit_seq2seq(parts["model"], sample, settings, epochs=1, verbose=0)
    per_step = (time.perf_counter() - began) / (TIMED_STEPS + 1)
    epochs = max(1, settings.epochs // 3) if attention else settings.epochs
    return per_step, epochs * math.ceil(n / batch)


def cell_search_seconds_per_step() -> tuple[float, int]:
    """Seconds per Adam step of lesson 14's full-scale bank (both tasks), and its steps."""
    s = cell_search.SETTINGS["full"]
    roster = cell_search.search_roster(s["copies"], s["mutants"], s["randoms"], seed=0)
    task = cell_search.search_task("adding", s["T"], s["batch_size"] * (TIMED_STEPS + 1), n_val=8, seed=0)
    bank = cell_bank.CellBank(roster.rules, s["units"], task.outputs, bias=roster.bias, unroll=s["unroll"])
    cell_search.train_bank(bank, task, steps=1, batch_size=s["batch_size"], learning_rate=s["learning_rate"])
    began = time.perf_counter()
    cell_search.train_bank(bank, task, steps=TIMED_STEPS, batch_size=s["batch_size"],
                           learning_rate=s["learning_rate"])
    return (time.perf_counter() - began) / TIMED_STEPS, 2 * s["steps"]


def main() -> None:
    runs = {"07 plain encoder-decoder (dates)": lambda: seq2seq_seconds_per_step(False),
            "08 attention encoder-decoder (dates)": lambda: seq2seq_seconds_per_step(True),
            "14 cell search (both tasks)": cell_search_seconds_per_step}
    for name, measure in runs.items():
        per_step, steps = measure()
        print(f"{name}: {per_step:.3f} s per step x {steps:,} steps = {per_step * steps / 3600:.1f} h", flush=True)


if __name__ == "__main__":
    main()
