"""A loopback mirror of the full-scale datasets, built from ``tests/fixtures/``.

``serve(folder)`` writes fixture-size archives in every real layout (IMDB tar, flowers
tgz, TensorFlow's two-column Anki zip, both Flickr8k release zips, tiny Shakespeare,
MNIST's ``.npz`` of uint8 arrays),
serves them on 127.0.0.1 and writes a ``COURSE_MIRROR`` manifest mapping each of the
course's pinned addresses to its copy, with the copy's checksum of the same kind (SHA-256,
published MD5, or a size pin for the file that has no checksum).
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np

from course_lib.data import anki, digits, flickr8k, flowers, imdb, mnist
from course_lib.data import text as textdata

FIXTURES = Path(__file__).parent / "fixtures"


def _archives(folder: Path) -> dict[str, Path]:
    """The real layouts, built from the fixtures: original URL -> file to serve."""
    out = {imdb.IMDB_URL: FIXTURES / "aclImdb_mini.tar.gz"}
    with tarfile.open(folder / "flower_photos.tgz", "w:gz") as tf:
        tf.add(_flower_photos(folder / "flower_photos"), "flower_photos")
    out[flowers.URL] = folder / "flower_photos.tgz"
    with zipfile.ZipFile(folder / "spa-eng.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "anki" / "spa_tf_mirror.txt", "spa-eng/spa.txt")
    out[anki.TF_MIRROR_URL] = folder / "spa-eng.zip"
    with zipfile.ZipFile(folder / "Flickr8k_text.zip", "w") as zf:
        for name in [flickr8k._TOKEN_FILE, *flickr8k._SPLIT_FILES.values()]:
            zf.write(FIXTURES / "flickr8k" / name, name)
    with zipfile.ZipFile(folder / "Flickr8k_Dataset.zip", "w") as zf:
        for jpg in sorted((FIXTURES / "flickr8k" / "Flicker8k_Dataset").iterdir()):
            zf.write(jpg, f"Flicker8k_Dataset/{jpg.name}")
    out[flickr8k.RELEASE["text"][0]] = folder / "Flickr8k_text.zip"
    out[flickr8k.RELEASE["images"][0]] = folder / "Flickr8k_Dataset.zip"
    out[textdata.SHAKESPEARE_URL] = FIXTURES / "tinyshakespeare_head.txt"
    out[mnist.URL] = _mnist_npz(folder / "mnist.npz")
    return out


def _flower_photos(folder: Path, per_class: int = 5) -> Path:
    """The fixture photos (two per class) and mirrored or rotated copies: ``per_class`` each,
    so that lesson 11's 20 % test split still holds one photo of every class."""
    from PIL import Image

    variants = (None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM,
                Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
    for class_dir in sorted(p for p in (FIXTURES / "flower_photos").iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir(parents=True, exist_ok=True)
        photos = sorted(class_dir.glob("*.jpg"))
        for i in range(per_class):
            photo, variant = photos[i % len(photos)], variants[i // len(photos) % len(variants)]
            with Image.open(photo) as img:
                (img if variant is None else img.transpose(variant)).save(folder / class_dir.name / f"{i}_{photo.name}")
    for extra in (FIXTURES / "flower_photos").glob("*.txt"):  # e.g. the archive's LICENSE.txt
        (folder / extra.name).write_bytes(extra.read_bytes())
    return folder


def _mnist_npz(path: Path, n_train: int = 40, n_test: int = 12) -> Path:
    """MNIST's file format (28×28 uint8 images, uint8 labels) filled with scikit-learn digits."""
    (x, y), (xt, yt) = digits.load_digits(seed=0)

    def as_mnist(images):  # 8×8 in [0, 1] -> 24×24 -> padded to 28×28, uint8
        big = np.pad(digits.upsample(images, 3), ((0, 0), (2, 2), (2, 2)))
        return np.round(big * 255).astype("uint8")

    np.savez(path, x_train=as_mnist(x[:n_train]), y_train=y[:n_train].astype("uint8"),
             x_test=as_mnist(xt[:n_test]), y_test=yt[:n_test].astype("uint8"))
    return path


def serve(folder: Path):
    """Build and serve the mirror; return ``(manifest path, stop function)``."""
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

    def stop():
        httpd.shutdown()
        httpd.server_close()

    return folder / "manifest.json", stop


