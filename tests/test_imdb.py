"""IMDB (aclImdb) parser on a fixture archive with the real layout and file naming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib.data import imdb
from course_lib.data.download import safe_extract
from course_lib.files import sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "aclImdb_mini.tar.gz"


@pytest.fixture
def extracted(tmp_path):
    return safe_extract(FIXTURE, tmp_path / "aclImdb_v1.tar.gz.d")


def test_read_train_split(extracted):
    texts, labels, ratings = imdb._read_aclimdb(extracted, "train")
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])  # unsup/ is skipped
    np.testing.assert_array_equal(ratings, [3, 1, 9, 7])  # sorted by numeric id: 0_9 before 10_7
    assert texts[1] == "This movie was awful. I want my two hours back."
    assert "<br" not in " ".join(texts)
    assert "Café" in texts[3]


def test_read_test_split_from_inner_directory(extracted):
    texts, labels, ratings = imdb._read_aclimdb(extracted / "aclImdb", "test")
    assert labels.tolist() == [0, 1] and ratings.tolist() == [2, 10]
    assert texts[1].startswith("I went and saw")


def test_load_imdb_through_the_checksummed_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(imdb, "IMDB_URL", FIXTURE.resolve().as_uri())
    monkeypatch.setattr(imdb, "IMDB_SHA256", sha256_file(FIXTURE))
    texts, labels, _ = imdb.load_imdb("test", cache=tmp_path)
    assert len(texts) == 2 and labels.tolist() == [0, 1]
    assert (tmp_path / "aclImdb_mini.tar.gz").is_file()


def test_pinned_checksum_is_well_formed():
    assert len(imdb.IMDB_SHA256) == 64 and int(imdb.IMDB_SHA256, 16) >= 0
    assert imdb.IMDB_URL.endswith("/aclImdb_v1.tar.gz")


def test_clean_review():
    assert imdb._clean_review(" a<br /><br />b<BR>c ") == "a  b c"
    with pytest.raises(TypeError, match="text"):
        imdb._clean_review(3)


def test_bad_inputs(extracted, tmp_path):
    with pytest.raises(ValueError, match="split"):
        imdb._read_aclimdb(extracted, "unsup")
    with pytest.raises(FileNotFoundError, match="aclImdb"):
        imdb._read_aclimdb(tmp_path / "nowhere")
    bad = extracted / "aclImdb" / "train" / "pos" / "review.txt"
    bad.write_text("no id or rating in the name")
    with pytest.raises(ValueError, match="<id>_<rating>"):
        imdb._read_aclimdb(extracted)
    bad.unlink()
    (extracted / "aclImdb" / "train" / "pos" / "5_2.txt").write_text("mislabelled")
    with pytest.raises(ValueError, match="rating 2"):
        imdb._read_aclimdb(extracted)
