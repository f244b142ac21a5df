"""Safe extraction of downloaded archives (full scale only).

``safe_extract`` checks every member of a ``.zip`` or ``.tar[.gz|.bz2|.xz]`` before
anything is written — absolute paths, ``..``, links, device files, duplicate names and
decompression bombs are refused — and moves the result into place only when it is
complete. ``course_lib.data.download.fetch_and_extract`` downloads an archive and calls it.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
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
#: What one member costs on disk beyond its bytes, at least (a file system block for an
#: empty file or a directory): an archive of many empty entries expands too.
_ENTRY_BYTES = 4096


def _check_members(work: Path, names: list[str], sizes: list[int], links: list[str], archive: Path,
                   max_bytes: int) -> None:
    """Refuse the members before anything is written (``links``: links and special files)."""
    if links:
        raise UnsafeArchiveError(f"archive member {links[0]!r} is a symlink, link or special file")
    seen, folders = set(), set()
    for name in names:
        _member_target(work, name)
        key = PurePosixPath(name.replace("\\", "/")).as_posix().rstrip("/")
        if key in seen:
            raise UnsafeArchiveError(f"archive member {name!r} appears twice in {archive}")
        seen.add(key)
        folders.update(p.as_posix() for p in PurePosixPath(key).parents)
    files = {PurePosixPath(n.replace("\\", "/")).as_posix() for n in names if not n.endswith(("/", "\\"))}
    both = sorted(files & folders)
    if both:
        raise UnsafeArchiveError(f"archive member {both[0]!r} is both a file and a folder in {archive}")
    total = sum(sizes) + _ENTRY_BYTES * len(names)
    if total > max_bytes:
        raise UnsafeArchiveError(
            f"{archive} would extract to about {total} bytes ({len(names)} entries holding {sum(sizes)} "
            f"bytes, {_ENTRY_BYTES} bytes counted per entry), more than the limit of {max_bytes} "
            f"(max_bytes): refusing a possible decompression bomb"
        )


#: the compressed streams a tar archive may come in: their first bytes and their reader
_STREAMS = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))
#: what Python raises for a damaged or cut-off archive
_DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError)


def _check_stream_complete(archive: Path) -> None:
    """Read a compressed tar archive's stream to its end: a cut-off download fails here
    (tarfile stops quietly once it has read the members)."""
    with archive.open("rb") as f:
        head = f.read(6)
    for magic, opener in _STREAMS:
        if head.startswith(magic):
            with opener(archive, "rb") as stream:
                while stream.read(1 << 20):
                    pass


def _extract_into(archive: Path, work: Path, keep, max_bytes: int) -> None:
    """Check every member of ``archive``, then extract the kept ones into ``work``."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if keep is None or keep(i.filename)]
            links = [i.filename for i in infos if ((i.external_attr >> 16) & 0o170000) == 0o120000]
            _check_members(work, [i.filename for i in infos], [i.file_size for i in infos], links,
                           archive, max_bytes)
            zf.extractall(work, members=infos)
    elif tarfile.is_tarfile(archive):
        _check_stream_complete(archive)
        with tarfile.open(archive) as tf:
            members = [m for m in tf.getmembers() if keep is None or keep(m.name)]
            links = [m.name for m in members if not (m.isfile() or m.isdir())]
            names = [m.name + "/" if m.isdir() else m.name for m in members]  # folders end in "/", as in a zip
            _check_members(work, names, [m.size for m in members], links,
                           archive, max_bytes)
            tf.extractall(work, members=members, filter="data")
    else:
        raise ValueError(f"{archive} is neither a zip nor a tar archive")


def _check_free(dest: Path, replaceable: str | None) -> None:
    """``dest`` must be new, an empty folder, or (``replaceable``) a folder holding that file."""
    if not dest.exists():
        return
    if not dest.is_dir():
        raise FileExistsError(f"dest: {dest} is a file, expected a folder to extract into")
    entries = sorted(p.name for p in dest.iterdir())
    if entries and not (replaceable and replaceable in entries):
        raise FileExistsError(
            f"dest: {dest} already holds {len(entries)} entries (e.g. {entries[0]!r}); extraction never "
            "replaces files it did not create: pass a new or empty folder, or move these away first")


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike, *, keep=None,
                 max_bytes: int | None = None, stamp: tuple[str, str] | None = None) -> Path:
    """Extract a ``.zip`` or ``.tar[.gz|.bz2|.xz]`` into ``dest``, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, ``..``
    components, links, device files and duplicate names are refused with
    ``UnsafeArchiveError``, and so is an archive whose members add up to more than
    ``max_bytes`` (default ``MAX_EXPANSION`` times the archive's size; each member counts
    4,096 bytes more). The archive is unpacked into a temporary directory next to
    ``dest`` and moved into place only when complete, so an interrupted extraction leaves
    no half-filled ``dest``. A ``dest`` that already holds files is refused
    (``FileExistsError``): nothing the extraction did not create is ever removed.

    Args:
        archive: the archive file; dest: the folder to create (new or empty).
        keep: optional ``keep(member_name) -> bool``; members it rejects are skipped.
        max_bytes: the most bytes the extracted members may hold.
        stamp: optional ``(file name, text)`` written into the extracted folder before it
            is moved into place, so the folder carries it exactly when it is complete. A
            ``dest`` holding a file of that name is an earlier extraction of the caller's
            and is replaced.

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
    if stamp is not None and (not isinstance(stamp, tuple) or len(stamp) != 2
                              or not all(isinstance(v, str) and v for v in stamp) or "/" in stamp[0]):
        raise TypeError(f"stamp: expected a (file name, text) pair of non-empty strings, got {stamp!r}")
    _check_free(dest, stamp[0] if stamp else None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        try:
            _extract_into(archive, work, keep, max_bytes)
        except tarfile.FilterError as err:  # a refusal, not damage (the checks above catch these first)
            raise UnsafeArchiveError(f"archive {archive}: tarfile's data filter refused a member ({err})") from None
        except _DAMAGE as err:
            raise ValueError(f"archive: {archive} is damaged or cut off ({err}); download it again") from None
        if stamp is not None:
            (work / stamp[0]).write_text(stamp[1], encoding="utf-8")
        _check_free(dest, stamp[0] if stamp else None)  # again: it may have changed meanwhile
        old = None
        if dest.exists() and any(dest.iterdir()):  # the caller's own earlier extraction (its stamp)
            old = Path(tempfile.mkdtemp(prefix=dest.name + ".old.", dir=dest.parent))
            os.replace(dest, old / "previous")
        os.replace(work, dest)  # onto nothing or an empty folder
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dest
