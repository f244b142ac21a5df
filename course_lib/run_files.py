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

``course_lib.training`` writes and reads these files through the helpers here:
``check_run_dir`` (the ``run_dir`` argument), ``pending_path`` (where a backup file waits
until ``state.json`` names it), ``state_digest`` (the state's own checksum),
``finish_backups`` and ``finish_best`` (the renames after ``state.json`` is written) and
``verified_file`` (a backup file, checked against its SHA-256 before it is loaded).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

from course_lib.checks import check_choice, check_path
from course_lib.files import sha256_file

__all__ = ["BACKUP_DIR", "BEST_FILE", "BEST_TMP", "FORMAT", "LOCK_FILE", "STATE_FILE", "CheckpointError",
           "check_run_dir", "finish_backups", "finish_best", "pending_path", "read_run_state", "state_digest",
           "verified_file"]

STATE_FILE = "state.json"
BEST_FILE = "best.keras"
BEST_TMP = ".best.tmp.keras"
BACKUP_DIR = "backup"
#: Held (``course_lib.files.exclusive_lock``) by the one process that trains the run.
LOCK_FILE = ".lock"
#: An epoch's backup files are written under this prefix and renamed to their names once
#: ``state.json`` records their checksums: a file without it belongs to a saved epoch.
_PENDING = ".pending-"
FORMAT = 2  # 2: state.json carries its own SHA-256 and the run's full identity
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(ValueError):
    """A run directory's files are damaged, missing, or belong to a different run."""


def check_run_dir(run_dir) -> Path:
    """Return ``run_dir`` as a ``Path`` (``~`` expanded): a directory, or a path to create one at.

    Raises:
        TypeError: ``run_dir`` is not a non-empty ``str`` or ``os.PathLike``.
        ValueError: it holds a NUL character, or names an existing file.
    """
    if not isinstance(run_dir, (str, os.PathLike)) or not str(run_dir):
        raise TypeError(f"run_dir: expected a directory path, got {run_dir!r}")
    if "\0" in str(run_dir):
        raise ValueError(f"run_dir: a path cannot hold a NUL character, got {str(run_dir)!r}")
    path = Path(run_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"run_dir: expected a directory, but {path} is a file")
    return path


def _check_state_arg(state, keys=()) -> dict:
    """``state`` if it is a dict whose ``keys`` hold strings (as ``read_run_state`` returns it)."""
    if not isinstance(state, dict):
        raise TypeError(f"state: expected the run state dict that read_run_state returns, got {type(state).__name__}")
    bad = [k for k in keys if not isinstance(state.get(k), str)]
    if bad:
        raise ValueError(f"state: expected a run state naming its files and their checksums; {bad} missing or not "
                         "strings (pass what read_run_state returns)")
    return state


def state_digest(state: dict) -> str:
    """The SHA-256 (hex) of a run state without its own ``state_sha256`` entry.

    ``state.json`` stores it as ``state_sha256``, so a state changed after it was written
    no longer matches it.
    """
    body = {k: v for k, v in _check_state_arg(state).items() if k != "state_sha256"}
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
    if state.get("state_sha256") != state_digest(state):
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
    run_dir = check_run_dir(run_dir)
    path = run_dir / STATE_FILE
    if not path.exists():
        backup = run_dir / BACKUP_DIR
        saved = [p for p in backup.iterdir() if not p.name.startswith(_PENDING)] if backup.is_dir() else []
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


def verified_file(run_dir, state: dict, key: str) -> Path:
    """The backup file ``state[key]`` names, after checking it against ``state[key + "_sha256"]``.

    Args:
        run_dir: the run directory.
        state: its state, as ``read_run_state`` returns it.
        key: ``"weights"`` or ``"rng"``.

    Returns:
        the file's path.

    Raises:
        CheckpointError: the file is missing, or its SHA-256 differs from the recorded one.
    """
    run_dir = check_run_dir(run_dir)
    key = check_choice(key, "key", ("weights", "rng"))
    rel = _check_state_arg(state, (key, key + "_sha256"))[key]
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


def pending_path(path) -> Path:
    """Where a backup file is written before ``state.json`` names it: ``.pending-`` + its name."""
    path = check_path(path, "path")
    if not path.name:
        raise ValueError(f"path: expected the path of a file, got {str(path)!r}")
    return path.with_name(_PENDING + path.name)


def finish_backups(run_dir, state: dict) -> None:
    """Give an epoch's pending backup files their names once ``state.json`` records them.

    Run again after a kill between writing the state and renaming the files.

    Args:
        run_dir: the run directory.
        state: the state just written or read (``read_run_state``).
    """
    run_dir = check_run_dir(run_dir)
    _check_state_arg(state, ("weights", "weights_sha256", "rng", "rng_sha256"))
    for key in ("weights", "rng"):
        final = run_dir / state[key]
        waiting = pending_path(final)
        if waiting.exists() and sha256_file(waiting) == state[key + "_sha256"]:
            os.replace(waiting, final)


def finish_best(run_dir, state: dict | None) -> None:
    """Move a new best model into place once ``state.json`` records its checksum.

    Run again after a kill between writing the state and renaming the file, so
    ``best.keras`` always matches the checksum in ``state.json``.

    Args:
        run_dir: the run directory.
        state: its state (``read_run_state``), or ``None`` before the first saved epoch:
            then a ``BEST_TMP`` left by an epoch that never completed is removed.
    """
    run_dir = check_run_dir(run_dir)
    tmp = run_dir / BEST_TMP
    best = (_check_state_arg(state) if state is not None else {}).get("best")
    if best and not (isinstance(best, dict) and isinstance(best.get("sha256"), str)):
        raise ValueError(f"state: expected 'best' to record the best model's sha256, got {best!r}")
    if not tmp.exists():
        return
    if best and sha256_file(tmp) == best["sha256"]:
        os.replace(tmp, run_dir / BEST_FILE)
    else:  # written by an epoch that never completed
        tmp.unlink()
