"""The Anki / Tatoeba English–Spanish sentence pairs (full scale of lessons 07–08).

Two copies of the file exist, both called ``spa-eng.zip``, and both are read:

* **TensorFlow's fixed mirror** (``TF_MIRROR_URL``, the file the TensorFlow and keras-io
  translation tutorials use): member ``spa-eng/spa.txt``, two tab-separated columns,
  ``English <TAB> Spanish``. It never changes, but no checksum is published for it, so
  the course pins its size (``TF_MIRROR_SIZE`` bytes), records its SHA-256 on the first
  download and checks that on every later use (trust on first use). ``locate_anki``
  downloads it when no file is given.
* **manythings.org's current file** (``MANYTHINGS_URL``): member ``spa.txt``, a third
  column crediting the Tatoeba contributors (``CC-BY 2.0 (France) Attribution:
  tatoeba.org #… (user) & #… (user)``), kept with the data. It is rebuilt from Tatoeba
  regularly, so it has no fixed checksum: download it yourself and pass its path (and,
  to make later runs check they read the same file, the SHA-256 you recorded).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from course_lib.checks import check_path, check_positive_int

__all__ = [
    "MANYTHINGS_URL",
    "TF_MIRROR_SIZE",
    "TF_MIRROR_URL",
    "AnkiPair",
    "load_anki",
    "locate_anki",
    "tokenize_sentence",
]

TF_MIRROR_URL = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
TF_MIRROR_SIZE = 2_638_744
MANYTHINGS_URL = "https://www.manythings.org/anki/spa-eng.zip"
ANKI_URL = MANYTHINGS_URL  # the name older code used
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")


class AnkiPair(tuple):
    """``(english, other, attribution)``: one line of an Anki file (attribution ``""``
    in the two-column mirror)."""

    __slots__ = ()

    def __new__(cls, english, other, attribution=""):
        return super().__new__(cls, (english, other, attribution))

    english = property(lambda self: self[0])
    other = property(lambda self: self[1])
    attribution = property(lambda self: self[2])


def _parse_anki(text: str) -> list[AnkiPair]:
    """Parse the text of an Anki ``xxx.txt`` file, two or three columns.

    Args:
        text: the file's contents (UTF-8 decoded): ``english<TAB>other`` (TensorFlow's
            mirror) or ``english<TAB>other<TAB>attribution`` (manythings.org) on every line.

    Returns:
        one ``AnkiPair(english, other, attribution)`` per non-empty line.

    Raises:
        ValueError: a line has another number of columns than the first line (2 or 3),
            or an empty column (the message gives its line number).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    pairs, width = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cols = line.split("\t")
        width = width or (len(cols) if len(cols) in (2, 3) else None)
        if width is None or len(cols) != width or not all(c.strip() for c in cols):
            expected = f"{width}" if width else "2 or 3"
            raise ValueError(
                f"line {number}: expected {expected} tab-separated columns (english, "
                f"translation[, attribution]) like the file's first line, got {len(cols)}: {line[:80]!r}"
            )
        pairs.append(AnkiPair(*(c.strip() for c in cols)))
    if not pairs:
        raise ValueError("text: no sentence pairs found")
    return pairs


def locate_anki(path: str | os.PathLike | None = None, *, cache=None, timeout: float = 60.0) -> Path:
    """The Anki file to read: ``path`` if given, else TensorFlow's mirror, downloaded once.

    Lessons call this in their first cells (``ANKI_PATH`` in the parameters cell), so a
    missing file stops the notebook before any training.

    Args:
        path: a downloaded ``spa-eng.zip`` or ``spa.txt`` (either copy), or ``None``.
        cache: download cache (default ``course_lib.data.download.cache_dir()``).
        timeout: seconds per network read.

    Returns:
        the path of the zip or text file.

    Raises:
        FileNotFoundError: ``path`` does not exist, or the mirror could not be downloaded;
            the message names ``ANKI_PATH`` and both addresses.
    """
    from course_lib.data.download import DownloadError, fetch

    advice = (
        f"download {TF_MIRROR_URL} (or {MANYTHINGS_URL}) on a machine with network and set "
        "ANKI_PATH in the parameters cell (or the ANKI_PATH environment variable) to the file"
    )
    if path is not None:
        path = check_path(path, "path").expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"ANKI_PATH: no Anki file at {path}: {advice}")
        return path
    try:
        return fetch(TF_MIRROR_URL, None, "spa-eng.zip", size=TF_MIRROR_SIZE, cache=cache, timeout=timeout)
    except DownloadError as err:
        raise FileNotFoundError(f"no Anki file: {err}\nOr {advice}.") from err


def load_anki(path: str | os.PathLike, sha256: str | None = None, *, member: str = "spa.txt",
              limit: int | None = None) -> list[AnkiPair]:
    """Read sentence pairs from a ``spa-eng.zip`` (either copy) or an extracted ``spa.txt``.

    Args:
        path: the zip or the text file (``locate_anki`` finds or downloads one).
        sha256: optional hex SHA-256 the file must have (``ChecksumError`` otherwise).
        member: the text file inside the zip (``spa.txt`` or ``spa-eng/spa.txt``).
        limit: keep only the first ``limit`` pairs (the file is sorted short to long).

    Returns:
        a list of ``AnkiPair``.
    """
    from course_lib.data.download import ChecksumError
    from course_lib.files import sha256_file

    path = check_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(
            f"no Anki file at {path}: download {TF_MIRROR_URL} or {MANYTHINGS_URL} and pass its path"
        )
    if sha256 is not None and sha256_file(path) != sha256.lower():
        raise ChecksumError(f"{path}: SHA-256 is not the expected {sha256}")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n == member or n.endswith("/" + member)]
            if not names:
                raise ValueError(f"{path}: no {member} in the zip (members: {zf.namelist()})")
            try:
                text = io.TextIOWrapper(zf.open(names[0]), encoding="utf-8").read()
            except UnicodeDecodeError as err:
                raise ValueError(f"{path}: {names[0]} is not UTF-8 text ({err})") from err
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{path}: not a zip and not UTF-8 text ({err})") from err
    pairs = _parse_anki(text)
    if limit is not None:
        pairs = pairs[: check_positive_int(limit, "limit")]
    return pairs


def tokenize_sentence(sentence: str) -> list[str]:
    """Lower-case words (apostrophes kept inside them) and single punctuation marks.

    ``"¿Quién ganó?"`` -> ``["¿", "quién", "ganó", "?"]``; ``"I don't know."`` ->
    ``["i", "don't", "know", "."]``.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence: expected a str, got {type(sentence).__name__}")
    return _WORD.findall(sentence.lower())
