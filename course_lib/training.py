"""Resumable training: survive a disconnected Colab session without losing an epoch.

``fit_resumable`` trains a compiled Keras model for a number of epochs and keeps, in a
run directory you choose (on Colab: a folder of your mounted Google Drive), everything
needed to continue after the process dies::

    run = fit_resumable(model, x, y, run_dir="/content/drive/MyDrive/runs/lstm-1",
                        epochs=20, batch_size=64, validation_data=(x_val, y_val))
    best = load_best(run.run_dir)

Run the same cell again after a crash and training continues after the last completed
epoch; on the same machine (CPU, same seed, deterministic ops as ``setup_notebook``
sets them) it ends with the same weights and the same per-epoch metrics as a run that
was never interrupted. On a GPU, or on another machine, the resumed run is a valid
continuation but not bit-identical.

The run directory's files, their checksums and ``CheckpointError`` are described in
``course_lib.run_files``.

Exact resumption needs the data order of every epoch to depend only on ``(seed,
epoch)``: ``fit_resumable`` shuffles with a stateless permutation per epoch rather than
with ``fit(shuffle=True)``, and it saves the dropout generators' states, which Keras's
own ``save_weights`` leaves out.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from course_lib.checks import check_choice, check_class_targets, check_positive_int, check_seed
from course_lib.files import LockHeld, atomic_write_text, exclusive_lock, sha256_file
from course_lib.fitting import build_optimizer
from course_lib.run_files import (  # the run directory's files and their checks
    BACKUP_DIR,
    BEST_FILE,
    BEST_TMP,
    FORMAT,
    LOCK_FILE,
    STATE_FILE,
    CheckpointError,
    check_run_dir,
    finish_backups,
    finish_best,
    pending_path,
    read_run_state,
    state_digest,
    verified_file,
)
from course_lib.run_identity import (
    data_fingerprint,
    jsonable,
    model_fingerprint,
    optimizer_settings,
)

__all__ = [
    "CheckpointError",
    "ResumableBackup",
    "TrainingRun",
    "data_fingerprint",
    "fit_resumable",
    "load_best",
    "model_fingerprint",
    "read_run_state",
]


def _extra_variables(model) -> list:
    """Variables that ``save_weights`` leaves out: the seed generators' states."""
    saved = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in saved]  # in layer order


def _best_mode(monitor: str, mode: str) -> str:
    check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "max" if re.search(r"acc|auc|bleu|precision|recall|f1", monitor) else "min"


class ResumableBackup(keras.callbacks.Callback):
    """``keras.callbacks.BackupAndRestore`` made safe to kill and to copy around.

    Like Keras's callback it saves the model and optimizer after every epoch, and
    ``restore`` loads the last saved epoch so that training continues after it. In
    addition:

    - files are written under new names and ``state.json`` is replaced atomically last,
      so a kill between two writes cannot pair new weights with an old epoch number;
    - every file is checked against its SHA-256 before loading (``CheckpointError``);
    - the seed generators' states (dropout) and the per-epoch history are saved too;
    - the best model so far is saved as ``best.keras`` when ``monitor`` improves;
    - nothing is deleted when training ends, so a finished run can be reloaded.

    ``fit_resumable`` uses it for you. On its own, restore first and tell ``fit`` where
    to start (the epoch is passed explicitly, not through the model's private state)::

        backup = ResumableBackup(run_dir, monitor="val_loss")
        done = backup.restore(model)
        model.fit(x, y, epochs=20, initial_epoch=done, callbacks=[backup], ...)

    Args:
        run_dir: the run's directory (created when the first epoch ends).
        monitor: metric that decides the best model, e.g. ``"val_loss"``; ``None``
            saves no best model.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
        config: JSON-able settings that must match when resuming (e.g. batch size).
    """

    def __init__(self, run_dir, monitor: str | None = "val_loss", mode: str = "auto",
                 config: dict | None = None):
        run_dir = check_run_dir(run_dir)
        super().__init__()
        self.run_dir = run_dir
        if monitor is not None and not isinstance(monitor, str):
            raise TypeError(f"monitor: expected a metric name such as 'val_loss' or None, "
                            f"got {type(monitor).__name__}")
        self.monitor = monitor
        self.mode = _best_mode(monitor, mode) if monitor else mode
        self.config = dict(config or {})
        self.state: dict | None = None
        self._restored = False
        self._lock = contextlib.ExitStack()
        self._holding = False

    # -- one process per run directory -------------------------------------------
    def _hold_run_dir(self) -> None:
        """Lock the run directory until training ends: a second process gets a clear error."""
        if self._holding:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.enter_context(exclusive_lock(self.run_dir / LOCK_FILE, wait=0))
            self._holding = True
        except LockHeld as held:
            raise CheckpointError(
                f"{self.run_dir} is in use by {held.holder}, which is training this run (another "
                "notebook tab, or a cell still running). Stop it (Kernel -> Interrupt) or wait for it, "
                "or train into another run_dir."
            ) from None

    def release(self) -> None:
        """Let another process train into the run directory (``on_train_end`` calls it)."""
        self._lock.close()
        self._holding = False

    def on_train_end(self, logs=None):
        self.release()

    # -- restoring ---------------------------------------------------------------
    def restore(self, model=None) -> int:
        """Load the last saved epoch into the model; return the number of epochs done."""
        self._hold_run_dir()
        try:
            return self._restore(model if model is not None else self.model)
        except BaseException:
            self.release()
            raise

    def _restore(self, model) -> int:
        state = read_run_state(self.run_dir)
        self._restored = True
        if state is None:
            self.state = None
            return 0
        saved_config, config = state.get("config", {}), jsonable(self.config)
        if saved_config != config:
            differ = sorted(k for k in set(saved_config) | set(config) if saved_config.get(k) != config.get(k))
            details = "; ".join(f"{k}: saved {saved_config.get(k)!r}, now {config.get(k)!r}" for k in differ)
            raise CheckpointError(
                f"{self.run_dir} holds another run (it differs in {', '.join(differ)}: {details}): "
                "use a new run_dir, or the same model, data and settings to resume."
            )
        finish_backups(self.run_dir, state)
        weights = verified_file(self.run_dir, state, "weights")
        rng = verified_file(self.run_dir, state, "rng")
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        try:
            model.load_weights(str(weights))
        except (ValueError, KeyError) as err:
            raise CheckpointError(
                f"{weights} does not fit this model ({str(err).splitlines()[0]}): the run "
                f"directory {self.run_dir} belongs to a different architecture. Use a new run_dir."
            ) from None
        extra = _extra_variables(model)
        with np.load(rng) as saved:
            arrays = [saved[f"v{i}"] for i in range(len(saved.files))]
        # names like seed_generator_3 depend on how many models the process built, so
        # the generators are matched by order and shape
        if [a.shape for a in arrays] != [tuple(v.shape) for v in extra]:
            raise CheckpointError(
                f"{rng} holds {len(arrays)} random-generator states, but the model has "
                f"{len(extra)} ({[v.path for v in extra]}): use a new run_dir for a "
                "different model."
            )
        for var, value in zip(extra, arrays):
            var.assign(value)
        self.state = state
        finish_best(self.run_dir, state)
        _check_best_present(self.run_dir, state)
        return int(state["epoch"])

    def on_train_begin(self, logs=None):
        if not self._restored:
            raise ValueError(
                f"ResumableBackup({self.run_dir}): call restore(model) before fit and pass what "
                "it returns as fit's initial_epoch, so that saved epochs are continued, not overwritten"
            )
        self._restored = False

    # -- saving ------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        state = self.state or {
            "format": FORMAT,
            "history": {},
            "best": None,
            "config": jsonable(self.config),
        }
        done = epoch + 1
        history = {k: list(v)[:epoch] for k, v in state["history"].items()}
        for key, value in logs.items():
            history.setdefault(key, [math.nan] * epoch).append(value)
        best = state.get("best")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.monitor is not None:
            if self.monitor not in logs:
                raise ValueError(
                    f"monitor: expected one of the logged metrics {sorted(logs)}, "
                    f"got {self.monitor!r}"
                )
            score = logs[self.monitor]
            better = best is None or (
                score < best["value"] if self.mode == "min" else score > best["value"]
            )
            if better and math.isfinite(score):
                # saved as .best.tmp.keras, renamed to best.keras once state.json names it
                tmp = self.run_dir / BEST_TMP
                self.model.save(tmp)
                best = {"monitor": self.monitor, "value": score, "epoch": done,
                        "sha256": sha256_file(tmp)}
        backup = self.run_dir / BACKUP_DIR
        backup.mkdir(parents=True, exist_ok=True)
        # written under pending names, renamed once state.json records them: a kill at any
        # instant leaves either the last epoch's files or pending ones that nothing names
        weights = backup / f"epoch-{done:04d}.weights.h5"
        rng = backup / f"epoch-{done:04d}.rng.npz"
        self.model.save_weights(str(pending_path(weights)), overwrite=True)
        extra = _extra_variables(self.model)
        arrays = {f"v{i}": np.asarray(keras.ops.convert_to_numpy(v.value)) for i, v in enumerate(extra)}
        with pending_path(rng).open("wb") as fh:
            np.savez(fh, **arrays)
        state = {
            **state,
            "format": FORMAT,
            "epoch": done,
            "history": history,
            "best": best,
            "weights": f"{BACKUP_DIR}/{weights.name}",
            "weights_sha256": sha256_file(pending_path(weights)),
            "rng": f"{BACKUP_DIR}/{rng.name}",
            "rng_sha256": sha256_file(pending_path(rng)),
        }
        state["state_sha256"] = state_digest(state)
        atomic_write_text(self.run_dir / STATE_FILE, json.dumps(state, indent=1))
        self.state = state
        finish_backups(self.run_dir, state)
        finish_best(self.run_dir, state)
        keep = {weights.name, rng.name}
        for old in backup.iterdir():
            if old.name not in keep:
                old.unlink(missing_ok=True)


@dataclass
class TrainingRun:
    """What ``fit_resumable`` did (also what ``captioning.fit_captioner`` returns).

    Attributes:
        run_dir: the run directory, or ``None`` for a run trained in memory only.
        history: metric name -> one value per epoch, from epoch 1 (including the epochs
            trained before an interruption).
        initial_epoch: epochs already done when this call started (0 = fresh run).
        best: ``{"monitor", "value", "epoch", "sha256"}`` of ``best.keras``, or ``None``.
    """

    run_dir: Path | None
    history: dict[str, list[float]] = field(default_factory=dict)
    initial_epoch: int = 0
    best: dict | None = None

    @property
    def best_path(self) -> Path | None:
        return self.run_dir / BEST_FILE if self.best else None


def _epoch_dataset(x, y, n: int, batch_size: int, seed: int, first: int, epochs: int):
    """Batches of epochs ``first .. epochs-1``; epoch e is shuffled by ``(seed, e)`` only."""
    import tensorflow as tf

    xs = tuple(tf.constant(a) for a in x)
    yt = tf.constant(y)

    def one_epoch(e):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), e])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(idx):
        inputs = tuple(tf.gather(a, idx) for a in xs)
        return (inputs[0] if len(inputs) == 1 else inputs), tf.gather(yt, idx)

    ds = tf.data.Dataset.range(first, epochs, output_type=tf.int64).flat_map(one_epoch)
    return ds.map(gather).prefetch(2)


#: Callbacks whose state a resumed run would silently restart (patience counters,
#: plateau waits); fit_resumable refuses them rather than give a different run.
STATEFUL_CALLBACKS = (keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau)


def _resume_unsafe(callback) -> str | None:
    """Why ``callback`` would make a resumed run differ from an uninterrupted one, or None."""
    name = type(callback).__name__
    if isinstance(callback, STATEFUL_CALLBACKS):
        return (f"{name} keeps state across epochs that a resumed run would restart, so the run would "
                "differ from an uninterrupted one; train with a fixed number of epochs and pick the best "
                "epoch from best.keras instead")
    if isinstance(callback, keras.callbacks.ModelCheckpoint) and callback.save_best_only:
        return (f"{name}(save_best_only=True) forgets its best score when a run resumes and would save "
                "a worse model over the best one; fit_resumable keeps the best model as best.keras")
    if isinstance(callback, keras.callbacks.CSVLogger) and not callback.append:
        return (f"{name}(append=False) empties its file when a run resumes, losing the lines of the "
                "epochs before; pass append=True, or read the whole history from the TrainingRun")
    return None


def fit_resumable(
    model,
    x,
    y,
    *,
    run_dir,
    epochs: int,
    batch_size: int = 32,
    validation_data=None,
    seed: int = 0,
    monitor: str | None = None,
    mode: str = "auto",
    callbacks=None,
    verbose: int = 0,
) -> TrainingRun:
    """Train ``model`` for ``epochs`` epochs, continuing a run saved in ``run_dir``.

    Args:
        model: a compiled Keras model.
        x: (N, ...) inputs, or a list/tuple of arrays that all have N rows.
        y: (N, ...) targets.
        run_dir: directory for the run's state (its files are described in
            ``course_lib.run_files``). Use one directory per run; on Colab put it on
            Google Drive.
        epochs: total number of epochs of the run (not the number still to do).
        batch_size: examples per step; the last batch of an epoch may be smaller.
        validation_data: ``(x_val, y_val)`` evaluated after every epoch, or ``None``.
        seed: decides each epoch's shuffle (with the epoch number only).
        monitor: metric that picks ``best.keras``; default ``"val_loss"`` with
            validation data, ``"loss"`` without.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        callbacks: more Keras callbacks (they see only the epochs trained in this call).
        verbose: passed to ``model.fit``.

    Returns:
        a ``TrainingRun`` whose ``history`` covers every epoch of the run.

    Raises:
        CheckpointError: the run directory is damaged or belongs to a different run.
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    xs, y, val_arrays = _check_fit_data(model, x, y, validation_data, callbacks)
    n = y.shape[0]
    monitor = monitor or ("val_loss" if validation_data is not None else "loss")
    backup = ResumableBackup(
        run_dir, monitor=monitor, mode=mode,
        config={"batch_size": batch_size, "seed": seed, "examples": int(n), "monitor": monitor,
                "optimizer": optimizer_settings(model.optimizer),
                "model": model_fingerprint(model),
                "loss": jsonable(keras.saving.serialize_keras_object(model.loss)),
                "data": data_fingerprint(*xs, y, *val_arrays)},
    )
    done = backup.restore(model)  # holds the run directory until the end
    try:
        if done > epochs:
            raise ValueError(
                f"epochs: {backup.run_dir} already holds {done} trained epochs, more than "
                f"epochs={epochs}; ask for at least {done}, or use a new run_dir"
            )
        if done < epochs:
            build_optimizer(model)  # the training step is then traced once, not twice
            model.fit(
                _epoch_dataset(xs, y, n, batch_size, seed, done, epochs), epochs=epochs, initial_epoch=done,
                steps_per_epoch=math.ceil(n / batch_size), validation_data=validation_data,
                callbacks=[backup, *(callbacks or [])], shuffle=False, verbose=verbose,
            )
    finally:
        backup.release()
    run = TrainingRun(run_dir=backup.run_dir, initial_epoch=done)
    state = backup.state or {}
    run.history = {k: list(v) for k, v in state.get("history", {}).items()}
    run.best = state.get("best")
    return run


def _check_fit_data(model, x, y, validation_data, callbacks):
    """Check what ``fit_resumable`` is given (building the model if needed).

    Returns:
        ``xs`` (the input arrays, each (N, ...)), ``y`` (N, ...) and the validation arrays
        (``[]`` without validation data).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model: expected a compiled model; call model.compile(...) first")
    xs = _as_arrays(x, "x")
    if isinstance(y, (list, tuple)):
        raise TypeError("y: expected one array of targets, got a list or tuple")
    y = _as_arrays(y, "y")[0]
    n = y.shape[0]
    for i, a in enumerate(xs):
        if a.shape[0] != n:
            raise ValueError(
                f"x{'' if len(xs) == 1 else f'[{i}]'} and y must have the same number of "
                f"examples, got {a.shape[0]} and {n}"
            )
    if n == 0:
        raise ValueError("x: expected at least one example, got 0")
    if validation_data is not None and (
        not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2
    ):
        raise TypeError("validation_data: expected a pair (x_val, y_val) or None")
    if not model.built:
        model(xs[0][:1] if len(xs) == 1 else [a[:1] for a in xs])
    check_class_targets(model, y, "y")
    for callback in callbacks or []:
        reason = _resume_unsafe(callback)
        if reason:
            raise ValueError(f"callbacks: {reason}")
    if validation_data is None:
        return xs, y, []
    vx, vy = validation_data
    return xs, y, [*_as_arrays(vx, "validation_data[0]"), *_as_arrays(vy, "validation_data[1]")]


def _as_arrays(x, name: str) -> list[np.ndarray]:
    items = list(x) if isinstance(x, (list, tuple)) else [x]
    if not items:
        raise ValueError(f"{name}: expected an array or a non-empty list of arrays")
    out = []
    for i, a in enumerate(items):
        if hasattr(a, "numpy") and not isinstance(a, np.ndarray):
            a = a.numpy()
        arr = np.asarray(a)
        if arr.dtype == object or arr.ndim == 0:
            raise TypeError(f"{name}: expected numeric arrays of shape (N, ...), got {arr.dtype} "
                            f"with shape {arr.shape} at position {i}")
        out.append(arr)
    return out


def _check_best_present(run_dir: Path, state: dict | None) -> None:
    """A state that records a best model needs its ``best.keras`` (a half-copied run lacks it)."""
    best = (state or {}).get("best")
    if best and not (run_dir / BEST_FILE).is_file():
        raise CheckpointError(
            f"{run_dir / STATE_FILE} records a best model (epoch {best['epoch']}) but {BEST_FILE} is "
            f"missing: the run directory is incomplete (e.g. still being copied from Google Drive). "
            f"Copy the whole run directory back, or delete {run_dir} to train this run again."
        )


def load_best(run_dir, *, custom_objects: dict | None = None):
    """Load the run's best model (``best.keras``) with safe mode on.

    Returns:
        the ``keras.Model`` saved when the monitored metric was best.

    Raises:
        FileNotFoundError: the run saved no best model yet.
        CheckpointError: ``best.keras`` does not match its recorded SHA-256, is not a
            readable ``.keras`` file, or is missing while ``state.json`` records it.
    """
    run_dir = check_run_dir(run_dir)
    path = run_dir / BEST_FILE
    state = read_run_state(run_dir)
    finish_best(run_dir, state)
    _check_best_present(run_dir, state)
    if not path.is_file():
        raise FileNotFoundError(f"no best model at {path}: train with fit_resumable first")
    best = (state or {}).get("best")
    if best and sha256_file(path) != best["sha256"]:
        raise CheckpointError(
            f"{path} is corrupted or partial (its sha256 differs from the one recorded in "
            f"{run_dir / STATE_FILE}). Copy a complete version back or train the run again."
        )
    import zipfile

    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a complete .keras file (not a zip archive)")
    return keras.saving.load_model(path, custom_objects=custom_objects, safe_mode=True)
