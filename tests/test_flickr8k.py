"""Flickr8k parsers, on a small fixture in the real files' format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib.data import flickr8k

FIXTURE = Path(__file__).parent / "fixtures" / "flickr8k"


def test_parse_tokens_groups_five_captions_per_image_in_order():
    caps = flickr8k.parse_tokens(FIXTURE / flickr8k.TOKEN_FILE)
    assert len(caps["1000268201_693b08cb0e.jpg"]) == 5
    assert caps["1000268201_693b08cb0e.jpg"][0] == "a girl in a pink dress climbs the stairs"
    assert caps["1002674143_1b742ab4b8.jpg"][4] == "a child's hands are covered in paint"
    # the real file's stray ".jpg.1" entry is kept under its own name
    assert "2258277193_586949ec62.jpg.1" in caps


def test_parse_tokens_raw_keeps_punctuation_and_case():
    caps = flickr8k.parse_tokens(FIXTURE / flickr8k.TOKEN_FILE, clean=False)
    assert caps["1000268201_693b08cb0e.jpg"][0] == "A girl in a pink dress climbs the stairs ."


def test_clean_caption():
    assert flickr8k.clean_caption("Two dogs , 3 cats .") == "two dogs cats"
    with pytest.raises(TypeError):
        flickr8k.clean_caption(3)


def test_load_flickr8k_splits_and_images():
    data = flickr8k.load_flickr8k(FIXTURE)
    assert data["train"]["images"] == ["1000268201_693b08cb0e.jpg", "1001773457_577c3a7d70.jpg"]
    assert [len(c) for c in data["train"]["captions"]] == [5, 5]
    assert data["test"]["captions"][0][1] == "a small girl in the grass plays with fingerpaints"
    images = flickr8k.load_images(FIXTURE, data["train"]["images"], size=8)
    assert images.shape == (2, 8, 8, 3) and images.dtype == np.float32
    assert images[0, ..., 0].mean() > 0.6 and images[1, ..., 1].mean() > 0.6  # red, then green


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="Flickr8k"):
        flickr8k.load_flickr8k(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError):
        flickr8k.parse_tokens(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("image.jpg 0 a caption without the tab format\n")
    with pytest.raises(ValueError, match="TAB"):
        flickr8k.parse_tokens(bad)
    split = tmp_path / "split.txt"
    split.write_text("not_an_image.png\n")
    with pytest.raises(ValueError, match="jpg"):
        flickr8k.parse_split(split)
    with pytest.raises(FileNotFoundError, match="image"):
        flickr8k.load_images(tmp_path, ["a.jpg"])
    with pytest.raises(FileNotFoundError, match="no image"):
        flickr8k.load_images(FIXTURE, ["absent.jpg"])
