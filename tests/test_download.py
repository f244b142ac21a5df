"""course_lib.data.download offline: file:// fetches, the cache, errors and safe extraction."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest

from course_lib import env, files
from course_lib.data import download

ROOT = Path(__file__).resolve().parents[1]

DATA = b"id\tword\n1\thello\n2\tworld\n" * 50
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "words.tsv"
    path.parent.mkdir()
    path.write_bytes(DATA)
    return path


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_file_url_is_fetched_into_the_cache(source, cache):
    path = download.fetch(source.as_uri(), SHA, cache=cache)
    assert path == cache / "words.tsv" and path.read_bytes() == DATA
    assert files.sha256_file(path) == SHA
    assert sorted(p.name for p in cache.iterdir()) == [".locks", "words.tsv"]


def test_a_cache_hit_does_not_read_the_source_again(source, cache):
    download.fetch(source.as_uri(), SHA, cache=cache)
    source.unlink()
    assert download.fetch(source.as_uri(), SHA, cache=cache).read_bytes() == DATA


def test_a_corrupted_cached_file_is_fetched_again(source, cache, capsys):
    path = download.fetch(source.as_uri(), SHA, cache=cache)
    path.write_bytes(DATA[:10])
    assert download.fetch(source.as_uri(), SHA, cache=cache).read_bytes() == DATA
    assert "corrupted" in capsys.readouterr().out


def test_a_file_with_the_wrong_checksum_is_not_cached(source, cache):
    source.write_bytes(DATA + b"changed upstream")
    with pytest.raises(download.ChecksumError, match=f"expected {SHA}.*nothing was cached"):
        download.fetch(source.as_uri(), SHA, cache=cache)
    assert [p.name for p in cache.iterdir()] == [".locks"], "nothing but the lock folder"


def test_a_missing_source_raises_download_error(tmp_path, cache):
    with pytest.raises(download.DownloadError, match="could not download"):
        download.fetch((tmp_path / "nope.bin").as_uri(), SHA, cache=cache)
    assert [p.name for p in cache.iterdir()] == [".locks"], "nothing but the lock folder"


def test_without_network_the_error_says_what_to_download_and_where(monkeypatch, cache):
    # let monkeypatch restore the real socket functions after _block_network patches them
    monkeypatch.setattr(socket.socket, "connect", socket.socket.connect)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    env._block_network()
    url = "https://data.example.org/corpus/words.tsv"
    with pytest.raises(download.DownloadError) as info:
        download.fetch(url, SHA, cache=cache)
    text = str(info.value)
    assert url in text, "names what to download"
    assert str(cache / "words.tsv") in text, "names where to put it"
    assert SHA in text and "another machine" in text
    assert [p.name for p in cache.iterdir()] == [".locks"], "nothing but the lock folder"


def test_cache_dir_follows_course_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "drive"))
    assert download.cache_dir() == tmp_path / "drive" and (tmp_path / "drive").is_dir()
    assert download.cache_dir(tmp_path / "other") == tmp_path / "other"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"url": "https://h/x.bin", "checksum": "abc"}, "checksum: expected .sha256:<64 hex digits>."),
        ({"url": "https://h/x.bin", "checksum": "g" * 64}, "checksum: expected .sha256:<64 hex digits>."),
        ({"url": "https://h/x.bin", "checksum": 123}, "checksum: expected .sha256:<64 hex digits>."),
        ({"url": "x.bin", "checksum": SHA}, "url: expected an address"),
        ({"url": "https://h/", "checksum": SHA}, "filename: expected a plain file name"),
        ({"url": "https://h/x", "checksum": SHA, "filename": "../x"}, "filename: expected a plain"),
    ],
)
def test_bad_arguments_name_what_was_expected(kwargs, match, cache):
    with pytest.raises(ValueError, match=match):
        download.fetch(**kwargs, cache=cache)


def test_sha256_file_of_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="path: expected a file at"):
        files.sha256_file(tmp_path / "missing")


# -- archives ----------------------------------------------------------------------------


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _tarinfo(name, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def _symlink_zipinfo(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info


def test_a_clean_zip_and_tar_extract(tmp_path):
    z = _zip(tmp_path / "a.zip", [("d/a.txt", b"A"), ("b.txt", b"B")])
    out = download.safe_extract(z, tmp_path / "z")
    assert (out / "d" / "a.txt").read_bytes() == b"A" and (out / "b.txt").read_bytes() == b"B"
    t = _tar(tmp_path / "a.tar.gz", [(_tarinfo("d", tarfile.DIRTYPE), None),
                                     (_tarinfo("d/a.txt"), b"A")])
    out = download.safe_extract(t, tmp_path / "t")
    assert (out / "d" / "a.txt").read_bytes() == b"A"


UNSAFE_ZIPS = {
    "dotdot": [("ok.txt", b"x"), ("../evil.txt", b"E")],
    "nested dotdot": [("a/../../evil.txt", b"E")],
    "absolute": [(zipfile.ZipInfo("/tmp/evil.txt"), b"E")],
    "backslash dotdot": [("..\\evil.txt", b"E")],
    "symlink": [(_symlink_zipinfo("link"), b"/etc/passwd")],
}
UNSAFE_TARS = {
    "dotdot": [(_tarinfo("ok.txt"), b"x"), (_tarinfo("../evil.txt"), b"E")],
    "absolute": [(_tarinfo("/tmp/evil.txt"), b"E")],
    "symlink": [(_tarinfo("link", tarfile.SYMTYPE, "/etc/passwd"), None)],
    "hardlink": [(_tarinfo("link", tarfile.LNKTYPE, "/etc/passwd"), None)],
    "fifo": [(_tarinfo("pipe", tarfile.FIFOTYPE), None)],
}


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_unsafe_members_are_refused_before_anything_is_written(tmp_path, kind):
    cases = UNSAFE_ZIPS if kind == "zip" else UNSAFE_TARS
    for label, members in cases.items():
        case = tmp_path / label.replace(" ", "_")
        case.mkdir()
        archive = (_zip if kind == "zip" else _tar)(case / f"x.{kind}", members)
        with pytest.raises(download.UnsafeArchiveError, match="archive member"):
            download.safe_extract(archive, case / "out" / "data")
        assert not (case / "out" / "data").exists(), label
        assert list((case / "out").iterdir()) == [], f"{label}: a temporary directory was left"
        assert not (case / "evil.txt").exists() and not (case / "out" / "evil.txt").exists()


def test_extracting_a_non_archive_or_missing_file(tmp_path):
    (tmp_path / "plain.txt").write_text("not an archive")
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        download.safe_extract(tmp_path / "plain.txt", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no archive at"):
        download.safe_extract(tmp_path / "missing.zip", tmp_path / "out")


def test_fetch_and_extract_extracts_once_and_records_a_marker(tmp_path):
    archive = _zip(tmp_path / "corpus.zip", [("corpus/a.txt", b"A")])
    sha = files.sha256_file(archive)
    cache = tmp_path / "cache"
    out = download.fetch_and_extract(archive.as_uri(), sha, cache=cache)
    assert out == cache / "corpus.zip.d"
    assert (out / ".extracted-sha256").read_text() == sha
    assert (out / "corpus" / "a.txt").read_bytes() == b"A"
    (out / "corpus" / "a.txt").write_bytes(b"edited")
    assert download.fetch_and_extract(archive.as_uri(), sha, cache=cache) == out
    assert (out / "corpus" / "a.txt").read_bytes() == b"edited", "reused, not re-extracted"
    (tmp_path / "v2").mkdir()
    newer = _zip(tmp_path / "v2" / "corpus.zip", [("corpus/a.txt", b"A2")])  # the file changed upstream
    out2 = download.fetch_and_extract(newer.as_uri(), files.sha256_file(newer), cache=tmp_path / "cache2")
    (out2 / "corpus" / "a.txt").write_bytes(b"old")
    (out2 / ".extracted-sha256").write_text("0" * 64)  # our own earlier extraction, of another archive
    download.fetch_and_extract(newer.as_uri(), files.sha256_file(newer), cache=tmp_path / "cache2")
    assert (out2 / "corpus" / "a.txt").read_bytes() == b"A2", "our own older extraction is replaced"
    assert not list((tmp_path / "cache2").glob("*.old.*")), "the replaced folder is removed"


def test_extraction_never_removes_what_it_did_not_create(tmp_path):
    archive = _zip(tmp_path / "corpus.zip", [("corpus/a.txt", b"A")])
    sha = files.sha256_file(archive)
    prepared = tmp_path / "mine"
    prepared.mkdir()
    (prepared / "notes.txt").write_text("a student's file")
    with pytest.raises(FileExistsError, match=r"dest: .*mine already holds 1 entries \(e.g. 'notes.txt'\)"):
        download.safe_extract(archive, prepared)
    with pytest.raises(FileExistsError, match="never replaces files it did not create"):
        download.fetch_and_extract(archive.as_uri(), sha, cache=tmp_path / "cache", dest=prepared)
    assert (prepared / "notes.txt").read_text() == "a student's file"
    assert sorted(p.name for p in prepared.iterdir()) == ["notes.txt"]
    with pytest.raises(ValueError, match="dest: expected a folder"):
        download.safe_extract(archive, prepared / "notes.txt")
    # a folder without the marker holds someone's files, even where the cache would put them
    out = download.fetch_and_extract(archive.as_uri(), sha, cache=tmp_path / "cache")
    (out / ".extracted-sha256").unlink()
    with pytest.raises(FileExistsError, match="corpus.zip.d already holds"):
        download.fetch_and_extract(archive.as_uri(), sha, cache=tmp_path / "cache")
    assert (out / "corpus" / "a.txt").read_bytes() == b"A"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (download.safe_extract(archive, empty) / "corpus" / "a.txt").read_bytes() == b"A", "an empty folder is fine"


def test_the_marker_arrives_with_the_extracted_files(tmp_path, monkeypatch):
    """A kill after the extraction cannot leave a complete folder without its marker."""
    archive = _zip(tmp_path / "corpus.zip", [("corpus/a.txt", b"A")])
    moved = []
    real_replace = os.replace

    def replace(src, dst):
        moved.append(sorted(p.name for p in Path(src).iterdir()) if Path(src).is_dir() else None)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    download.fetch_and_extract(archive.as_uri(), files.sha256_file(archive), cache=tmp_path / "cache")
    assert [".extracted-sha256", "corpus"] in moved, f"the folder moved into place held {moved}"


def test_an_archive_of_many_empty_entries_counts_as_expanding(tmp_path):
    archive = tmp_path / "dirs.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for i in range(20_000):
            tf.addfile(_tarinfo(f"d{i}", tarfile.DIRTYPE))
    assert archive.stat().st_size < 200_000, "20,000 directories compress to almost nothing"
    with pytest.raises(download.UnsafeArchiveError, match=r"20000 entries holding 0 bytes"):
        download.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


UNSAFE_LOADS = re.compile(
    r"pickle\.loads?\(|allow_pickle\s*=\s*True|safe_mode\s*=\s*False|joblib\.load|torch\.load|"
    r"dill\.load|cloudpickle|pd\.read_pickle|\.extractall\("
)


def test_nothing_loads_pickles_disables_safe_mode_or_extracts_unchecked():
    """Models are ``.keras`` files loaded with safe mode on; archives go through
    ``safe_extract``; nothing unpickles data that could come from the network."""
    files = [*ROOT.glob("course_lib/**/*.py"), *ROOT.glob("notebooks/*.py"), *ROOT.glob("tools/*.py")]
    assert len(files) > 5
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if UNSAFE_LOADS.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    allowed = {"course_lib/data/archives.py"}  # safe_extract's own, after checking members
    found = [f for f in found if f.split(":")[0] not in allowed]
    assert not found, "unsafe loading:\n" + "\n".join(found)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_member_names_are_refused(tmp_path):
    archive = _zip(tmp_path / "dup.zip", [("d/a.txt", b"first"), ("d/a.txt", b"second")])
    with pytest.raises(download.UnsafeArchiveError, match="appears twice"):
        download.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_archive_that_expands_too_much_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(3 << 20))
    assert archive.stat().st_size < 100_000  # zeros compress very well
    with pytest.raises(download.UnsafeArchiveError, match="decompression bomb"):
        download.safe_extract(archive, tmp_path / "out")
    assert download.safe_extract(archive, tmp_path / "ok", max_bytes=4 << 20).is_dir()


def test_keep_extracts_only_the_members_it_accepts(tmp_path):
    archive = _tar(tmp_path / "x.tar", [(_tarinfo("a/keep.txt"), b"K"), (_tarinfo("unsup/skip.txt"), b"S")])
    out = download.safe_extract(archive, tmp_path / "out", keep=lambda name: not name.startswith("unsup/"))
    assert (out / "a" / "keep.txt").read_bytes() == b"K" and not (out / "unsup").exists()
    with pytest.raises(TypeError, match="keep: expected a function"):
        download.safe_extract(archive, tmp_path / "out2", keep="unsup")


@pytest.mark.parametrize(("checksum", "expected"), [
    ("md5:" + "A" * 32, ("md5", "a" * 32)),
    ("sha256:" + "b" * 64, ("sha256", "b" * 64)),
    ("c" * 64, ("sha256", "c" * 64)),
])
def test_parse_checksum_names_the_algorithm(checksum, expected):
    assert download._parse_checksum(checksum) == expected


@pytest.mark.parametrize("bad", ["md5:" + "a" * 31, "sha1:" + "a" * 40, "md5:" + "a" * 64, None, 5])
def test_parse_checksum_refuses_other_forms(bad):
    with pytest.raises(ValueError, match="checksum: expected"):
        download._parse_checksum(bad)


def test_a_mirror_manifest_replaces_address_and_checksum(tmp_path, monkeypatch, source):
    manifest = tmp_path / "manifest.json"
    entry = {"url": source.as_uri(), "checksum": f"sha256:{SHA}"}
    manifest.write_text(json.dumps({"https://example.org/words.tsv": entry}))
    monkeypatch.setenv("COURSE_MIRROR", str(manifest))
    path = download.fetch("https://example.org/words.tsv", "0" * 64, cache=tmp_path / "c", progress=False)
    assert path.name == "words.tsv" and path.read_bytes() == DATA
    with pytest.raises(download.DownloadError, match="no entry .* for https://example.org/other"):
        download.fetch("https://example.org/other.tsv", SHA, cache=tmp_path / "c")
    monkeypatch.setenv("COURSE_MIRROR", str(tmp_path / "missing.json"))
    with pytest.raises(FileNotFoundError, match="COURSE_MIRROR: cannot read the manifest"):
        download.fetch("https://example.org/words.tsv", SHA, cache=tmp_path / "c")


def test_a_file_address_that_is_a_pipe_or_a_folder_is_refused_at_once(tmp_path, cache):
    """Opening a FIFO blocks until a writer comes: that would outlast any deadline."""
    import time

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for bad in (fifo, tmp_path):
        started = time.monotonic()
        with pytest.raises(download.DownloadError, match="not a regular file"):
            download.fetch(bad.as_uri(), None, "data.bin", size=10, cache=cache, deadline=30)
        assert time.monotonic() - started < 5, f"{bad.name}: refused only after {time.monotonic() - started:.1f} s"
    assert not list(cache.glob("*.part")), "nothing is left in the cache"
