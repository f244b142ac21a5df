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

What the run directory holds::

    run_dir/state.json                      epoch, per-epoch history, best score,
                                            checksums of the files below
    run_dir/backup/epoch-NNNN.weights.h5    model + optimizer weights after epoch NNNN
    run_dir/backup/epoch-NNNN.rng.npz       random-generator states (dropout, noise)
    run_dir/best.keras                      the best model so far (``.keras`` format)

Every file is written under a new name and ``state.json`` is replaced atomically last
(a new ``best.keras`` is renamed into place just after), so a kill at any moment leaves
the previous complete state in place. A file that was
damaged afterwards (a half-synced Drive copy, a truncated upload) fails its SHA-256
check and raises ``CheckpointError`` saying which file and what to do, instead of an
error from deep inside h5py or Keras.

Exact resumption needs the data order of every epoch to depend only on ``(seed,
epoch)``: ``fit_resumable`` shuffles with a stateless permutation per epoch rather than
with ``fit(shuffle=True)``, and it saves the dropout generators' states, which Keras's
own ``save_weights`` leaves out.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from course_lib.checks import check_array, check_choice, check_positive_int
from course_lib.run_identity import (
    data_fingerprint,
    jsonable,
    model_fingerprint,
    optimizer_settings,
)

__all__ = [
    "CheckpointError",
    "ResumableBackup",
    "check_class_targets",
    "TrainingRun",
    "data_fingerprint",
    "fit_resumable",
    "load_best",
    "model_fingerprint",
    "read_run_state",
]

STATE_FILE = "state.json"
BEST_FILE = "best.keras"
BEST_TMP = ".best.tmp.keras"
BACKUP_DIR = "backup"
_FORMAT = 2  # 2: state.json carries its own SHA-256 and the run's full identity
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(ValueError):
    """A run directory's files are damaged, missing, or belong to a different run."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _run_dir(run_dir) -> Path:
    if not isinstance(run_dir, (str, os.PathLike)) or not str(run_dir):
        raise TypeError(f"run_dir: expected a directory path, got {run_dir!r}")
    path = Path(run_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"run_dir: expected a directory, but {path} is a file")
    return path


def _state_digest(state: dict) -> str:
    body = {k: v for k, v in state.items() if k != "state_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _check_state(path: Path, state: dict) -> None:
    """Raise ``CheckpointError`` unless ``state`` is a well-formed, unmodified run state."""
    def bad(what):
        return CheckpointError(
            f"{path}: {what}. The file was changed or damaged after it was written; copy a "
            f"complete run directory back, or delete {path.parent} to train this run again."
        )

    if state.get("format") != _FORMAT:
        raise CheckpointError(
            f"{path} has format {state.get('format')!r}, not {_FORMAT} (written by another "
            f"version of course_lib). Delete {path.parent} to train this run again."
        )
    if state.get("state_sha256") != _state_digest(state):
        raise bad("its contents do not match its own checksum (state_sha256)")
    epoch, history, best = state["epoch"], state["history"], state.get("best")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
        raise bad(f"epoch must be a positive int, got {epoch!r}")
    if not isinstance(history, dict) or not all(
        isinstance(v, list) and len(v) == epoch and all(isinstance(x, (int, float)) for x in v)
        for v in history.values()
    ):
        raise bad(f"history must hold one number per epoch for each of the {epoch} epochs")
    if best is not None and not (
        isinstance(best, dict) and {"monitor", "value", "epoch", "sha256"} <= best.keys()
        and isinstance(best["epoch"], int) and 1 <= best["epoch"] <= epoch
        and isinstance(best["sha256"], str) and _HEX64.match(best["sha256"])
    ):
        raise bad(f"best must describe a model saved at an epoch 1..{epoch}, got {best!r}")
    for key in ("weights", "rng"):
        rel = state[key]
        if not isinstance(rel, str) or not rel.startswith(BACKUP_DIR + "/") or ".." in rel:
            raise bad(f"{key} must name a file in {BACKUP_DIR}/, got {rel!r}")
        if not isinstance(state[key + "_sha256"], str) or not _HEX64.match(state[key + "_sha256"]):
            raise bad(f"{key}_sha256 must be 64 hex digits")
    if not isinstance(state.get("config", {}), dict):
        raise bad("config must be a dict")


def read_run_state(run_dir) -> dict | None:
    """The saved state of a run (``state.json``), or ``None`` if nothing was saved yet.

    Returns:
        a dict with ``epoch`` (epochs completed), ``history`` (metric name -> one value
        per completed epoch), ``best`` (monitored score and epoch, or ``None``), the
        backup files and their SHA-256, the run's ``config`` (its identity: settings,
        model, loss, optimizer, data fingerprint) and the state's own ``state_sha256``.

    Raises:
        CheckpointError: ``state.json`` exists but is not a complete, unmodified state
            file; or it is missing while other files of a run are there (a half-copied
            run directory).
    """
    run_dir = _run_dir(run_dir)
    path = run_dir / STATE_FILE
    if not path.exists():
        leftovers = [p.name for p in (run_dir / BACKUP_DIR, run_dir / BEST_FILE) if p.exists()]
        if leftovers:
            raise CheckpointError(
                f"{run_dir} holds {' and '.join(leftovers)} but no {STATE_FILE}: the run "
                "directory is incomplete (e.g. still being copied from Google Drive). Wait "
                f"for the copy to finish, or delete {run_dir} to train this run again."
            )
        return None
    try:
        state = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(
            f"{path} is corrupted or partial ({err}). Delete {path.parent} to train this "
            "run again from the start."
        ) from None
    needed = {"format", "epoch", "history", "weights", "weights_sha256", "rng", "rng_sha256"}
    if not isinstance(state, dict) or not needed <= state.keys():
        raise CheckpointError(
            f"{path} is not a course_lib run state (expected the keys {sorted(needed)}). "
            f"Delete {path.parent} to train this run again from the start."
        )
    _check_state(path, state)
    return state


def _verified(run_dir: Path, state: dict, key: str) -> Path:
    rel = state[key]
    path = run_dir / rel
    if not path.is_file():
        raise CheckpointError(
            f"the checkpoint {path} listed in {run_dir / STATE_FILE} is missing. "
            f"Copy the whole run directory back, or delete {run_dir} to start over."
        )
    got = _sha256(path)
    if got != state[key + "_sha256"]:
        raise CheckpointError(
            f"the checkpoint {path} is corrupted or partial (sha256 {got[:12]}..., "
            f"expected {state[key + '_sha256'][:12]}...): it was cut off or changed after "
            f"it was written. Copy a complete version back, or delete {run_dir} to start over."
        )
    return path


def _finish_best(run_dir: Path, state: dict | None) -> None:
    """Move a new best model into place once ``state.json`` records its checksum.

    Run again after a kill between writing the state and renaming the file, so
    ``best.keras`` always matches the checksum in ``state.json``.
    """
    tmp = run_dir / BEST_TMP
    best = (state or {}).get("best")
    if not tmp.exists():
        return
    if best and _sha256(tmp) == best["sha256"]:
        os.replace(tmp, run_dir / BEST_FILE)
    else:  # written by an epoch that never completed
        tmp.unlink()


def _extra_variables(model) -> list:
    """Variables that ``save_weights`` leaves out: the seed generators' states."""
    saved = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in saved]  # in layer order


def _best_mode(monitor: str, mode: str) -> str:
    check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "max" if re.search(r"acc|auc|bleu|precision|recall|f1", monitor) else "min"


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` made safe to kill and to copy around.

    Like Keras's callback it saves the model and optimizer after every epoch and, at
    the start of ``fit``, restores them and skips the epochs already done. In addition:

    - files are written under new names and ``state.json`` is replaced atomically last,
      so a kill between two writes cannot pair new weights with an old epoch number;
    - every file is checked against its SHA-256 before loading (``CheckpointError``);
    - the seed generators' states (dropout) and the per-epoch history are saved too;
    - the best model so far is saved as ``best.keras`` when ``monitor`` improves;
    - nothing is deleted when training ends, so a finished run can be reloaded.

    Args:
        run_dir: the run's directory (created when the first epoch ends).
        monitor: metric that decides the best model, e.g. ``"val_loss"``; ``None``
            saves no best model.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
        config: JSON-able settings that must match when resuming (e.g. batch size).
    """

    def __init__(self, run_dir, monitor: str | None = "val_loss", mode: str = "auto",
                 config: dict | None = None):
        run_dir = _run_dir(run_dir)
        super().__init__(backup_dir=str(run_dir / BACKUP_DIR), save_freq="epoch",
                         delete_checkpoint=False)
        self.run_dir = run_dir
        if monitor is not None and not isinstance(monitor, str):
            raise TypeError(f"monitor: expected a metric name such as 'val_loss' or None, "
                            f"got {type(monitor).__name__}")
        self.monitor = monitor
        self.mode = _best_mode(monitor, mode) if monitor else mode
        self.config = dict(config or {})
        self.state: dict | None = None
        self._restored = False

    # -- restoring ---------------------------------------------------------------
    def restore(self, model=None) -> int:
        """Load the last saved epoch into the model; return the number of epochs done."""
        model = model if model is not None else self.model
        state = read_run_state(self.run_dir)
        self._restored = True
        if state is None:
            self.state = None
            return 0
        saved_config, config = state.get("config", {}), _jsonable(self.config)
        if saved_config != config:
            differ = sorted(k for k in set(saved_config) | set(config) if saved_config.get(k) != config.get(k))
            details = "; ".join(f"{k}: saved {saved_config.get(k)!r}, now {config.get(k)!r}" for k in differ)
            raise CheckpointError(
                f"{self.run_dir} holds another run (it differs in {', '.join(differ)}: {details}): "
                "use a new run_dir, or the same model, data and settings to resume."
            )
        weights = _verified(self.run_dir, state, "weights")
        rng = _verified(self.run_dir, state, "rng")
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
        _finish_best(self.run_dir, state)
        return int(state["epoch"])

    def on_train_begin(self, logs=None):
        if not self._restored:
            # used directly as a callback of model.fit: restore like BackupAndRestore
            self.model._initial_epoch = self.restore() or None
        self._restored = False

    # -- saving ------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        state = self.state or {
            "format": _FORMAT,
            "history": {},
            "best": None,
            "config": _jsonable(self.config),
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
                        "sha256": _sha256(tmp)}
        backup = self.run_dir / BACKUP_DIR
        backup.mkdir(parents=True, exist_ok=True)
        weights = backup / f"epoch-{done:04d}.weights.h5"
        rng = backup / f"epoch-{done:04d}.rng.npz"
        self.model.save_weights(str(weights), overwrite=True)
        extra = _extra_variables(self.model)
        arrays = {f"v{i}": np.asarray(keras.ops.convert_to_numpy(v.value)) for i, v in enumerate(extra)}
        with rng.open("wb") as fh:
            np.savez(fh, **arrays)
        state = {
            **state,
            "format": _FORMAT,
            "epoch": done,
            "history": history,
            "best": best,
            "weights": f"{BACKUP_DIR}/{weights.name}",
            "weights_sha256": _sha256(weights),
            "rng": f"{BACKUP_DIR}/{rng.name}",
            "rng_sha256": _sha256(rng),
        }
        state["state_sha256"] = _state_digest(state)
        _atomic_write_text(self.run_dir / STATE_FILE, json.dumps(state, indent=1))
        self.state = state
        _finish_best(self.run_dir, state)
        keep = {weights.name, rng.name}
        for old in backup.iterdir():
            if old.name not in keep:
                old.unlink(missing_ok=True)

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_train_end(self, logs=None):
        # Keras never clears the epoch BackupAndRestore set; a later fit would skip epochs.
        self.model._initial_epoch = None


def _jsonable(value):
    return json.loads(json.dumps(value))


@dataclass
class TrainingRun:
    """What ``fit_resumable`` did.

    Attributes:
        run_dir: the run directory.
        history: metric name -> one value per epoch, from epoch 1 (including the epochs
            trained before an interruption).
        initial_epoch: epochs already done when this call started (0 = fresh run).
        best: ``{"monitor", "value", "epoch", "sha256"}`` of ``best.keras``, or ``None``.
    """

    run_dir: Path
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


def check_class_targets(model, y, name: str = "y") -> None:
    """Refuse class ids a model cannot score when its loss is sparse categorical cross-entropy.

    Args:
        model: a compiled, built Keras model whose last axis of output holds C classes.
        y: its integer targets; every id must be in [0, C) (or the loss's ``ignore_class``).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a Keras model, got {type(model).__name__}")
    loss = getattr(model, "loss", None)
    fn_name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or str(loss)
    if "sparse_categorical" not in str(fn_name):
        return
    ignore = loss.get_config().get("ignore_class") if hasattr(loss, "get_config") else None
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):  # a subclassed model: no static output shape
        return
    classes = shape[-1] if isinstance(shape, tuple) else None
    values = check_array(y, name, allow_empty=True)
    if classes is None or values.dtype.kind not in "iuf":
        return
    bad = (values < 0) | (values >= classes)
    if ignore is not None:
        bad &= values != ignore
    if bad.any():
        raise ValueError(f"{name}: expected class ids in [0, {classes}) for the model's {classes} "
                         f"outputs, got values in [{values.min()}, {values.max()}]")


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
        run_dir: directory for the run's state (see the module docstring). Use one
            directory per run; on Colab put it on Google Drive.
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
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model: expected a compiled model; call model.compile(...) first")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_positive_int(seed, "seed", minimum=0)
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
    monitor = monitor or ("val_loss" if validation_data is not None else "loss")

    if not model.built:
        model(xs[0][:1] if len(xs) == 1 else [a[:1] for a in xs])
    check_class_targets(model, y, "y")
    stateful = [type(c).__name__ for c in (callbacks or []) if isinstance(c, STATEFUL_CALLBACKS)]
    if stateful:
        raise ValueError(
            f"callbacks: {', '.join(stateful)} keeps state across epochs that a resumed run "
            "would restart, so the run would differ from an uninterrupted one; train with a "
            "fixed number of epochs and pick the best epoch from best.keras instead"
        )
    val_arrays = []
    if validation_data is not None:
        vx, vy = validation_data
        val_arrays = [*_as_arrays(vx, "validation_data[0]"), *_as_arrays(vy, "validation_data[1]")]
    backup = ResumableBackup(
        run_dir, monitor=monitor, mode=mode,
        config={"batch_size": batch_size, "seed": seed, "examples": int(n), "monitor": monitor,
                "optimizer": optimizer_settings(model.optimizer),
                "model": model_fingerprint(model),
                "loss": jsonable(keras.saving.serialize_keras_object(model.loss)),
                "data": data_fingerprint(*xs, y, *val_arrays)},
    )
    done = backup.restore(model)
    if done > epochs:
        raise ValueError(
            f"epochs: {backup.run_dir} already holds {done} trained epochs, more than "
            f"epochs={epochs}; ask for at least {done}, or use a new run_dir"
        )
    run = TrainingRun(run_dir=backup.run_dir, initial_epoch=done)
    if done < epochs:
        steps = math.ceil(n / batch_size)
        data = _epoch_dataset(xs, y, n, batch_size, seed, done, epochs)
        model.fit(
            data, epochs=epochs, initial_epoch=done, steps_per_epoch=steps,
            validation_data=validation_data, callbacks=[backup, *(callbacks or [])], shuffle=False,
            verbose=verbose,
        )
    state = backup.state or {}
    run.history = {k: list(v) for k, v in state.get("history", {}).items()}
    run.best = state.get("best")
    return run


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


def load_best(run_dir, *, custom_objects: dict | None = None):
    """Load the run's best model (``best.keras``) with safe mode on.

    Returns:
        the ``keras.Model`` saved when the monitored metric was best.

    Raises:
        FileNotFoundError: the run saved no best model yet.
        CheckpointError: ``best.keras`` does not match its recorded SHA-256 or is not a
            readable ``.keras`` file.
    """
    run_dir = _run_dir(run_dir)
    path = run_dir / BEST_FILE
    state = read_run_state(run_dir)
    _finish_best(run_dir, state)
    if not path.is_file():
        raise FileNotFoundError(f"no best model at {path}: train with fit_resumable first")
    best = (state or {}).get("best")
    if best and _sha256(path) != best["sha256"]:
        raise CheckpointError(
            f"{path} is corrupted or partial (its sha256 differs from the one recorded in "
            f"{run_dir / STATE_FILE}). Copy a complete version back or train the run again."
        )
    import zipfile

    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a complete .keras file (not a zip archive)")
    return keras.saving.load_model(path, custom_objects=custom_objects, safe_mode=True)
