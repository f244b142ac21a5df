"""Lessons 09 and 10 at full scale: captioners on Flickr8k over cached MobileNetV2 features."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from course_lib.checks import check_choice, check_positive_int
from course_lib.files import atomic_write
from course_lib.full_scale.skeleton import CPU_SECONDS_PER_STEP, train_run

if TYPE_CHECKING:  # names for the annotations only: importing Keras waits for the first run
    import keras

    from course_lib.training import TrainingRun
    from course_lib.vocabulary import CaptionTokenizer

__all__ = ["CaptioningRun", "caption_flickr8k"]


@dataclasses.dataclass(frozen=True)
class CaptioningRun:
    """What ``caption_flickr8k`` trained, and its captions of the N test photos.

    Attributes:
        model: the captioner with the best epoch's weights (``captioning.ShowAndTell`` or
            ``captioning.ShowAttendTell``).
        tokenizer: the ``CaptionTokenizer`` of the training captions (``model``'s words).
        history: ``"loss"`` -> one value per epoch, from epoch 1.
        hypotheses: N generated captions, without ``<start>`` and ``<end>``.
        references: N lists of the photo's reference captions.
        bleu: ``{1: bleu1, …, 4: bleu4}``, corpus BLEU of ``hypotheses`` against
            ``references``, in [0, 100].
        alpha: (N, max_len, h, w) the attention map over the h×w feature grid behind each
            word (7×7 for 224-pixel photos), or ``None`` for Show-and-Tell.
        test_images: N image file names (in the order of ``hypotheses``).
        root: the Flickr8k folder the photos were read from.
        run: the ``training.TrainingRun`` (``run.initial_epoch > 0``: a resumed run).
    """

    model: keras.Model
    tokenizer: CaptionTokenizer
    history: dict[str, list[float]]
    hypotheses: list[str]
    references: list[list[str]]
    bleu: dict[int, float]
    alpha: np.ndarray | None
    test_images: list[str]
    root: Path
    run: TrainingRun


def _flickr8k_features(root, split_images: dict, *, grid: bool, weights: str | None = "imagenet",
                      image_size: int = 224, chunk: int = 256, cache=None) -> dict:
    """MobileNetV2 features of Flickr8k photos, computed once per split and cached on disk.

    Args:
        root: the extracted Flickr8k folder.
        split_images: split name (``"train"``, ``"test"``) -> the image file names of that split.
        grid: keep the 7×7×1280 grid (lesson 10, stored as float16) or pool it to a
            1280-number vector (lesson 09).
        weights: ``"imagenet"``, or ``None`` for random weights (the test rehearsal).
        image_size: photos are resized to ``image_size × image_size`` pixels (224: a 7×7 grid).
        chunk: photos read and encoded at a time (one progress line each).
        cache: the data cache folder, or ``None`` for ``course_lib.data.download.cache_dir``'s default.

    Returns:
        split -> (N, 7, 7, 1280) float16 grids or (N, 1280) float32 vectors. They are kept
        in ``<cache>/features/`` (``.npy``, named by a hash of the images, backbone and
        shape), so a disconnect does not re-encode every photo.
    """
    from course_lib.data.download import cache_dir
    from course_lib.data.flickr8k import load_images
    from course_lib.vision import extract_features, pretrained_encoder

    backbone, preprocess = pretrained_encoder("mobilenet_v2", image_size, weights=weights)
    folder = cache_dir(cache, name="cache") / "features"
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, names in split_images.items():
        key = hashlib.sha256(repr((sorted(names), grid, weights, image_size)).encode()).hexdigest()[:16]
        path = folder / f"flickr8k_{split}_{'grid' if grid else 'pooled'}_{key}.npy"
        if path.is_file():
            out[split] = np.load(path, allow_pickle=False)
            print(f"{split}: {len(names)} cached features from {path.name}")
            continue

        def load(items):  # photos in [0, 255], read a chunk at a time
            return load_images(root, items, size=image_size) * 255.0

        feats = extract_features(list(names), backbone, pooled=not grid, load=load, preprocess=preprocess,
                                 chunk=chunk, dtype="float16" if grid else "float32", progress=True)
        atomic_write(path, lambda tmp, feats=feats: np.save(tmp, feats))
        out[split] = feats
    return out


def caption_flickr8k(decoder: str, root=None, *, epochs: int = 10, seed: int = 0,
                     weights: str | None = "imagenet", image_size: int = 224, embed_dim: int = 256,
                     units: int = 512, captions_per_image: int = 5, max_len: int = 40, min_count: int = 5,
                     beam_width: int = 1, run_root=None) -> CaptioningRun:
    """Lessons 09 and 10 at full scale: a captioner on Flickr8k with MobileNetV2 features.

    The run is ``runs/09_flickr8k`` (Show-and-Tell) or ``runs/10_flickr8k`` (Show-Attend-Tell),
    trained by ``captioning.fit_captioner`` (128 pairs per step); captions of the test
    photos are scored with BLEU against their references.

    Args:
        decoder: ``"show_and_tell"`` (pooled vector, lesson 09) or ``"show_attend_tell"``
            (7×7 grid with spatial attention, lesson 10).
        root: an extracted Flickr8k folder (release or Kaggle layout), or ``None`` to
            download the release archives (``course_lib.data.flickr8k.download_flickr8k``).
        epochs: total epochs of the run.
        seed: the model's initial weights and each epoch's order.
        weights: the encoder's ``"imagenet"`` weights, or ``None`` for random ones (the rehearsal).
        image_size: photos are resized to ``image_size × image_size`` pixels before the encoder.
        embed_dim: the word embedding's width, also the projected feature's (and attention's) width.
        units: the decoder LSTM's units.
        captions_per_image: training pairs per photo (each repeats the photo's features).
        max_len: id row length T of a caption (``<start>`` and ``<end>`` included).
        min_count: words seen fewer times in the training captions are dropped.
        beam_width: beam search width for Show-and-Tell (1: greedy); the attention decoder is greedy.
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        a ``CaptioningRun``: the model, its captions of the test photos and their BLEU;
        attention maps only for ``"show_attend_tell"``.
    """
    import keras

    from course_lib.captioning import ShowAndTell, ShowAttendTell, fit_captioner, generate_captions
    from course_lib.data import flickr8k as flickr8k_data
    from course_lib.metrics import bleu_scores
    from course_lib.vocabulary import CaptionTokenizer

    decoder = check_choice(decoder, "decoder", ("show_and_tell", "show_attend_tell"))
    epochs = check_positive_int(epochs, "epochs")
    root = Path(root) if root is not None else flickr8k_data.download_flickr8k()
    data = flickr8k_data.load_flickr8k(root)
    grid = decoder == "show_attend_tell"
    feats = _flickr8k_features(root, {s: data[s]["images"] for s in ("train", "test")}, grid=grid,
                              weights=weights, image_size=image_size)
    tokenizer = CaptionTokenizer([c for refs in data["train"]["captions"] for c in refs], min_count=min_count,
                                 unknown="drop")
    # rare words are dropped (unknown="drop"); what is left is cut to fit max_len
    clean = [[" ".join([w for w in tokenizer.split(c) if w in tokenizer][: max_len - 2])
              for c in refs[:captions_per_image]] for refs in data["train"]["captions"]]
    keras.utils.set_random_seed(seed)
    if grid:
        model = ShowAttendTell(tokenizer.size, embed_dim=embed_dim, units=units, feature_dim=embed_dim,
                               attention_units=embed_dim)
    else:
        model = ShowAndTell(tokenizer.size, embed_dim=embed_dim, units=units, feature_dim=embed_dim)

    def fit(model, features, captions, *, run_dir, epochs, batch_size, seed, **_):  # compiles, then fit_resumable
        return fit_captioner(model, features, captions, tokenizer, max_len=max_len, epochs=epochs,
                             batch_size=batch_size, seed=seed, run_dir=run_dir)

    run, best = train_run(model, feats["train"], clean, name="10_flickr8k" if grid else "09_flickr8k",
                          epochs=epochs, batch_size=128, seed=seed, warn_as=f"Flickr8k ({decoder})",
                          cpu_seconds_per_step=CPU_SECONDS_PER_STEP["captions"],
                          examples=sum(len(c) for c in clean), fit=fit, run_root=run_root)
    if best is not None:
        model = best
    # the attention decoder: greedy, with its maps; the other: beam search
    out = generate_captions(model, feats["test"], tokenizer, max_len=max_len, beam_width=1 if grid else beam_width,
                            return_attention=grid)
    hyps, alpha = out.texts, out.alpha
    refs = data["test"]["captions"]
    return CaptioningRun(model=model, tokenizer=tokenizer, history=run.history, hypotheses=hyps, references=refs,
                         bleu=bleu_scores(hyps, refs), alpha=alpha, test_images=data["test"]["images"], root=root,
                         run=run)
