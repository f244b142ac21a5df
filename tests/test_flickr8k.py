"""Flickr8k parsers, on a small fixture in the real files' format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib.data import flickr8k

FIXTURE = Path(__file__).parent / "fixtures" / "flickr8k"


def test_parse_tokens_groups_five_captions_per_image_in_order():
    caps = flickr8k._parse_tokens(FIXTURE / flickr8k._TOKEN_FILE)
    assert len(caps["1000268201_693b08cb0e.jpg"]) == 5
    assert caps["1000268201_693b08cb0e.jpg"][0] == "a girl in a pink dress climbs the stairs"
    assert caps["1002674143_1b742ab4b8.jpg"][4] == "a child's hands are covered in paint"
    # the real file's stray ".jpg.1" entry is kept under its own name
    assert "2258277193_586949ec62.jpg.1" in caps


def test_parse_tokens_raw_keeps_punctuation_and_case():
    caps = flickr8k._parse_tokens(FIXTURE / flickr8k._TOKEN_FILE, clean=False)
    assert caps["1000268201_693b08cb0e.jpg"][0] == "A girl in a pink dress climbs the stairs ."


def test_clean_caption():
    assert flickr8k._clean_caption("Two dogs , 3 cats .") == "two dogs cats"
    with pytest.raises(TypeError):
        flickr8k._clean_caption(3)


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
        flickr8k._parse_tokens(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("image.jpg 0 a caption without the tab format\n")
    with pytest.raises(ValueError, match="TAB"):
        flickr8k._parse_tokens(bad)
    split = tmp_path / "split.txt"
    split.write_text("not_an_image.png\n")
    with pytest.raises(ValueError, match="jpg"):
        flickr8k._parse_split(split)
    with pytest.raises(FileNotFoundError, match="image"):
        flickr8k.load_images(tmp_path, ["a.jpg"])
    with pytest.raises(FileNotFoundError, match="no image"):
        flickr8k.load_images(FIXTURE, ["absent.jpg"])


KAGGLE = Path(__file__).parent / "fixtures" / "flickr8k_kaggle"


def test_kaggle_layout_reads_the_quoted_csv_and_makes_the_documented_split():
    data = flickr8k.load_flickr8k(KAGGLE)
    assert data["layout"] == "kaggle"
    names = sorted(data[s]["images"][i] for s in ("train", "dev", "test") for i in range(len(data[s]["images"])))
    assert names == sorted(p.name for p in (KAGGLE / "Images").iterdir())
    assert [len(data[s]["images"]) for s in ("train", "dev", "test")] == [1, 1, 1]
    caps = flickr8k._parse_captions_csv(KAGGLE / "captions.txt", clean=False)
    assert caps["1000268201_693b08cb0e.jpg"][1] == "A little girl, in pink, going into a wooden building ."
    assert all(len(c) == 5 for c in caps.values())
    assert flickr8k.load_images(KAGGLE, data["train"]["images"], size=8).shape == (1, 8, 8, 3)


def test_kaggle_split_is_6000_1000_1000_and_deterministic():
    names = [f"{i:05d}.jpg" for i in range(8091)]
    split = flickr8k._kaggle_split(names[::-1])
    assert [len(split[s]) for s in ("train", "dev", "test")] == [6000, 1000, 1000]
    assert split == flickr8k._kaggle_split(names), "the order of the input does not matter"
    assert not set(split["train"]) & set(split["test"])
    with pytest.raises(ValueError, match="at least 3"):
        flickr8k._kaggle_split(["a.jpg"])


def test_a_kaggle_csv_without_its_header_is_refused(tmp_path):
    (tmp_path / "captions.txt").write_text("a.jpg,a dog\n")
    with pytest.raises(ValueError, match="header 'image,caption'"):
        flickr8k.load_flickr8k(tmp_path)


def test_release_layout_with_crlf_and_side_by_side_folders(tmp_path):
    # the two release archives extracted side by side, the token file with CRLF ends
    text, images = tmp_path / "text", tmp_path / "images"
    text.mkdir()
    for name in [flickr8k._TOKEN_FILE, *flickr8k._SPLIT_FILES.values()]:
        raw = (FIXTURE / name).read_text()
        (text / name).write_bytes(raw.replace("\n", "\r\n").encode())
    (images / "Flicker8k_Dataset").mkdir(parents=True)
    for jpg in (FIXTURE / "Flicker8k_Dataset").iterdir():
        (images / "Flicker8k_Dataset" / jpg.name).write_bytes(jpg.read_bytes())
    data = flickr8k.load_flickr8k(tmp_path)
    assert data["layout"] == "release"
    assert data == {**flickr8k.load_flickr8k(FIXTURE), "layout": "release"}
    assert "2258277193_586949ec62.jpg.1" in flickr8k._parse_tokens(text / flickr8k._TOKEN_FILE)
    assert flickr8k._find_image_dir(tmp_path) == images / "Flicker8k_Dataset"


def test_download_flickr8k_fetches_both_release_zips_checked_by_md5(tmp_path, monkeypatch):
    import hashlib
    import json
    import zipfile

    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / "Flickr8k_text.zip", "w") as zf:
        for name in [flickr8k._TOKEN_FILE, *flickr8k._SPLIT_FILES.values()]:
            zf.write(FIXTURE / name, name)
        zf.writestr("__MACOSX/._readme.txt", b"resource fork")
    with zipfile.ZipFile(served / "Flickr8k_Dataset.zip", "w") as zf:
        for jpg in (FIXTURE / "Flicker8k_Dataset").iterdir():
            zf.write(jpg, f"Flicker8k_Dataset/{jpg.name}")
    # the pinned addresses and MD5s are replaced only through the documented mirror manifest
    manifest = {
        url: {"url": (served / url.rsplit("/", 1)[1]).as_uri(),
              "checksum": "md5:" + hashlib.md5((served / url.rsplit("/", 1)[1]).read_bytes()).hexdigest()}
        for url, _ in flickr8k.RELEASE.values()
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("COURSE_MIRROR", str(tmp_path / "manifest.json"))
    root = flickr8k.download_flickr8k(tmp_path / "cache")
    assert root == tmp_path / "cache" / "flickr8k"
    assert not (root / "text" / "__MACOSX").exists()
    assert flickr8k.load_flickr8k(root)["train"] == flickr8k.load_flickr8k(FIXTURE)["train"]
    assert (tmp_path / "cache" / "Flickr8k_text.zip.sha256").is_file(), "SHA-256 recorded"
    assert flickr8k.download_flickr8k(tmp_path / "cache") == root  # a second call reuses both


def test_the_pinned_release_checksums_are_md5s():
    from course_lib.data.download import _parse_checksum

    for url, checksum in flickr8k.RELEASE.values():
        assert url.startswith("https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/")
        assert _parse_checksum(checksum)[0] == "md5"
