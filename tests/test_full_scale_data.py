"""The full-scale data path, end to end, from a loopback mirror of fixture-size archives.

Every real dataset loader runs exactly as at full scale — ``fetch`` over HTTP, checksum
(or size pin and recorded SHA-256), safe extraction, parsing — with the archives built
from ``tests/fixtures/`` in their real layouts and served from 127.0.0.1. The course's
pinned addresses and checksums are replaced through the one documented override, the
``COURSE_MIRROR`` manifest; the rest of the network is blocked, so a loader that reached
for the internet would fail here. (The mirror and the ``full_scale`` fixture are in
``tests/loopback_mirror.py`` and ``tests/conftest.py``.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course_lib.data import anki, flickr8k, flowers, imdb
from course_lib.data import text as textdata

FIXTURES = Path(__file__).parent / "fixtures"


def test_imdb_downloads_extracts_only_labelled_reviews_and_parses(mirror_cache):
    texts, labels, _ = imdb.load_imdb("train")
    assert len(texts) == len(labels) > 0 and set(np.unique(labels)) <= {0, 1}
    extracted = mirror_cache / "aclImdb_v1.tar.gz.d"
    assert extracted.is_dir() and not list(extracted.rglob("unsup"))
    assert imdb.load_imdb("test")[0], "the test split comes from the same cached extraction"


def test_flowers_download_and_split(mirror_cache):
    (x_tr, y_tr), (x_te, y_te) = flowers.load_flowers(size=16, test_fraction=0.5, seed=0)
    assert x_tr.shape[1:] == (16, 16, 3) and x_tr.dtype == np.uint8
    assert len(x_tr) + len(x_te) == len(flowers.list_images(mirror_cache / "flower_photos.tgz.d")[0])


def test_tiny_shakespeare_download(mirror_cache):
    assert textdata.load_shakespeare().startswith("First Citizen")


def test_anki_tf_mirror_is_downloaded_size_checked_and_recorded(mirror_cache):
    path = anki.locate_anki(None)
    assert path == mirror_cache / "spa-eng.zip"
    assert (mirror_cache / "spa-eng.zip.sha256").is_file(), "SHA-256 recorded on first download"
    pairs = anki.load_anki(path)
    assert pairs[0] == ("Go.", "Ve.", "")
    assert anki.locate_anki(None) == path  # the second call uses the cache


def test_anki_user_supplied_manythings_file_is_used_as_is(mirror_cache):
    path = FIXTURES / "anki" / "spa.txt"
    assert anki.locate_anki(path) == path
    assert anki.load_anki(path)[0].attribution.startswith("CC-BY 2.0")
    assert not (mirror_cache / "spa-eng.zip").exists(), "nothing downloaded"


def test_flickr8k_release_archives_download_check_and_load(mirror_cache, capsys):
    root = flickr8k.locate_flickr8k(None)
    assert "release layout, 2 train, 1 dev, 1 test photos" in capsys.readouterr().out
    data = flickr8k.load_flickr8k(root)
    assert data["layout"] == "release" and len(data["train"]["images"]) == 2
    images = flickr8k.load_images(root, data["train"]["images"], size=8)
    assert images.shape == (2, 8, 8, 3)
