"""The Anki / Tatoeba English–Spanish sentence pairs (full scale of lessons 07–08).

manythings.org publishes ``spa-eng.zip`` (https://www.manythings.org/anki/), a zip with
``spa.txt`` and ``_about.txt``. Every line of ``spa.txt`` is tab-separated::

    English sentence <TAB> Spanish sentence <TAB> CC-BY 2.0 (France) Attribution: tatoeba.org #… (user) & #… (user)

The third column credits the Tatoeba contributors and must be kept with the data.

The file is rebuilt from Tatoeba regularly, so it has no fixed published SHA-256 to pin
and this module does not download it. Download it by hand (in a browser, or
``wget https://www.manythings.org/anki/spa-eng.zip``), then pass its path to
``load_anki``; pass the SHA-256 you recorded for your copy to make later runs check
that they see the same file.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from course_lib.checks import check_positive_int

__all__ = ["AnkiPair", "load_anki", "parse_anki", "tokenize_sentence"]

ANKI_URL = "https://www.manythings.org/anki/spa-eng.zip"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")


class AnkiPair(tuple):
    """``(english, other, attribution)``: one line of an Anki file."""

    __slots__ = ()

    def __new__(cls, english, other, attribution):
        return super().__new__(cls, (english, other, attribution))

    english = property(lambda self: self[0])
    other = property(lambda self: self[1])
    attribution = property(lambda self: self[2])


def parse_anki(text: str) -> list[AnkiPair]:
    """Parse the text of an Anki ``xxx.txt`` file.

    Args:
        text: the file's contents (UTF-8 decoded).

    Returns:
        one ``AnkiPair(english, other, attribution)`` per non-empty line.

    Raises:
        ValueError: a line does not have exactly three tab-separated, non-empty columns
            (the message gives its line number).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 3 or not all(c.strip() for c in cols):
            raise ValueError(
                f"line {number}: expected 3 tab-separated columns "
                f"(english, translation, attribution), got {len(cols)}: {line[:80]!r}"
            )
        pairs.append(AnkiPair(*(c.strip() for c in cols)))
    if not pairs:
        raise ValueError("text: no sentence pairs found")
    return pairs


def load_anki(path: str | os.PathLike, sha256: str | None = None, *, member: str = "spa.txt",
              limit: int | None = None) -> list[AnkiPair]:
    """Read sentence pairs from a downloaded ``spa-eng.zip`` (or the extracted ``spa.txt``).

    Args:
        path: the zip or the text file.
        sha256: optional hex SHA-256 the file must have (``ChecksumError`` otherwise).
        member: the text file inside the zip.
        limit: keep only the first ``limit`` pairs (the file is sorted short to long).

    Returns:
        a list of ``AnkiPair``.
    """
    from course_lib.data.download import ChecksumError, sha256_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no Anki file at {path}: download {ANKI_URL} by hand and pass its path"
        )
    if sha256 is not None and sha256_file(path) != sha256.lower():
        raise ChecksumError(f"{path}: SHA-256 is not the expected {sha256}")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n == member or n.endswith("/" + member)]
            if not names:
                raise ValueError(f"{path}: no {member} in the zip (members: {zf.namelist()})")
            text = io.TextIOWrapper(zf.open(names[0]), encoding="utf-8").read()
    else:
        text = path.read_text(encoding="utf-8")
    pairs = parse_anki(text)
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
