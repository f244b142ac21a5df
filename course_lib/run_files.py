"""The files of a resumable run and their checks (used by ``course_lib.training``).

What the run directory holds::

    run_dir/state.json                      epoch, per-epoch history, best score,
                                            checksums of the files below
    run_dir/backup/epoch-NNNN.weights.h5    model + optimizer weights after epoch NNNN
    run_dir/backup/epoch-NNNN.rng.npz       random-generator states (dropout, noise)
    run_dir/best.keras                      the best model so far (``.keras`` format)

Every file is written under a new name and ``state.json`` is replaced atomically last
(a new ``best.keras`` is renamed into place just after), so a kill at any moment leaves
the previous complete state in place. A file that was damaged afterwards (a half-synced
Drive copy, a truncated upload) fails its SHA-256 check and raises ``CheckpointError``
saying which file and what to do, instead of an error from deep inside h5py or Keras.

The helpers with a leading underscore (hashing, atomic writes, verified reads) are
shared with ``course_lib.training`` only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

from course_lib.files import sha256_file

__all__ = ["BACKUP_DIR", "BEST_FILE", "BEST_TMP", "FORMAT", "LOCK_FILE", "PENDING", "STATE_FILE", "CheckpointError",
           "read_run_state"]

STATE_FILE = "state.json"
BEST_FILE = "best.keras"
BEST_TMP = ".best.tmp.keras"
BACKUP_DIR = "backup"
#: Held (``course_lib.files.exclusive_lock``) by the one process that trains the run.
LOCK_FILE = ".lock"
#: An epoch's backup files are written under this prefix and renamed to their names once
#: ``state.json`` records their checksums: a file without it belongs to a saved epoch.
PENDING = ".pending-"
FORMAT = 2  # 2: state.json carries its own SHA-256 and the run's full identity
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(ValueError):
    """A run directory's files are damaged, missing, or belong to a different run."""


def _run_dir(run_dir) -> Path:
    if not isinstance(run_dir, (str, os.PathLike)) or not str(run_dir):
        raise TypeError(f"run_dir: expected a directory path, got {run_dir!r}")
    if "\0" in str(run_dir):
        raise ValueError(f"run_dir: a path cannot hold a NUL character, got {str(run_dir)!r}")
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

    if state.get("format") != FORMAT:
        raise CheckpointError(
            f"{path} has format {state.get('format')!r}, not {FORMAT} (written by another "
            f"version of course_lib). Delete {path.parent} to train this run again."
        )
    if state.get("state_sha256") != _state_digest(state):
        raise bad("its contents do not match its own checksum (state_sha256)")
    epoch, history, best = state["epoch"], state["history"], state.get("best")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
        raise bad(f"epoch must be a positive int, got {epoch!r}")
    if not isinstance(history, dict) or "loss" not in history or not all(
        isinstance(v, list) and len(v) == epoch and all(isinstance(x, (int, float)) for x in v)
        for v in history.values()
    ):
        raise bad(f"history must hold the loss and one number per epoch for each of the {epoch} epochs")
    if best is not None and not (
        isinstance(best, dict) and {"monitor", "value", "epoch", "sha256"} <= best.keys()
        and isinstance(best["epoch"], int) and 1 <= best["epoch"] <= epoch
        and isinstance(best["value"], (int, float)) and not isinstance(best["value"], bool)
        and math.isfinite(best["value"])
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
        backup = run_dir / BACKUP_DIR
        saved = [p for p in backup.iterdir() if not p.name.startswith(PENDING)] if backup.is_dir() else []
        leftovers = ([BACKUP_DIR] if saved else []) + ([BEST_FILE] if (run_dir / BEST_FILE).exists() else [])
        if leftovers:
            raise CheckpointError(
                f"{run_dir} holds {' and '.join(leftovers)} but no {STATE_FILE}: the run "
                "directory is incomplete (e.g. still being copied from Google Drive). Wait "
                f"for the copy to finish, or delete {run_dir} to train this run again."
            )
        return None  # nothing saved yet, or only the pending files of an interrupted first save
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
    got = sha256_file(path)
    if got != state[key + "_sha256"]:
        raise CheckpointError(
            f"the checkpoint {path} is corrupted or partial (sha256 {got[:12]}..., "
            f"expected {state[key + '_sha256'][:12]}...): it was cut off or changed after "
            f"it was written. Copy a complete version back, or delete {run_dir} to start over."
        )
    return path


def _pending(path: Path) -> Path:
    """Where a backup file is written before ``state.json`` names it."""
    return path.with_name(PENDING + path.name)


def _finish_backups(run_dir: Path, state: dict) -> None:
    """Give an epoch's pending backup files their names once ``state.json`` records them.

    Run again after a kill between writing the state and renaming the files.
    """
    for key in ("weights", "rng"):
        final = run_dir / state[key]
        waiting = _pending(final)
        if waiting.exists() and sha256_file(waiting) == state[key + "_sha256"]:
            os.replace(waiting, final)


def _finish_best(run_dir: Path, state: dict | None) -> None:
    """Move a new best model into place once ``state.json`` records its checksum.

    Run again after a kill between writing the state and renaming the file, so
    ``best.keras`` always matches the checksum in ``state.json``.
    """
    tmp = run_dir / BEST_TMP
    best = (state or {}).get("best")
    if not tmp.exists():
        return
    if best and sha256_file(tmp) == best["sha256"]:
        os.replace(tmp, run_dir / BEST_FILE)
    else:  # written by an epoch that never completed
        tmp.unlink()
