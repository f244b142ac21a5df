"""Generated scenes for captioning: coloured shapes with captions and object masks.

Each image holds one to three objects (a circle, square or triangle; red, green, blue or
yellow; small or large), each in its own column of the image, so "left of" and "right of"
are always well defined and objects never overlap. Every image comes with several
reference captions from a small grammar with paraphrases ("a large red circle left of a
small blue square", "a small blue square to the right of a big red circle", ...) and the
pixel mask of every object, so a lesson can check where a captioning model looks.

Generation is vectorised over images: a few thousand 32×32 scenes take well under a
second.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from course_lib.checks import check_array, check_choice, check_positive_int, check_seed

__all__ = [
    "COLOURS",
    "SHAPES",
    "SIZES",
    "Scenes",
    "make_scenes",
]

SHAPES = ("circle", "square", "triangle")
COLOURS = ("red", "green", "blue", "yellow")
SIZES = ("small", "large")
#: the words a caption may use for each size (paraphrases)
SIZE_WORDS = {"small": ("small", "little"), "large": ("large", "big")}
_RGB = np.array([[0.9, 0.15, 0.1], [0.1, 0.75, 0.2], [0.15, 0.3, 0.95], [0.95, 0.85, 0.1]], "float32")
MAX_OBJECTS = 3
N_COLUMNS = 3

# caption templates by number of objects; {0}, {1}, {2} are the objects left to right
TEMPLATES = {
    1: ("{0}", "there is {0}", "a picture of {0}"),
    2: ("{0} left of {1}", "{1} to the right of {0}", "{0} and {1}"),
    3: ("{0} , {1} and {2}", "{0} left of {1} left of {2}", "from left to right {0} , {1} and {2}"),
}


@dataclasses.dataclass
class Scenes:
    """A batch of generated scenes.

    Attributes:
        images: (N, H, W, 3) float32 in [0, 1].
        masks: (N, 3, H, W) bool, the pixels of object k (left to right); all False for
            an absent object.
        shape, colour, size: (N, 3) int, indices into SHAPES / COLOURS / SIZES of
            object k (left to right), -1 where absent.
        n_objects: (N,) int in 1..3.
        captions: N lists of reference captions (strings of space-separated words).
    """

    images: np.ndarray
    masks: np.ndarray
    shape: np.ndarray
    colour: np.ndarray
    size: np.ndarray
    n_objects: np.ndarray
    captions: list

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index) -> Scenes:
        """The scenes at ``index`` (an int array or a boolean mask of length N)."""
        index = np.asarray(index)
        if index.dtype == bool:
            if index.shape != (len(self),):
                raise ValueError(f"index: expected a boolean mask of shape ({len(self)},), got {index.shape}")
            index = np.flatnonzero(index)
        index = check_array(index, "index", ("n",), dtype="int", allow_empty=True)
        if index.size and (index.min() < -len(self) or index.max() >= len(self)):
            raise ValueError(f"index: expected positions in [0, {len(self)}), got {index.min()}..{index.max()}")
        return Scenes(
            images=self.images[index],
            masks=self.masks[index],
            shape=self.shape[index],
            colour=self.colour[index],
            size=self.size[index],
            n_objects=self.n_objects[index],
            captions=[self.captions[i] for i in index],
        )

    def labels(self) -> np.ndarray:
        """Multi-hot "which objects are in the scene" targets for pretraining a CNN.

        Returns:
            (N, 12 + 2) float32: one unit per (colour, shape) pair that is present,
            then whether a small and whether a large object is present.
        """
        n = len(self)
        out = np.zeros((n, len(COLOURS) * len(SHAPES) + len(SIZES)), "float32")
        rows, cols = np.nonzero(self.shape >= 0)
        pair = self.colour[rows, cols] * len(SHAPES) + self.shape[rows, cols]
        out[rows, pair] = 1.0
        out[rows, len(COLOURS) * len(SHAPES) + self.size[rows, cols]] = 1.0
        return out


def _object_words(shape: int, colour: int, size: int, synonym: int = 0) -> str:
    """The noun phrase for one object, e.g. ``"a big red circle"``.

    Args:
        shape, colour, size: indices into SHAPES, COLOURS, SIZES.
        synonym: 0 or 1, which word to use for the size.
    """
    for value, name, options in ((shape, "shape", SHAPES), (colour, "colour", COLOURS), (size, "size", SIZES)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < len(options):
            raise ValueError(f"{name}: expected an index in [0, {len(options)}), got {value!r}")
    check_choice(synonym, "synonym", (0, 1))
    return f"a {SIZE_WORDS[SIZES[size]][synonym]} {COLOURS[colour]} {SHAPES[shape]}"


def _describe(shape, colour, size, rng: np.random.Generator | None = None) -> list[str]:
    """Every reference caption of one scene: each template, with random size synonyms.

    Args:
        shape, colour, size: (k,) indices of the scene's objects from left to right
            (entries of -1 are ignored).
        rng: chooses the size synonyms; ``None`` uses the first synonym everywhere.

    Returns:
        a list of captions, one per template of the scene's object count, then the first
        template again with the other size synonyms (four captions in all).
    """
    shape = check_array(shape, "shape", ("k",), dtype="int")
    colour = check_array(colour, "colour", (shape.shape[0],), dtype="int")
    size = check_array(size, "size", (shape.shape[0],), dtype="int")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator or None, got {type(rng).__name__}")
    keep = shape >= 0
    shape, colour, size = shape[keep], colour[keep], size[keep]
    k = len(shape)
    if k not in TEMPLATES:
        raise ValueError(f"shape: expected 1 to {MAX_OBJECTS} objects (ids >= 0), got {k}")
    captions = []
    first_syn = [0] * k
    for t, template in enumerate(list(TEMPLATES[k]) + [TEMPLATES[k][0]]):
        if rng is None:
            syn = [0 if t < len(TEMPLATES[k]) else 1] * k
        elif t == len(TEMPLATES[k]):  # the extra caption: the first template, other synonyms
            syn = [1 - s for s in first_syn]
        else:
            syn = list(rng.integers(0, 2, size=k))
        if t == 0:
            first_syn = syn
        phrases = [_object_words(int(shape[i]), int(colour[i]), int(size[i]), int(syn[i])) for i in range(k)]
        captions.append(template.format(*phrases))
    return captions


def _masks(kind, cx, cy, r, yy, xx):
    """Pixel masks of one object per image. kind, cx, cy, r: (N,); yy, xx: (H, W)."""
    dx = xx[None] - cx[:, None, None]
    dy = yy[None] - cy[:, None, None]
    rr = r[:, None, None]
    circle = dx**2 + dy**2 <= rr**2
    square = np.maximum(np.abs(dx), np.abs(dy)) <= rr * 0.85
    # an upright triangle: apex at the top, base at the bottom
    triangle = (dy >= -rr) & (dy <= rr * 0.8) & (np.abs(dx) <= (dy + rr) * 0.6)
    k = kind[:, None, None]
    return np.where(k == 0, circle, np.where(k == 1, square, triangle))


def make_scenes(
    n: int,
    *,
    image_size: int = 32,
    max_objects: int = 3,
    noise: float = 0.04,
    seed: int = 0,
) -> Scenes:
    """Generate ``n`` scenes with captions and object masks.

    Args:
        n: number of images.
        image_size: side of the square images in pixels (at least 24).
        max_objects: scenes hold 1..max_objects objects (1, 2 or 3), equally often.
        noise: standard deviation of the Gaussian pixel noise.
        seed: seed of the generator (the same seed gives the same scenes).

    Returns:
        a ``Scenes`` with ``images: (n, image_size, image_size, 3)`` and
        ``masks: (n, 3, image_size, image_size)``.
    """
    n = check_positive_int(n, "n")
    size_px = check_positive_int(image_size, "image_size", minimum=24)
    max_objects = check_choice(max_objects, "max_objects", (1, 2, 3))
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        raise ValueError(f"noise: expected a number in [0, 1), got {noise!r}")
    rng = np.random.default_rng(check_seed(seed))

    n_obj = rng.integers(1, max_objects + 1, size=n)
    # choose n_obj distinct columns out of 3, sorted left to right
    order = np.argsort(rng.random((n, N_COLUMNS)), axis=1)
    present = np.arange(N_COLUMNS)[None] < n_obj[:, None]
    chosen = np.sort(np.where(present, order, N_COLUMNS + 1), axis=1)  # absent → sorted last

    shape = np.where(present, rng.integers(0, len(SHAPES), (n, MAX_OBJECTS)), -1)
    colour = np.where(present, rng.integers(0, len(COLOURS), (n, MAX_OBJECTS)), -1)
    size = np.where(present, rng.integers(0, len(SIZES), (n, MAX_OBJECTS)), -1)

    col_w = size_px / N_COLUMNS
    radius = np.where(size == 1, 0.15 * size_px, 0.10 * size_px)
    # a triangle reaches 1.08·r sideways: keep every object inside its own column
    slack = np.maximum(col_w / 2 - 1.08 * radius - 0.5, 0)
    cx = (np.minimum(chosen, N_COLUMNS - 1) + 0.5) * col_w + rng.uniform(-1, 1, (n, MAX_OBJECTS)) * slack
    cy = rng.uniform(radius + 1, size_px - radius - 1)

    yy, xx = np.mgrid[0:size_px, 0:size_px].astype("float32") + 0.5
    masks = np.zeros((n, MAX_OBJECTS, size_px, size_px), bool)
    background = rng.uniform(0.05, 0.3, (n, 1, 1, 1)).astype("float32")
    images = np.broadcast_to(background, (n, size_px, size_px, 3)).copy()
    for k in range(MAX_OBJECTS):
        m = _masks(shape[:, k], cx[:, k], cy[:, k], radius[:, k], yy, xx) & present[:, k, None, None]
        masks[:, k] = m
        rgb = _RGB[np.maximum(colour[:, k], 0)] * rng.uniform(0.85, 1.0, (n, 1)).astype("float32")
        images = np.where(m[..., None], rgb[:, None, None, :], images)
    images = images + rng.normal(0, noise, images.shape).astype("float32")
    images = np.clip(images, 0, 1).astype("float32")

    captions = [_describe(shape[i], colour[i], size[i], rng) for i in range(n)]
    return Scenes(
        images=images,
        masks=masks,
        shape=shape.astype("int64"),
        colour=colour.astype("int64"),
        size=size.astype("int64"),
        n_objects=n_obj.astype("int64"),
        captions=captions,
    )
