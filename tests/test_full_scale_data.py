"""The full-scale data path, end to end, from a loopback mirror of fixture-size archives.

Every real dataset loader runs exactly as at full scale — ``fetch`` over HTTP, checksum
(or size pin and recorded SHA-256), safe extraction, parsing — with the archives built
from ``tests/fixtures/`` in their real layouts and served from 127.0.0.1. The course's
pinned addresses and checksums are replaced through the one documented override, the
``COURSE_MIRROR`` manifest; the rest of the network is blocked, so a loader that reached
for the internet would fail here.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_lib import env
from course_lib.data import anki, flickr8k, flowers, imdb
from course_lib.data import text as textdata

FIXTURES = Path(__file__).parent / "fixtures"


def _archives(folder: Path) -> dict[str, Path]:
    """The real layouts, built from the fixtures: original URL -> file to serve."""
    out = {imdb.IMDB_URL: FIXTURES / "aclImdb_mini.tar.gz"}
    with tarfile.open(folder / "flower_photos.tgz", "w:gz") as tf:
        tf.add(FIXTURES / "flower_photos", "flower_photos")
    out[flowers.URL] = folder / "flower_photos.tgz"
    with zipfile.ZipFile(folder / "spa-eng.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "anki" / "spa_tf_mirror.txt", "spa-eng/spa.txt")
    out[anki.TF_MIRROR_URL] = folder / "spa-eng.zip"
    with zipfile.ZipFile(folder / "Flickr8k_text.zip", "w") as zf:
        for name in [flickr8k.TOKEN_FILE, *flickr8k.SPLIT_FILES.values()]:
            zf.write(FIXTURES / "flickr8k" / name, name)
    with zipfile.ZipFile(folder / "Flickr8k_Dataset.zip", "w") as zf:
        for jpg in sorted((FIXTURES / "flickr8k" / "Flicker8k_Dataset").iterdir()):
            zf.write(jpg, f"Flicker8k_Dataset/{jpg.name}")
    out[flickr8k.RELEASE["text"][0]] = folder / "Flickr8k_text.zip"
    out[flickr8k.RELEASE["images"][0]] = folder / "Flickr8k_Dataset.zip"
    out[textdata.SHAKESPEARE_URL] = FIXTURES / "tinyshakespeare_head.txt"
    return out


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mirror")
    files = _archives(folder)
    served = folder / "served"
    served.mkdir()
    for i, path in enumerate(files.values()):
        (served / f"{i}_{path.name}").write_bytes(path.read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    manifest = {}
    for i, (url, path) in enumerate(files.items()):
        entry = {"url": f"{base}/{i}_{path.name}"}
        if url == anki.TF_MIRROR_URL:  # no published checksum: size pin + recorded SHA-256
            entry["size"] = path.stat().st_size
        elif url in dict(flickr8k.RELEASE.values()):  # published MD5s
            entry["checksum"] = "md5:" + hashlib.md5(path.read_bytes()).hexdigest()
        else:
            entry["checksum"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        manifest[url] = entry
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    yield folder / "manifest.json"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def full_scale(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MIRROR", str(mirror))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, getattr(socket.socket, name))
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    env.block_network()  # loopback only: the mirror works, the internet does not
    return tmp_path / "cache"


def test_imdb_downloads_extracts_only_labelled_reviews_and_parses(full_scale):
    texts, labels, _ = imdb.load_imdb("train")
    assert len(texts) == len(labels) > 0 and set(np.unique(labels)) <= {0, 1}
    extracted = full_scale / "aclImdb_v1.tar.gz.d"
    assert extracted.is_dir() and not list(extracted.rglob("unsup"))
    assert imdb.load_imdb("test")[0], "the test split comes from the same cached extraction"


def test_flowers_download_and_split(full_scale):
    (x_tr, y_tr), (x_te, y_te) = flowers.load_flowers(size=16, test_fraction=0.5, seed=0)
    assert x_tr.shape[1:] == (16, 16, 3) and x_tr.dtype == np.uint8
    assert len(x_tr) + len(x_te) == len(flowers.list_images(full_scale / "flower_photos.tgz.d")[0])


def test_tiny_shakespeare_download(full_scale):
    assert textdata.load_shakespeare().startswith("First Citizen")


def test_anki_tf_mirror_is_downloaded_size_checked_and_recorded(full_scale):
    path = anki.locate_anki(None)
    assert path == full_scale / "spa-eng.zip"
    assert (full_scale / "spa-eng.zip.sha256").is_file(), "SHA-256 recorded on first download"
    pairs = anki.load_anki(path)
    assert pairs[0] == ("Go.", "Ve.", "")
    assert anki.locate_anki(None) == path  # the second call uses the cache


def test_anki_user_supplied_manythings_file_is_used_as_is(full_scale):
    path = FIXTURES / "anki" / "spa.txt"
    assert anki.locate_anki(path) == path
    assert anki.load_anki(path)[0].attribution.startswith("CC-BY 2.0")
    assert not (full_scale / "spa-eng.zip").exists(), "nothing downloaded"


def test_flickr8k_release_archives_download_check_and_load(full_scale):
    root = flickr8k.download_flickr8k()
    data = flickr8k.load_flickr8k(root)
    assert data["layout"] == "release" and len(data["train"]["images"]) == 2
    images = flickr8k.load_images(root, data["train"]["images"], size=8)
    assert images.shape == (2, 8, 8, 3)
