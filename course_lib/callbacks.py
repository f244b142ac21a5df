"""Keras callbacks of the training recipe (lesson 12): snapshot ensembles and weight EMA.

- ``SnapshotEnsemble``: with a cyclic cosine learning rate
  (``course_lib.recipe.cosine_restarts``), keep the weights at the end of every cycle,
  where the rate is lowest; ``predict_each`` scores every snapshot.
- ``WeightEMA``: an exponential moving average of the weights kept beside training;
  ``swap_in`` / ``swap_out`` evaluate with it.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from course_lib.checks import check_path, check_positive_int, check_probability

__all__ = ["SnapshotEnsemble", "WeightEMA"]


class SnapshotEnsemble(keras.callbacks.Callback):
    """Keep a copy of the weights at the end of every cosine cycle (the lowest rate).

    Use with an optimizer whose learning rate is ``cosine_restarts(lr, cycle_steps)``.

    Args:
        cycle_steps: optimizer steps per cycle (the schedule's ``first_decay_steps``).
        directory: if given, each snapshot is also saved there as
            ``snapshot_<k>.weights.h5``.

    Attributes:
        snapshots: list of weight lists (``model.get_weights()`` format).
        steps: the 0-based optimizer step at which each snapshot was taken.
    """

    def __init__(self, cycle_steps: int, directory=None):
        super().__init__()
        self.cycle_steps = check_positive_int(cycle_steps, "cycle_steps", minimum=2)
        self.directory = None if directory is None else check_path(directory, "directory", kind="dir-or-new")
        self.snapshots: list[list[np.ndarray]] = []
        self.steps: list[int] = []
        self.paths: list[Path] = []

    def on_train_batch_end(self, batch, logs=None):
        step = int(np.asarray(self.model.optimizer.iterations)) - 1  # the step just taken
        if (step + 1) % self.cycle_steps == 0:
            self.snapshots.append([w.copy() for w in self.model.get_weights()])
            self.steps.append(step)
            if self.directory is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
                path = self.directory / f"snapshot_{len(self.snapshots)}.weights.h5"
                self.model.save_weights(path)
                self.paths.append(path)

    def predict_each(self, model, x, batch_size: int = 256) -> np.ndarray:
        """Probabilities of every snapshot: (snapshots, N, C). Restores the weights."""
        if not self.snapshots:
            raise ValueError("no snapshots yet: train with this callback first")
        current = model.get_weights()
        try:
            out = []
            for weights in self.snapshots:
                model.set_weights(weights)
                out.append(np.asarray(model.predict(x, batch_size=batch_size, verbose=0)))
        finally:
            model.set_weights(current)
        return np.stack(out)


class WeightEMA(keras.callbacks.Callback):
    """Exponential moving average (EMA) of the trainable weights.

    After every optimizer step: ``average = m · average + (1 − m) · weights``; the
    first step copies the weights (the same rule as the optimizers' ``use_ema``). This is
    not Polyak–Ruppert averaging, which weights every iterate equally; the EMA forgets
    old weights at the rate ``1 − m``, so it follows a model that is still moving.

    Args:
        momentum: ``m`` in [0, 1); 0.99 averages over roughly the last 100 steps.

    Use ``averaged_weights()`` for the averages (trainable weights, in order) and
    ``swap_in(model)`` / ``swap_out(model)`` to evaluate with them.
    """

    def __init__(self, momentum: float = 0.99):
        super().__init__()
        momentum = check_probability(momentum, "momentum")
        if momentum >= 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum}")
        self.momentum = momentum
        self._average = None
        self._backup = None

    def on_train_begin(self, logs=None):
        self._average = None

    def on_train_batch_end(self, batch, logs=None):
        weights = [keras.ops.convert_to_numpy(v) for v in self.model.trainable_variables]
        if self._average is None:
            self._average = [w.astype("float64") for w in weights]
            return
        m = self.momentum
        for avg, w in zip(self._average, weights):
            avg *= m
            avg += (1.0 - m) * w

    def averaged_weights(self) -> list[np.ndarray]:
        """The averages of ``model.trainable_variables``, in the same order."""
        if self._average is None:
            raise ValueError("no average yet: train with this callback first")
        return [a.astype("float32") for a in self._average]

    def swap_in(self, model):
        """Put the averaged weights into ``model`` (keeps the current ones)."""
        self._backup = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
        for v, a in zip(model.trainable_variables, self.averaged_weights()):
            v.assign(a)

    def swap_out(self, model):
        """Restore the weights ``swap_in`` replaced."""
        if self._backup is None:
            raise ValueError("swap_out without swap_in")
        for v, w in zip(model.trainable_variables, self._backup):
            v.assign(w)
        self._backup = None
