"""The one training skeleton of every full-scale run: warn, fit resumably, reload the best.

``train_run`` is what each lesson's full-scale pipeline (``full_scale.imdb``,
``full_scale.anki``, ``full_scale.flickr8k``, ``full_scale.flowers``) and
``fit_named_run`` (lesson 13's own models) do once the data and the model are ready:
without a GPU, warn with a rough time estimate; train with
``course_lib.training.fit_resumable`` in the run directory ``runs/<name>`` of the data
cache (a disconnect resumes from the last epoch); reload ``best.keras`` with safe mode
on. ``check_learned`` is how a lesson asserts what its full run learned.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from course_lib.checks import check_positive_int
from course_lib.env import warn_without_gpu

__all__ = ["CPU_SECONDS_PER_STEP", "check_learned", "fit_named_run", "train_run"]

#: Measured seconds per training step on a 2-core CPU, for the no-GPU estimate.
CPU_SECONDS_PER_STEP = {"imdb": 0.5, "anki": 0.6, "captions": 0.8, "flowers": 1.5}


def _runs_dir(run_root=None) -> Path:
    """The folder that holds the full-scale runs' directories.

    Args:
        run_root: a folder (str or path) to use instead, or ``None`` for ``runs/`` in the
            data cache (``course_lib.data.download.cache_dir``, created if missing).

    Returns:
        the folder, as a ``Path``.
    """
    from course_lib.data.download import cache_dir

    return Path(run_root) if run_root is not None else cache_dir() / "runs"


def train_run(model, x, y, *, name: str, epochs: int, batch_size: int, seed: int = 0, validation_data=None,
              monitor: str | None = None, warn_as: str | None = None, cpu_seconds_per_step: float = 0.5,
              examples: int | None = None, warned_epochs: int | None = None, fit=None, reload: bool = True,
              run_root=None):
    """The skeleton of a full-scale run: warn without a GPU → ``runs/<name>`` → fit → reload the best.

    Args:
        model: a Keras model, compiled (unless ``fit`` compiles it).
        x: (N, ...) inputs, or a list/tuple of arrays with N rows (what ``fit`` takes).
        y: (N, ...) targets (what ``fit`` takes).
        name: the run's folder under ``runs/`` (or under ``run_root``).
        epochs: total epochs of the run (not the number still to do).
        batch_size: examples per training step.
        seed: decides each epoch's shuffle.
        validation_data: ``(x_val, y_val)`` evaluated after every epoch, or ``None``.
        monitor: the metric that picks ``best.keras``; ``None``: ``fit_resumable``'s default
            (``"val_loss"`` with validation data, ``"loss"`` without).
        warn_as: the run's name in the no-GPU warning (``env.warn_without_gpu``), or
            ``None`` for no warning (a run another call's warning already covered).
        cpu_seconds_per_step: seconds one step takes on a 2-core CPU, for the warning.
        examples: training examples per epoch for the estimate; ``None``: ``len(y)``.
        warned_epochs: epochs the estimate covers; ``None``: ``epochs``. The warning
            counts ``warned_epochs * examples // batch_size`` steps.
        fit: the trainer, called as ``fit(model, x, y, run_dir=, epochs=, batch_size=,
            seed=, validation_data=, monitor=, verbose=2)`` and returning a
            ``training.TrainingRun``; ``None``: ``training.fit_resumable``.
        reload: load the run's ``best.keras`` (safe mode) when it saved one.
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        ``(run, best)``: the ``training.TrainingRun`` (a second call continues or reloads
        the same run) and the best model reloaded with safe mode on, or ``None`` without
        ``reload`` or when the run saved no best model.
    """
    from course_lib.training import fit_resumable, load_best

    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs")
    if warn_as is not None:
        covered = epochs if warned_epochs is None else warned_epochs
        steps = covered * (len(y) if examples is None else examples) // batch_size
        warn_without_gpu(warn_as, steps, cpu_seconds_per_step)
    run_dir = _runs_dir(run_root) / name
    run = (fit_resumable if fit is None else fit)(
        model, x, y, run_dir=run_dir, epochs=epochs, batch_size=batch_size, seed=seed,
        validation_data=validation_data, monitor=monitor, verbose=2)
    best = load_best(run_dir) if reload and run.best else None
    return run, best


def fit_named_run(model, x, y, *, name: str, epochs: int, seed: int = 0, batch_size: int = 64,
                  cpu_seconds_per_step: float = 0.5, run_root=None):
    """Full-scale training of a model a lesson built itself (lesson 13): ``fit_resumable``
    into the run directory ``runs/<name>`` of the data cache, monitoring the training
    loss, with one line per epoch and, without a GPU, a warning with the time estimate.

    Args:
        model: a compiled Keras model.
        x: (N, ...) inputs.
        y: (N, ...) targets.
        name: the run's folder under ``runs/`` in the data cache (or ``run_root``).
        epochs: total epochs of the run (not the number still to do).
        seed: the shuffle's seed.
        batch_size: examples per step.
        cpu_seconds_per_step: what one step costs on a 2-core CPU, for the warning
            (which counts ``epochs × ceil(N / batch_size)`` steps).
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        the ``training.TrainingRun``; a second call continues (or reloads) the same run.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs")
    whole_batches = -(-len(x) // batch_size) * batch_size  # the last, partial batch is a step too
    run, _ = train_run(model, x, y, name=name, epochs=epochs, batch_size=batch_size, seed=seed, monitor="loss",
                       warn_as=name, cpu_seconds_per_step=cpu_seconds_per_step, examples=whole_batches,
                       reload=False, run_root=run_root)
    return run


def check_learned(holds: bool, claim: str) -> None:
    """Check a claim about how well a full-scale model learned, e.g. a test accuracy.

    Raises ``AssertionError(claim)`` when it does not hold, except when the data are
    fixture-size copies of the real datasets (``COURSE_FIXTURE_DATA=1``, set by the
    course's CI, which runs full-scale lessons on a handful of images): there a model
    cannot learn, so the claim is printed with what was measured and not asserted.

    Args:
        holds: whether the claim holds (a ``bool`` or NumPy bool, e.g. ``accuracy > 0.8``).
        claim: a sentence that says what should hold (the assertion's message).

    Returns:
        ``None``.
    """
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"holds: expected True or False (the claim's check), got {type(holds).__name__}")
    if not isinstance(claim, str) or not claim:
        raise TypeError(f"claim: expected a sentence that says what should hold, got {claim!r}")
    if os.environ.get("COURSE_FIXTURE_DATA") == "1":
        print(f"not asserted on fixture-size data ({'holds' if holds else 'does not hold'} here): {claim}")
        return
    if not holds:
        raise AssertionError(claim)
