"""Checksummed, cached downloads (full scale only); safe extraction is `archives.py`.

Lesson scale never calls this module. At full scale a dataset is fetched once into the
cache directory, verified, and reused; a corrupted cached file is detected and fetched
again. A download is written to a temporary file of its own (unique per process, under a
lock, so two notebooks fetching one file do not collide) and renamed into place only after
it was verified, so the cache holds either the right file or nothing.

What "verified" means depends on what the publisher gives (``fetch``'s ``checksum``):

* ``"sha256:<hex>"`` (or 64 bare hex digits): the file's SHA-256, pinned in the course;
* ``"md5:<hex>"``: a published MD5 (e.g. the Flickr8k release mirror). MD5 is not
  collision-resistant, so the file's SHA-256 is also recorded on first download, in
  ``<name>.sha256`` next to it, and every later use checks that;
* ``None`` with ``size=``: a fixed file with no published checksum (TensorFlow's
  ``spa-eng.zip``): its size is pinned, its SHA-256 recorded on first download and
  checked on every later use ("trust on first use").

Cache directory: ``$COURSE_DATA_DIR`` if set (on Colab, point it at a Google Drive
folder to keep downloads across sessions), else ``~/.cache/course_lib``.

Mirrors: ``$COURSE_MIRROR`` may name a JSON manifest that maps a dataset's address to
another copy, ``{"<url>": {"url": "<mirror url>", "checksum": "sha256:…", "size": n}}``
(``checksum`` and ``size`` as for ``fetch``). It is the one way to replace a pinned
checksum without editing the course: the test suite's full-scale rehearsal serves
fixture-size archives from 127.0.0.1 this way, and a classroom can serve the real files
from a local server. Every address the course fetches must be listed (an unlisted one is
an error, so a mirror never falls back to the internet silently).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import http.client
import json
import os
import re
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

from course_lib import files
from course_lib.checks import check_path, check_positive, check_positive_int

# Extraction is its own module; its names stay importable from here, as they always were.
from course_lib.data.archives import MAX_EXPANSION, UnsafeArchiveError, safe_extract
from course_lib.files import atomic_write_text, sha256_file

__all__ = [
    "MAX_EXPANSION",
    "ChecksumError",
    "DownloadError",
    "UnsafeArchiveError",
    "cache_dir",
    "fetch",
    "fetch_and_extract",
    "safe_extract",
]

#: OSError numbers that mean the cache cannot be written (not a network problem).
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
#: Seconds a whole download may take before it is abandoned (per call: ``deadline=``).
DEFAULT_DEADLINE = 3600.0
_HEX = {"sha256": 64, "md5": 32}


class DownloadError(RuntimeError):
    """The file could not be downloaded (no network, HTTP error, connection cut)."""


class ChecksumError(ValueError):
    """A file's checksum (or size) is not the pinned or recorded one."""


#: The longest cache file name: the cache adds a lock and a temporary suffix to it, and
#: file systems allow 255 bytes.
MAX_NAME = 200


def cache_dir(path: str | os.PathLike | None = None, *, name: str = "path") -> Path:
    """The directory downloads are cached in (created if missing)."""
    if path is not None:
        root = check_path(path, name, kind="dir-or-new")
    elif os.environ.get("COURSE_DATA_DIR"):
        root = check_path(os.environ["COURSE_DATA_DIR"], "COURSE_DATA_DIR", kind="dir-or-new")
    else:
        root = Path.home() / ".cache" / "course_lib"
    root = root.expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def _parse_checksum(checksum: str) -> tuple[str, str]:
    """``"md5:ab12…"`` -> ``("md5", "ab12…")``; 64 bare hex digits mean SHA-256.

    Raises:
        ValueError: not ``sha256:<64 hex>``, ``md5:<32 hex>`` or 64 bare hex digits.
    """
    if isinstance(checksum, str):
        algorithm, sep, digest = checksum.partition(":")
        if not sep:
            algorithm, digest = "sha256", checksum
        algorithm, digest = algorithm.lower(), digest.lower()
        if algorithm in _HEX and re.fullmatch(f"[0-9a-f]{{{_HEX[algorithm]}}}", digest):
            return algorithm, digest
    raise ValueError(
        "checksum: expected 'sha256:<64 hex digits>', 'md5:<32 hex digits>' or 64 hex digits "
        f"(a SHA-256), got {checksum!r}"
    )


def _lock_path(root: Path, name: str) -> Path:
    """Where the lock of ``name`` lives: ``<cache>/.locks/<name>.lock``."""
    folder = root / ".locks"
    folder.mkdir(exist_ok=True)
    return folder / (name + ".lock")


@contextlib.contextmanager
def _locked(path: Path, deadline: float | None = None):
    """Hold the lock ``path`` while the block runs; wait at most ``deadline`` seconds for it."""
    try:
        with files.exclusive_lock(path, wait=deadline):
            yield
    except files.LockHeld as held:
        raise DownloadError(
            f"{held.holder} has held {path} for more than the deadline of {deadline:.0f} s "
            "(a download of the same file in another notebook?); try again when it is done"
        ) from None


class _Progress:
    """One self-overwriting line: bytes so far, total, percentage, rate."""

    def __init__(self, name: str, total: int | None, enabled: bool):
        self.name, self.total, self.enabled = name, total, enabled
        self.start = self.last = time.monotonic()
        self.done = 0

    def update(self, n: int, final: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.5):
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-6) / 1e6
        part = f"{self.done / 1e6:.1f} MB"
        if self.total:
            part += f" of {self.total / 1e6:.1f} MB ({100 * self.done / self.total:3.0f}%)"
        print(f"\rdownloading {self.name}: {part} at {rate:.1f} MB/s", end="\n" if final else "",
              file=sys.stdout, flush=True)


def _check_local_source(url: str) -> None:
    """A ``file://`` address must name a regular file: reading a FIFO or a device could
    block past any deadline, and a folder is not a download."""
    parsed = urllib.request.urlparse(url)
    if parsed.scheme != "file":
        return
    path = urllib.request.url2pathname(parsed.path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a missing file: the download fails with its usual message
    if not stat.S_ISREG(mode):
        raise DownloadError(f"url: {url} is not a regular file (a folder, a pipe or a device); "
                            "give the address of the file itself")


def _download(url: str, tmp: Path, *, timeout: float, deadline: float, progress: bool,
              size: int | None = None) -> None:
    """Stream ``url`` into ``tmp``; stop at once past ``deadline`` seconds or, with a
    pinned ``size``, past that many bytes (a server sending more is sending another file)."""
    _check_local_source(url)
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response, tmp.open("wb") as out:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        expected = int(length) if length is not None and length.isdigit() else None
        bar = _Progress(PurePosixPath(urllib.request.urlparse(url).path).name, expected, progress)
        read = getattr(response, "read1", response.read)  # read1: what has arrived, no waiting for more
        while chunk := read(1 << 16):
            out.write(chunk)
            bar.update(len(chunk))
            if size is not None and bar.done > size:
                raise ChecksumError(f"{url} sent more than the pinned {size} bytes: stopped at {bar.done}; "
                                    "nothing was cached")
            if time.monotonic() - started > deadline:
                raise DownloadError(
                    f"download of {url} took longer than its deadline of {deadline:.0f} s "
                    f"({bar.done} bytes so far): the server is too slow; try again later"
                )
        bar.update(0, final=True)
    if expected is not None and tmp.stat().st_size != expected:
        raise DownloadError(f"download of {url} was cut off: got {tmp.stat().st_size} of {expected} bytes")


def _recorded(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _verify(path: Path, algorithm: str | None, digest: str | None, size: int | None,
            recorded: Path) -> str | None:
    """None if ``path`` is the pinned file, else the reason it is not."""
    if size is not None and path.stat().st_size != size:
        return f"has {path.stat().st_size} bytes, expected {size}"
    if algorithm is not None and files.file_digest(path, algorithm) != digest:
        return f"has {algorithm} {files.file_digest(path, algorithm)}, expected {digest}"
    if algorithm != "sha256" and recorded.exists():
        first = _read_record(recorded)
        if sha256_file(path) != first:
            return f"has another SHA-256 than the {first} recorded on its first download (in {recorded})"
    return None


def _read_record(recorded: Path) -> str:
    """The SHA-256 recorded on a first download; a damaged record is an error of its own."""
    try:
        text = recorded.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        text, reason = "", f"cannot be read ({type(err).__name__})"
    else:
        reason = "is empty" if not text else "is not 64 hex digits"
    if not re.fullmatch("[0-9a-f]{64}", text):
        raise ChecksumError(
            f"the SHA-256 record {recorded} {reason}: it is written once, when the file is first "
            "downloaded, and checked on every later use. If you trust the file next to it, delete "
            "the record and the course records that file again; otherwise delete both.")
    return text


def _mirrored(url: str, checksum: str | None, size: int | None):
    """``(url, checksum, size)`` after the ``$COURSE_MIRROR`` manifest, if one is set."""
    manifest = os.environ.get("COURSE_MIRROR")
    if not manifest:
        return url, checksum, size
    path = Path(manifest).expanduser()
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise FileNotFoundError(f"COURSE_MIRROR: cannot read the manifest {path} ({err})") from err
    entry = entries.get(url) if isinstance(entries, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise DownloadError(f"COURSE_MIRROR: the manifest {path} has no entry {{'url': ...}} for {url}")
    print(f"mirror: {url} -> {entry['url']}")
    return entry["url"], entry.get("checksum"), entry.get("size")


def fetch(
    url: str,
    checksum: str | None,
    filename: str | None = None,
    *,
    size: int | None = None,
    cache: str | os.PathLike | None = None,
    timeout: float = 60.0,
    deadline: float = DEFAULT_DEADLINE,
    progress: bool = True,
) -> Path:
    """Return the path of ``url``'s file in the cache, downloading it if needed.

    Args:
        url: ``http(s)://`` or ``file://`` address.
        checksum: ``"sha256:<hex>"`` (or bare SHA-256 hex), ``"md5:<hex>"``, or ``None``
            for a file that has no published checksum (then ``size`` is required).
        filename: name in the cache (default: the URL's last path component).
        size: the file's pinned size in bytes (optional with a checksum).
        cache: cache directory (default ``cache_dir()``).
        timeout: seconds to wait for each network read before giving up.
        deadline: seconds the whole download may take.
        progress: print a progress line (size, percentage, rate) while downloading.

    Returns:
        path of the verified file. Without a SHA-256 pin, its SHA-256 is recorded in
        ``<file>.sha256`` on first download and checked on every later call.

    Raises:
        DownloadError: the file could not be fetched (or not within ``deadline``); the
            message says what to download and where to put it by hand.
        ChecksumError: the downloaded bytes are not the pinned file (nothing is cached).
    """
    name_in_url = PurePosixPath(urllib.request.urlparse(str(url)).path).name
    if isinstance(url, str):
        url, checksum, size = _mirrored(url, checksum, size)
    algorithm, digest, size = _check_pin(checksum, size)
    timeout, deadline = check_positive(timeout, "timeout"), check_positive(deadline, "deadline")
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url: expected an address like https://host/file, got {url!r}")
    name = filename or name_in_url  # the cache name of the original address, mirrored or not
    if not name or "/" in name or "\0" in name or name in {".", ".."} or len(name) > MAX_NAME:
        raise ValueError(f"filename: expected a plain file name of at most {MAX_NAME} characters, got {name!r}")
    root = cache_dir(cache, name="cache")
    target, recorded = root / name, _recorded(root / name)
    pin = f"{algorithm} {digest}" if algorithm else f"size {size} bytes"
    started = time.monotonic()
    with _locked(_lock_path(root, name), deadline):  # a second process waits, then finds the file
        for stale in root.glob(f"{glob.escape(name)}.*.part"):  # left by a killed download: we hold the lock
            stale.unlink(missing_ok=True)
        if target.is_dir():
            raise ValueError(f"cache: {target} is a folder where the cached file {name} belongs: "
                             "move the folder away, or give another filename")
        if target.exists():
            reason = _verify(target, algorithm, digest, size, recorded)
            if reason is None:
                return target
            # the record outlives a damaged copy: the new download must match it
            print(f"cached {target} {reason}: fetching it again")
            target.unlink()
        fd, tmp_name = tempfile.mkstemp(prefix=name + ".", suffix=".part", dir=root)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _download(url, tmp, timeout=timeout, deadline=max(deadline - (time.monotonic() - started), 1e-3),
                      progress=progress, size=size)
            reason = _verify(tmp, algorithm, digest, size, recorded)
            if reason is not None:
                raise ChecksumError(
                    f"{url} {reason}: the file changed upstream or the transfer was "
                    "corrupted; nothing was cached"
                )
            if algorithm != "sha256" and not recorded.exists():
                atomic_write_text(recorded, sha256_file(tmp) + "\n")
            os.replace(tmp, target)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
            # HTTPException: e.g. IncompleteRead when a chunked transfer is cut
            tmp.unlink(missing_ok=True)
            if isinstance(err, (DownloadError, ChecksumError)):
                raise
            raise _failed_download(err, url, target, pin) from err
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return target


def _check_pin(checksum, size):
    """``fetch``'s pin: returns ``(algorithm, digest, size)``, the first two ``None`` without a checksum."""
    algorithm, digest = _parse_checksum(checksum) if checksum is not None else (None, None)
    if size is not None:
        size = check_positive_int(size, "size", maximum=1 << 62)  # bytes
    if algorithm is None and size is None:
        raise ValueError("size: a file without a checksum needs its pinned size in bytes")
    return algorithm, digest, size


def _failed_download(err: BaseException, url: str, target: Path, pin: str) -> Exception:
    """The error ``fetch`` raises when downloading ``url`` into ``target``'s folder failed with ``err``."""
    if getattr(err, "errno", None) in _WRITE_ERRNOS and not isinstance(err, urllib.error.URLError):
        return OSError(err.errno, f"could not write {url}'s file into the cache {target.parent} ({err.strerror}): "
                                  "free some space or set COURSE_DATA_DIR to a folder you can write to; "
                                  "nothing was cached")
    return DownloadError(
        f"could not download {url} ({err}).\n"
        f"Without network: download it on another machine and copy it to\n  {target}\n"
        f"(expected {pin}); the course then uses the copy."
    )


def fetch_and_extract(
    url: str,
    checksum: str | None,
    filename: str | None = None,
    *,
    size: int | None = None,
    cache: str | os.PathLike | None = None,
    keep=None,
    dest: str | os.PathLike | None = None,
    deadline: float = DEFAULT_DEADLINE,
) -> Path:
    """``fetch`` an archive and extract it once; return the extracted directory.

    Args:
        url, checksum, filename, size, cache, deadline: as for ``fetch``.
        keep: optional ``keep(member_name) -> bool``: extract only the members it accepts
            (e.g. IMDB without its 50,000 unlabelled reviews).
        dest: the directory to extract into (default ``<archive name>.d`` next to it).

    The directory is reused when it holds a marker recording the archive's SHA-256;
    otherwise the archive is (re-)extracted.
    """
    archive = fetch(url, checksum, filename, size=size, cache=cache, deadline=deadline)
    out = check_path(dest, "dest", kind="dir-or-new") if dest is not None else archive.with_name(archive.name + ".d")
    marker = out / ".extracted-sha256"
    with _locked(_lock_path(archive.parent, out.name + ".extract")):
        archive_sha = sha256_file(archive)
        if marker.is_file() and marker.read_text().strip() == archive_sha:
            return out
        # the marker is written inside the extracted folder before it moves into place: a
        # folder with a marker is complete and ours (an older extraction is replaced); a
        # folder of someone else's files is never touched (safe_extract refuses it)
        safe_extract(archive, out, keep=keep, stamp=(marker.name, archive_sha))
    return out
