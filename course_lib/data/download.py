"""Checksummed, cached downloads and safe archive extraction (full scale only).

Lesson scale never calls this module. At full scale a dataset is fetched once into the
cache directory, verified against a pinned SHA-256, and reused; a corrupted cached file
is detected and fetched again. A download is written to a ``.part`` file and renamed
only after its checksum matched, so the cache holds either the right file or nothing.

Cache directory: ``$COURSE_DATA_DIR`` if set (on Colab, point it at a Google Drive
folder to keep downloads across sessions), else ``~/.cache/course_lib``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

__all__ = [
    "ChecksumError",
    "DownloadError",
    "UnsafeArchiveError",
    "cache_dir",
    "fetch",
    "fetch_and_extract",
    "safe_extract",
    "sha256_file",
]


class DownloadError(RuntimeError):
    """The file could not be downloaded (no network, HTTP error, connection cut)."""


class ChecksumError(ValueError):
    """A file's SHA-256 is not the pinned one."""


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the extraction directory."""


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """The directory downloads are cached in (created if missing)."""
    root = Path(path or os.environ.get("COURSE_DATA_DIR") or Path.home() / ".cache" / "course_lib")
    root = root.expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(sha256: str) -> str:
    if not isinstance(sha256, str) or len(sha256) != 64 or not all(
        c in "0123456789abcdef" for c in sha256.lower()
    ):
        raise ValueError(f"sha256: expected 64 hex digits, got {sha256!r}")
    return sha256.lower()


def fetch(
    url: str,
    sha256: str,
    filename: str | None = None,
    *,
    cache: str | os.PathLike | None = None,
    timeout: float = 60.0,
) -> Path:
    """Return the path of ``url``'s file in the cache, downloading it if needed.

    Args:
        url: ``http(s)://`` or ``file://`` address.
        sha256: the pinned hex SHA-256 of the file.
        filename: name in the cache (default: the URL's last path component).
        cache: cache directory (default ``cache_dir()``).
        timeout: seconds to wait for the server before giving up.

    Returns:
        path of the verified file.

    Raises:
        DownloadError: the file could not be fetched; the message says what to download
            and where to put it by hand.
        ChecksumError: the downloaded bytes are not the pinned file (nothing is cached).
    """
    sha256 = _check_sha256(sha256)
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url: expected an address like https://host/file, got {url!r}")
    name = filename or PurePosixPath(urllib.request.urlparse(url).path).name
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"filename: expected a plain file name, got {name!r}")
    target = cache_dir(cache) / name
    if target.exists():
        if sha256_file(target) == sha256:
            return target
        print(f"cached {target} is corrupted (checksum mismatch): fetching it again")
        target.unlink()

    tmp = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, tmp.open("wb") as out:
            expected_len = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            shutil.copyfileobj(response, out, length=1 << 20)
        if expected_len is not None and tmp.stat().st_size != int(expected_len):
            raise DownloadError(
                f"download of {url} was cut off: got {tmp.stat().st_size} of {expected_len} bytes"
            )
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        # HTTPException: e.g. IncompleteRead when a chunked transfer is cut
        tmp.unlink(missing_ok=True)
        if isinstance(err, DownloadError):
            raise
        raise DownloadError(
            f"could not download {url} ({err}).\n"
            f"Without network: download it on another machine and copy it to\n  {target}\n"
            f"(expected sha256 {sha256}); the course then uses the copy."
        ) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    got = sha256_file(tmp)
    if got != sha256:
        tmp.unlink(missing_ok=True)
        raise ChecksumError(
            f"{url} has sha256 {got}, expected {sha256}: the file changed upstream or the "
            "transfer was corrupted; nothing was cached"
        )
    os.replace(tmp, target)
    return target


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


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a ``.zip`` or ``.tar[.gz|.bz2|.xz]`` into ``dest``, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, ``..``
    components, links and device files are refused with ``UnsafeArchiveError``. The
    archive is unpacked into a temporary directory next to ``dest`` and moved into place
    only when complete, so an interrupted extraction leaves no half-filled ``dest``.

    Returns:
        ``dest`` as a ``Path``.
    """
    archive, dest = Path(archive), Path(dest)
    if not archive.is_file():
        raise FileNotFoundError(f"no archive at {archive}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _member_target(work, info.filename)
                    mode = (info.external_attr >> 16) & 0o170000
                    if mode == 0o120000:
                        raise UnsafeArchiveError(f"archive member {info.filename!r} is a symlink")
                zf.extractall(work)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for m in members:
                    _member_target(work, m.name)
                    if not (m.isfile() or m.isdir()):
                        raise UnsafeArchiveError(
                            f"archive member {m.name!r} is a link or special file"
                        )
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


def fetch_and_extract(
    url: str, sha256: str, filename: str | None = None, *, cache: str | os.PathLike | None = None
) -> Path:
    """``fetch`` an archive and extract it once next to it; return the extracted directory.

    The directory ``<archive name>.d`` is reused when it holds a marker recording the
    archive's checksum; otherwise the archive is (re-)extracted.
    """
    archive = fetch(url, sha256, filename, cache=cache)
    out = archive.with_name(archive.name + ".d")
    marker = out / ".extracted-sha256"
    if marker.is_file() and marker.read_text().strip() == sha256.lower():
        return out
    safe_extract(archive, out)
    marker.write_text(sha256.lower())
    return out
