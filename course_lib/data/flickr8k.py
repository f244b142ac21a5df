"""Flickr8k (Hodosh, Young and Hockenmaier, 2013): 8,091 photos with five captions each.

Full scale only. The data set is distributed by its authors on request (and mirrored
unofficially); the course has no published SHA-256 of the archives to pin, so it does not
download them: extract ``Flickr8k_Dataset.zip`` and ``Flickr8k_text.zip`` into one folder
and point ``load_flickr8k`` at it. That folder holds:

* ``Flickr8k.token.txt`` — one caption per line: ``<image>.jpg#<k><TAB><caption>``
  with k = 0..4 (the file also lists a stray ``2258277193_586949ec62.jpg.1`` image that
  is not in the image folder);
* ``Flickr_8k.trainImages.txt``, ``Flickr_8k.devImages.txt``, ``Flickr_8k.testImages.txt``
  — one image file name per line (6,000 / 1,000 / 1,000);
* ``Flicker8k_Dataset/`` (sic) — the JPEG images.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from course_lib.checks import check_positive_int

__all__ = ["SPLIT_FILES", "TOKEN_FILE", "clean_caption", "load_flickr8k", "load_images", "parse_split", "parse_tokens"]

TOKEN_FILE = "Flickr8k.token.txt"
SPLIT_FILES = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
IMAGE_DIRS = ("Flicker8k_Dataset", "Flickr8k_Dataset", "Images")
_LINE = re.compile(r"^(?P<image>[^#\t]+)#(?P<k>\d+)\t(?P<caption>.*)$")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def clean_caption(caption: str) -> str:
    """Lower-case a caption and keep only its words (punctuation and digits dropped)."""
    if not isinstance(caption, str):
        raise TypeError(f"caption: expected a string, got {type(caption).__name__}")
    return " ".join(_WORD.findall(caption.lower()))


def _read_lines(path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no Flickr8k file at {path}")
    return path.read_text(encoding="utf-8").splitlines()


def parse_tokens(path, *, clean: bool = True) -> dict[str, list[str]]:
    """Read ``Flickr8k.token.txt``: image name → its captions, in the file's order (#0..#4).

    Args:
        path: the token file.
        clean: apply ``clean_caption`` to every caption.

    Returns:
        ``{"1000268201_693b08cb0e.jpg": ["a child in a pink dress ...", ...], ...}``.
    """
    captions: dict[str, list[str]] = {}
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: expected '<image>.jpg#<k><TAB><caption>', got {line[:80]!r}")
        text = match["caption"].strip()
        captions.setdefault(match["image"], []).append(clean_caption(text) if clean else text)
    if not captions:
        raise ValueError(f"{path}: no captions found")
    return captions


def parse_split(path) -> list[str]:
    """Read a split file (``Flickr_8k.trainImages.txt`` ...): its image names, in order."""
    names = [line.strip() for line in _read_lines(path) if line.strip()]
    bad = [n for n in names if not n.lower().endswith(".jpg")]
    if bad:
        raise ValueError(f"{path}: expected one .jpg file name per line, got {bad[:3]}")
    return names


def load_flickr8k(root) -> dict:
    """The captions and splits of an extracted Flickr8k folder.

    Args:
        root: folder holding ``Flickr8k.token.txt`` and the three split files.

    Returns:
        ``{"train"|"dev"|"test": {"images": [names], "captions": [[5 captions], ...]}}``.
    """
    root = Path(os.fspath(root)).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(
            f"no Flickr8k folder at {root}: extract Flickr8k_text.zip and Flickr8k_Dataset.zip there"
        )
    captions = parse_tokens(root / TOKEN_FILE)
    out = {}
    for split, name in SPLIT_FILES.items():
        images = parse_split(root / name)
        missing = [i for i in images if i not in captions]
        if missing:
            raise ValueError(f"{name}: {len(missing)} images have no captions in {TOKEN_FILE}, e.g. {missing[0]}")
        out[split] = {"images": images, "captions": [captions[i] for i in images]}
    return out


def load_images(root, names, size: int = 224) -> np.ndarray:
    """Load and resize Flickr8k images.

    Args:
        root: the extracted folder (its image subfolder is found automatically).
        names: image file names.
        size: side of the square output.

    Returns:
        (N, size, size, 3) float32 in [0, 1].
    """
    from PIL import Image

    size = check_positive_int(size, "size", minimum=8)
    root = Path(os.fspath(root)).expanduser()
    folder = next((root / d for d in IMAGE_DIRS if (root / d).is_dir()), None)
    if folder is None:
        raise FileNotFoundError(f"no image folder ({' or '.join(IMAGE_DIRS)}) under {root}")
    out = np.zeros((len(names), size, size, 3), "float32")
    for i, name in enumerate(names):
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"no image {name} in {folder}")
        with Image.open(path) as img:
            out[i] = np.asarray(img.convert("RGB").resize((size, size), Image.BILINEAR), "float32") / 255.0
    return out
