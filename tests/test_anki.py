"""Anki spa-eng parser on a fixture in the real tab-separated format."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from course_lib.data import anki
from course_lib.data.download import ChecksumError, sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "anki" / "spa.txt"


def test_parse_fixture():
    pairs = anki.parse_anki(FIXTURE.read_text(encoding="utf-8"))
    assert len(pairs) == 7
    assert pairs[0] == ("Go.", "Ve.", pairs[0].attribution)
    assert pairs[4].english == "Who won?" and pairs[4].other == "¿Quién ganó?"
    assert all(p.attribution.startswith("CC-BY 2.0 (France) Attribution: tatoeba.org #") for p in pairs)


def test_load_zip_and_text(tmp_path):
    archive = tmp_path / "spa-eng.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("_about.txt", "about the file\n")
        zf.write(FIXTURE, "spa.txt")
    from_zip = anki.load_anki(archive, sha256=sha256_file(archive))
    assert from_zip == anki.load_anki(FIXTURE)
    assert anki.load_anki(archive, limit=3) == from_zip[:3]
    with pytest.raises(ChecksumError):
        anki.load_anki(archive, sha256="0" * 64)
    with pytest.raises(ValueError, match="no fra.txt"):
        anki.load_anki(archive, member="fra.txt")


def test_tokenize_sentence():
    assert anki.tokenize_sentence("¿Quién ganó?") == ["¿", "quién", "ganó", "?"]
    assert anki.tokenize_sentence("I don't know.") == ["i", "don't", "know", "."]
    assert anki.tokenize_sentence("Tom está en la cocina, ¿no?") == [
        "tom", "está", "en", "la", "cocina", ",", "¿", "no", "?"]


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="download"):
        anki.load_anki(tmp_path / "missing.zip")
    with pytest.raises(ValueError, match="line 2"):
        anki.parse_anki("Go.\tVe.\tCC-BY\nHi.\tHola.\n")
    with pytest.raises(ValueError, match="no sentence pairs"):
        anki.parse_anki("\n\n")
    with pytest.raises(TypeError):
        anki.parse_anki(b"Go.\tVe.\tCC")
    with pytest.raises(TypeError):
        anki.tokenize_sentence(None)
