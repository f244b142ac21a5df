"""Files that are either complete or absent: atomic writes and checksums.

Every file the course writes for later (a download's SHA-256 record, a run's
``state.json``, cached features, a cached model) goes through ``atomic_write``: the new
content is written to a temporary file beside the target, flushed to disk, then renamed
over the target in one step. A reader sees the old file or the new one, never a part;
a full disk or a kill leaves the old file as it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text", "file_digest", "sha256_file"]


def file_digest(path: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """Hex digest (``"sha256"``, ``"md5"``, any ``hashlib`` name) of a file's bytes, read in chunks."""
    digest = hashlib.new(algorithm)
    with Path(path).open("rb") as fh:
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
    path = Path(path)
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
