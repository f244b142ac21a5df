"""Safe extraction of downloaded archives (full scale only).

``safe_extract`` checks every member of a ``.zip`` or ``.tar[.gz|.bz2|.xz]`` before
anything is written — absolute paths, ``..``, links, device files, duplicate names and
decompression bombs are refused — and moves the result into place only when it is
complete. ``course_lib.data.download.fetch_and_extract`` downloads an archive and calls it.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from course_lib.checks import check_path, check_positive_int

__all__ = ["MAX_EXPANSION", "UnsafeArchiveError", "safe_extract"]


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the extraction directory (or is otherwise unsafe)."""


def _member_target(dest: Path, name: str) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"archive member {name!r} has an absolute path")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"archive member {name!r} climbs out with '..'")
    target = (dest / pure).resolve()
    if not target.is_relative_to(dest.resolve()):
        raise UnsafeArchiveError(f"archive member {name!r} would be written outside {dest}")
    return target


#: Largest ratio of extracted bytes to archive bytes ``safe_extract`` accepts by default
#: (real datasets are below 10; a decompression bomb is far above).
MAX_EXPANSION = 100


def _check_members(work: Path, names: list[str], sizes: list[int], links: list[str], archive: Path,
                   max_bytes: int) -> None:
    """Refuse the members before anything is written (``links``: links and special files)."""
    if links:
        raise UnsafeArchiveError(f"archive member {links[0]!r} is a symlink, link or special file")
    seen = set()
    for name in names:
        _member_target(work, name)
        key = PurePosixPath(name.replace("\\", "/")).as_posix().rstrip("/")
        if key in seen:
            raise UnsafeArchiveError(f"archive member {name!r} appears twice in {archive}")
        seen.add(key)
    if sum(sizes) > max_bytes:
        raise UnsafeArchiveError(
            f"{archive} would extract to {sum(sizes)} bytes, more than the limit of {max_bytes} "
            f"(max_bytes): refusing a possible decompression bomb"
        )


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike, *, keep=None,
                 max_bytes: int | None = None) -> Path:
    """Extract a ``.zip`` or ``.tar[.gz|.bz2|.xz]`` into ``dest``, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, ``..``
    components, links, device files and duplicate names are refused with
    ``UnsafeArchiveError``, and so is an archive whose members add up to more than
    ``max_bytes`` (default ``MAX_EXPANSION`` times the archive's size). The archive is
    unpacked into a temporary directory next to ``dest`` and moved into place only when
    complete, so an interrupted extraction leaves no half-filled ``dest``.

    Args:
        archive: the archive file; dest: the folder to create.
        keep: optional ``keep(member_name) -> bool``; members it rejects are skipped.
        max_bytes: the most bytes the extracted members may hold.

    Returns:
        ``dest`` as a ``Path``.
    """
    archive, dest = check_path(archive, "archive"), check_path(dest, "dest", kind="dir-or-new")
    if not archive.is_file():
        raise FileNotFoundError(f"no archive at {archive}")
    if keep is not None and not callable(keep):
        raise TypeError(f"keep: expected a function of a member name, got {type(keep).__name__}")
    if max_bytes is None:
        max_bytes = max(MAX_EXPANSION * archive.stat().st_size, 1 << 20)
    max_bytes = check_positive_int(max_bytes, "max_bytes", maximum=1 << 62)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                infos = [i for i in zf.infolist() if keep is None or keep(i.filename)]
                links = [i.filename for i in infos if ((i.external_attr >> 16) & 0o170000) == 0o120000]
                _check_members(work, [i.filename for i in infos], [i.file_size for i in infos], links,
                               archive, max_bytes)
                zf.extractall(work, members=infos)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = [m for m in tf.getmembers() if keep is None or keep(m.name)]
                links = [m.name for m in members if not (m.isfile() or m.isdir())]
                _check_members(work, [m.name for m in members], [m.size for m in members], links,
                               archive, max_bytes)
                tf.extractall(work, members=members, filter="data")
        else:
            raise ValueError(f"{archive} is neither a zip nor a tar archive")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dest
