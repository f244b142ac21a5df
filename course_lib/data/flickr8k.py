"""Flickr8k (Hodosh, Young and Hockenmaier, 2013): 8,091 photos with five captions each.

Full scale only. Two layouts are read, both as students get them:

* **The release archives** (``Flickr8k_Dataset.zip`` and ``Flickr8k_text.zip``, as
  mirrored in the GitHub release ``jbrownlee/Datasets/Flickr8k``, whose MD5s are
  published and pinned here; ``download_flickr8k`` fetches and extracts both, recording
  their SHA-256 on first download). The text folder holds ``Flickr8k.token.txt``, one
  caption per line, ``<image>.jpg#<k><TAB><caption>`` with k = 0..4 (CRLF line ends in
  some copies, and a stray ``2258277193_586949ec62.jpg.1`` image that is in no split),
  and the split files ``Flickr_8k.trainImages.txt`` / ``devImages`` / ``testImages``
  (6,000 / 1,000 / 1,000 names); the images are in ``Flicker8k_Dataset/`` (sic).
* **Kaggle's copy**: ``Images/`` and ``captions.txt``, a CSV with the header
  ``image,caption`` (captions that contain commas are quoted) and no split files. Its
  split is made here, deterministically: the image names sorted, shuffled with a
  fixed seed (8091), then 6,000 train, 1,000 dev, 1,000 test (the remaining 91
  photos are left out, as in the official split). It is not the official split; if the
  official split files are in the folder, they are used instead.

The caption file and the image folder are looked for in the folder given and in its
immediate subfolders, so either archive layout (extracted side by side) works.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

from course_lib.checks import check_path, check_positive_int, check_seed

__all__ = [
    "RELEASE",
    "download_flickr8k",
    "load_flickr8k",
    "load_images",
    "locate_flickr8k",
]

_TOKEN_FILE = "Flickr8k.token.txt"
_CAPTIONS_CSV = "captions.txt"
_SPLIT_FILES = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
SPLIT_SIZES = {"train": 6000, "dev": 1000, "test": 1000}
_KAGGLE_SPLIT_SEED = 8091
IMAGE_DIRS = ("Flicker8k_Dataset", "Flickr8k_Dataset", "Images")
_BASE = "https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/"
#: the release archives and their published MD5s (also pinned by R torch's flickr8k dataset)
RELEASE = {
    "text": (_BASE + "Flickr8k_text.zip", "md5:bf6c1abcb8e4a833b7f922104de18627"),
    "images": (_BASE + "Flickr8k_Dataset.zip", "md5:f18a1e2920de5bd84dae7cf08ec78978"),
}
_LINE = re.compile(r"^(?P<image>[^#\t]+)#(?P<k>\d+)\t(?P<caption>.*)$")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _clean_caption(caption: str) -> str:
    """Lower-case a caption and keep only its words (punctuation and digits dropped)."""
    if not isinstance(caption, str):
        raise TypeError(f"caption: expected a string, got {type(caption).__name__}")
    return " ".join(_WORD.findall(caption.lower()))


def _read_text(path) -> str:
    path = check_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"no Flickr8k file at {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err})") from err


def _read_lines(path) -> list[str]:
    return _read_text(path).splitlines()  # \n and \r\n alike


def _parse_tokens(path, *, clean: bool = True) -> dict[str, list[str]]:
    """Read ``Flickr8k.token.txt``: image name → its captions, in the file's order (#0..#4).

    Args:
        path: the token file.
        clean: apply ``_clean_caption`` to every caption.

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
        captions.setdefault(match["image"], []).append(_clean_caption(text) if clean else text)
    if not captions:
        raise ValueError(f"{path}: no captions found")
    return captions


def _parse_split(path) -> list[str]:
    """Read a split file (``Flickr_8k.trainImages.txt`` ...): its image names, in order."""
    names = [line.strip() for line in _read_lines(path) if line.strip()]
    bad = [n for n in names if not n.lower().endswith(".jpg")]
    if bad:
        raise ValueError(f"{path}: expected one .jpg file name per line, got {bad[:3]}")
    return names


def _parse_captions_csv(path, *, clean: bool = True) -> dict[str, list[str]]:
    """Read Kaggle's ``captions.txt`` (CSV, header ``image,caption``): image → captions.

    Returns:
        the same mapping as ``_parse_tokens``, captions in the file's order.
    """
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["image", "caption"]:
        raise ValueError(f"{path}: expected the CSV header 'image,caption', got {header!r}")
    captions: dict[str, list[str]] = {}
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 2 or not row[0].strip():
            raise ValueError(f"{path}:{number}: expected 'image,caption' (quote captions with commas), got {row!r}")
        caption = row[1].strip()
        captions.setdefault(row[0].strip(), []).append(_clean_caption(caption) if clean else caption)
    if not captions:
        raise ValueError(f"{path}: no captions found")
    return captions


def _kaggle_split(images, seed: int = _KAGGLE_SPLIT_SEED) -> dict[str, list[str]]:
    """The course's deterministic 6,000 / 1,000 / 1,000 split of a Kaggle Flickr8k folder.

    Args:
        images: the image names (any order; at least 8,000).

    Returns:
        ``{"train": [6,000 names], "dev": [1,000], "test": [1,000]}``: the names sorted,
        shuffled with ``np.random.default_rng(seed)``, then cut in that order. With fewer
        than 8,000 names (a sample of the data set) the cut is in the same proportions,
        3/4, 1/8, 1/8, with at least one name in dev and test.
    """
    if isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        raise TypeError(f"images: expected the image file names, got {type(images).__name__}")
    images = list(images)
    if not all(isinstance(name, str) for name in images):
        raise TypeError("images: expected a list of image file names (strings)")
    names = sorted(set(images))
    if len(names) < 3:
        raise ValueError(f"images: expected at least 3 image names for the split, got {len(names)}")
    sizes = dict(SPLIT_SIZES)
    if len(names) < sum(sizes.values()):
        small = max(1, len(names) // 8)
        sizes = {"train": len(names) - 2 * small, "dev": small, "test": small}
    order = np.random.default_rng(check_seed(seed)).permutation(len(names))
    out, start = {}, 0
    for split, size in sizes.items():
        out[split] = [names[i] for i in order[start : start + size]]
        start += size
    return out


def _find(root: Path, name: str) -> Path | None:
    """``root/name`` or ``root/<subfolder>/name``, whichever exists first."""
    if (root / name).exists():
        return root / name
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if (sub / name).exists():
            return sub / name
    return None


def load_flickr8k(root) -> dict:
    """The captions and splits of an extracted Flickr8k folder (release or Kaggle layout).

    Args:
        root: folder holding ``Flickr8k.token.txt`` and the split files (release
            layout) or ``captions.txt`` (Kaggle layout), directly or one level down.

    Returns:
        ``{"train"|"dev"|"test": {"images": [names], "captions": [[5 captions], ...]}}``
        and ``"layout"``: ``"release"`` or ``"kaggle"``.
    """
    root = check_path(root, "root").expanduser()
    if not root.is_dir():
        raise FileNotFoundError(
            f"FLICKR8K_DIR: no Flickr8k folder at {root}: set it to None to download the "
            "release archives, or extract Flickr8k_text.zip and Flickr8k_Dataset.zip there "
            "(or Kaggle's Images/ and captions.txt)"
        )
    token_file, csv_file = _find(root, _TOKEN_FILE), _find(root, _CAPTIONS_CSV)
    if token_file is None and csv_file is None:
        raise FileNotFoundError(
            f"no {_TOKEN_FILE} (release layout) or {_CAPTIONS_CSV} (Kaggle layout) in {root} "
            "or its subfolders"
        )
    captions = _parse_tokens(token_file) if token_file is not None else _parse_captions_csv(csv_file)
    split_paths = {split: _find(root, name) for split, name in _SPLIT_FILES.items()}
    if all(split_paths.values()):
        splits = {split: _parse_split(path) for split, path in split_paths.items()}
    elif token_file is not None:
        missing = [_SPLIT_FILES[k] for k, v in split_paths.items() if v is None]
        raise FileNotFoundError(f"{root}: {_TOKEN_FILE} is there but not {', '.join(missing)}")
    else:
        splits = _kaggle_split(captions)
    out = {"layout": "release" if token_file is not None else "kaggle"}
    for split, images in splits.items():
        missing = [i for i in images if i not in captions]
        if missing:
            raise ValueError(f"{split}: {len(missing)} images have no captions, e.g. {missing[0]}")
        out[split] = {"images": images, "captions": [captions[i] for i in images]}
    return out


def _find_image_dir(root) -> Path:
    """The folder of JPEGs under ``root`` (``Flicker8k_Dataset``, ``Flickr8k_Dataset`` or
    ``Images``, directly or one level down)."""
    root = check_path(root, "root").expanduser()
    if root.is_dir():
        for name in IMAGE_DIRS:
            found = _find(root, name)
            if found is not None and found.is_dir():
                return found
    raise FileNotFoundError(f"no image folder ({' or '.join(IMAGE_DIRS)}) under {root}")


def locate_flickr8k(path=None, *, cache=None) -> Path:
    """The Flickr8k folder to read: ``path`` if given, else the release archives, downloaded once.

    Lessons call this in their first cells (``FLICKR8K_DIR`` in the parameters cell), so a
    missing or unreadable folder stops the notebook before any training.

    Returns:
        the folder; it has been read once (``load_flickr8k``), so its layout is known good.
    """
    root = check_path(path, "path").expanduser() if path is not None else download_flickr8k(cache)
    data = load_flickr8k(root)
    sizes = ", ".join(f"{len(data[s]['images'])} {s}" for s in ("train", "dev", "test"))
    print(f"Flickr8k at {root}: {data['layout']} layout, {sizes} photos")
    return root


def download_flickr8k(cache=None, *, deadline: float | None = None) -> Path:
    """Download and extract both release archives once; return the folder holding them.

    Each archive is checked against its published MD5 (its SHA-256 is recorded on the
    first download and checked after that), extracted safely into
    ``<cache>/flickr8k/text`` and ``<cache>/flickr8k/images``; ``load_flickr8k`` and
    ``load_images`` read the returned folder.
    """
    from course_lib.data.download import DEFAULT_DEADLINE, cache_dir, fetch_and_extract

    root = cache_dir(cache, name="cache") / "flickr8k"
    for part, (url, checksum) in RELEASE.items():
        fetch_and_extract(url, checksum, cache=cache, dest=root / part,
                          keep=lambda name: not name.startswith("__MACOSX"),
                          deadline=deadline or DEFAULT_DEADLINE)
    return root


def load_images(root, names, size: int = 224) -> np.ndarray:
    """Load and resize Flickr8k photos: ``course_lib.data.images.load_images`` on its image folder.

    Args:
        root: the extracted folder (its image subfolder is found automatically).
        names: N image file names.
        size: side of the square output (at least 8).

    Returns:
        (N, size, size, 3) float32 in [0, 1].
    """
    from course_lib.data import images

    size = check_positive_int(size, "size", minimum=8)
    folder = _find_image_dir(root)
    paths = [folder / name for name in names]
    for name, path in zip(names, paths):
        if not path.is_file():
            raise FileNotFoundError(f"no image {name} in {folder}")
    return images.load_images(paths, size, dtype="float32")
