"""Files that are either complete or absent: atomic writes and checksums.

Every file the course writes for later (a download's SHA-256 record, a run's
``state.json``, cached features, a cached model) goes through ``atomic_write``: the new
content is written to a temporary file beside the target, flushed to disk, then renamed
over the target in one step. A reader sees the old file or the new one, never a part;
a full disk or a kill leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from course_lib.checks import check_path, check_positive_int

__all__ = ["LockHeld", "atomic_write", "atomic_write_text", "exclusive_lock", "file_digest", "sha256_file"]


def file_digest(path: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """Hex digest (``"sha256"``, ``"md5"``, any ``hashlib`` name) of a file's bytes, read in chunks."""
    path = check_path(path, "path", kind="file")
    if algorithm not in hashlib.algorithms_available:
        raise ValueError(f"algorithm: expected a hashlib name such as 'sha256' or 'md5', got {algorithm!r}")
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    digest = hashlib.new(algorithm)
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    return file_digest(path, "sha256", chunk_size)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Create or replace ``path`` all at once: ``write(tmp)`` fills a temporary file.

    ``tmp`` is in the same folder and ends with ``path``'s suffix (so ``np.save`` and
    ``keras.Model.save`` accept it). It is flushed to disk and renamed over ``path``;
    if ``write`` raises (a full disk, a kill), ``path`` is untouched and ``tmp`` removed.

    Returns:
        ``path`` as a ``Path``.
    """
    path = check_path(path, "path", kind="file-or-new")
    if not callable(write):
        raise TypeError(f"write: expected a function of a temporary path, got {type(write).__name__}")
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """``atomic_write`` of a UTF-8 text file."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


class LockHeld(TimeoutError):
    """Another process holds the lock (``holder``: its process id, if it wrote one)."""

    def __init__(self, path: Path, holder: str, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(f"{path} is held by {holder} (waited {waited:.0f} s)")


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike, *, wait: float | None = None):
    """Hold an exclusive lock on the file ``path`` while the block runs, across processes.

    The holder writes its process id into the file. ``wait``: the most seconds to wait
    for another holder (``None``: as long as it takes, ``0``: not at all), after which
    ``LockHeld`` is raised. Where the file system has no locks (Windows, some network
    drives), the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks
        yield
        return
    path, started = Path(path), time.monotonic()
    with path.open("a+") as fh:
        locked = _try_lock(fh, fcntl)
        while locked is False:
            if wait is not None and time.monotonic() - started >= wait:
                fh.seek(0)
                holder = fh.read().strip()
                raise LockHeld(path, f"process {holder}" if holder.isdigit() else "another process",
                               time.monotonic() - started)
            time.sleep(0.1)
            locked = _try_lock(fh, fcntl)
        if locked is None:  # no locking on this file system
            yield
            return
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _try_lock(fh, fcntl) -> bool | None:
    """True: locked; False: another process holds it; None: the file system has no locks."""
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True
