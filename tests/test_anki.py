"""Anki spa-eng parser on a fixture in the real tab-separated format."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from course_lib.data import anki
from course_lib.data.download import ChecksumError
from course_lib.files import sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "anki" / "spa.txt"


def test_parse_fixture():
    pairs = anki._parse_anki(FIXTURE.read_text(encoding="utf-8"))
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
        anki._parse_anki("Go.\tVe.\tCC-BY\nHi.\tHola.\n")  # 3 columns, then 2
    with pytest.raises(ValueError, match="no sentence pairs"):
        anki._parse_anki("\n\n")
    with pytest.raises(TypeError):
        anki._parse_anki(b"Go.\tVe.\tCC")
    with pytest.raises(TypeError):
        anki.tokenize_sentence(None)


MIRROR = Path(__file__).parent / "fixtures" / "anki" / "spa_tf_mirror.txt"


def _tf_mirror_zip(path):
    """TensorFlow's mirror layout: spa-eng/spa.txt, two columns, no _about.txt."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(MIRROR, "spa-eng/spa.txt")
    return path


def test_tf_mirror_two_columns_load_with_an_empty_attribution(tmp_path):
    pairs = anki.load_anki(_tf_mirror_zip(tmp_path / "spa-eng.zip"))
    assert len(pairs) == 20
    assert pairs[0] == ("Go.", "Ve.", "") and pairs[0].attribution == ""
    assert pairs[5].other == "¡Corre!"
    assert anki.load_anki(MIRROR) == pairs  # the extracted text file too


def test_manythings_three_columns_keep_their_attribution(tmp_path):
    pairs = anki.load_anki(FIXTURE)
    assert all(p.attribution for p in pairs)


def test_a_file_mixing_two_and_three_columns_is_refused():
    with pytest.raises(ValueError, match="line 2: expected 2 tab-separated"):
        anki._parse_anki("Go.\tVe.\nHi.\tHola.\tCC-BY\n")
    with pytest.raises(ValueError, match="line 1: expected 2 or 3"):
        anki._parse_anki("Go.\n")


def test_locate_anki_names_the_variable_and_both_addresses(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        anki.locate_anki(tmp_path / "nope.zip")
    text = str(info.value)
    assert "ANKI_PATH" in text and anki.TF_MIRROR_URL in text and anki.MANYTHINGS_URL in text
    assert anki.locate_anki(FIXTURE) == FIXTURE


def test_locate_anki_without_network_fails_at_once_with_the_advice(tmp_path, monkeypatch):
    import socket

    from course_lib import env

    monkeypatch.setattr(socket.socket, "connect", socket.socket.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", socket.socket.connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    env._block_network()
    with pytest.raises(FileNotFoundError) as info:
        anki.locate_anki(None, cache=tmp_path)
    text = str(info.value)
    assert "ANKI_PATH" in text and anki.TF_MIRROR_URL in text and str(tmp_path / "spa-eng.zip") in text


def test_binary_files_are_refused_with_their_name(tmp_path):
    junk = tmp_path / "spa.txt"
    junk.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(ValueError, match="spa.txt: not a zip and not UTF-8"):
        anki.load_anki(junk)
