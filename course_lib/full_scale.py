"""The lessons' full-scale runs: real data, downloaded once, trained resumably.

Each function is the whole ``SCALE = "full"`` pipeline of one lesson: locate or download
the dataset (``course_lib.data``), build the model, train it with
``course_lib.training.fit_resumable`` in a run directory under the data cache (a
disconnect resumes from the last epoch), reload the best model with safe mode on and
evaluate it. It returns what the lesson prints, plots and asserts. The notebook cell is
a call to it, so the test suite rehearses exactly this code: on fixture-size archives in
the real layouts, served from 127.0.0.1 through the ``COURSE_MIRROR`` manifest, with
``weights=None`` instead of ImageNet weights and budgets of one epoch
(``tests/test_full_scale_rehearsal.py``).

Every function prints its progress (downloads, feature extraction per chunk, one line
per epoch) and, without a GPU, a warning with a rough time estimate.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from course_lib.checks import (
    check_choice,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
    check_seed,
)
from course_lib.env import warn_without_gpu
from course_lib.files import atomic_write

__all__ = [
    "anki_translation",
    "caption_flickr8k",
    "check_learned",
    "fit_named_run",
    "flickr8k_features",
    "flowers_model",
    "flowers_transfer",
    "imdb_sentiment",
    "review_classifier",
    "translation_attention",
    "unfreeze_top",
]

# Measured seconds per training step on a 2-core CPU, for the no-GPU estimate.
_CPU_SECONDS_PER_STEP = {"imdb": 0.5, "anki": 0.6, "captions": 0.8, "flowers": 1.5}


def check_learned(holds: bool, claim: str) -> None:
    """Check a claim about how well a full-scale model learned, e.g. a test accuracy.

    Raises ``AssertionError(claim)`` when it does not hold, except when the data are
    fixture-size copies of the real datasets (``COURSE_FIXTURE_DATA=1``, set by the
    course's CI, which runs full-scale lessons on a handful of images): there a model
    cannot learn, so the claim is printed with what was measured and not asserted.
    """
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"holds: expected True or False (the claim's check), got {type(holds).__name__}")
    if not isinstance(claim, str) or not claim:
        raise TypeError(f"claim: expected a sentence that says what should hold, got {claim!r}")
    if os.environ.get("COURSE_FIXTURE_DATA") == "1":
        print(f"not asserted on fixture-size data ({'holds' if holds else 'does not hold'} here): {claim}")
        return
    if not holds:
        raise AssertionError(claim)


def fit_named_run(model, x, y, *, name: str, epochs: int, seed: int = 0, batch_size: int = 64,
                  cpu_seconds_per_step: float = 0.5, run_root=None):
    """Full-scale training of a model a lesson built itself (lesson 13): ``fit_resumable``
    into the run directory ``runs/<name>`` of the data cache, monitoring the training
    loss, with one line per epoch and, without a GPU, a warning with the time estimate.

    Args:
        model: a compiled Keras model; x: (N, ...) inputs; y: (N, ...) targets.
        name: the run's folder under ``runs/`` in the data cache (or ``run_root``).
        epochs: total epochs of the run; seed: the shuffle's seed; batch_size: per step.
        cpu_seconds_per_step: what one step costs on a 2-core CPU, for the warning.

    Returns:
        the ``training.TrainingRun``; a second call continues (or reloads) the same run.
    """
    from course_lib.training import fit_resumable

    batch_size = check_positive_int(batch_size, "batch_size")
    steps = check_positive_int(epochs, "epochs") * -(-len(x) // batch_size)
    warn_without_gpu(name, steps, cpu_seconds_per_step)
    return fit_resumable(model, x, y, run_dir=_runs(run_root) / name, epochs=epochs, batch_size=batch_size,
                         seed=seed, monitor="loss", verbose=2)


def _runs(run_root) -> Path:
    from course_lib.data.download import cache_dir

    return Path(run_root) if run_root is not None else cache_dir() / "runs"


def _best(run, run_dir):
    from course_lib.training import load_best

    return load_best(run_dir) if run.best else None


# ---------------------------------------------------------------------- lesson 06: IMDB


def review_classifier(vocab_size: int, embed: int = 32, units: int = 32):
    """Lesson 06's sentiment model: masked embedding, two stacked bidirectional LSTMs.

    Input (batch, T) int ids (0 = padding) -> (batch, 1) probability of a positive review.
    """
    import keras

    vocab_size = check_positive_int(vocab_size, "vocab_size", minimum=2)
    return keras.Sequential([
        keras.layers.Embedding(vocab_size, check_positive_int(embed, "embed"), mask_zero=True),
        keras.layers.Bidirectional(keras.layers.LSTM(check_positive_int(units, "units", minimum=2),
                                                     return_sequences=True)),
        keras.layers.Bidirectional(keras.layers.LSTM(units // 2)),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def imdb_sentiment(*, epochs: int = 3, seed: int = 0, max_tokens: int = 20_000, seq_len: int = 300,
                   embed: int = 64, units: int = 64, limit: int | None = None, build=None,
                   run_root=None) -> dict:
    """Lesson 06 at full scale: the stacked bidirectional LSTM on the IMDB reviews.

    Args:
        build: optional ``build(vocab_size) -> keras.Model`` (ids in, one sigmoid out)
            to train instead of ``review_classifier`` (use a new ``run_root`` for it).

    Returns:
        ``{"model", "history", "test_accuracy", "run"}``; the model is ``best.keras``
        reloaded (safe mode), the accuracy measured on the 25,000 test reviews.
    """
    import keras
    import tensorflow as tf

    from course_lib.data.imdb import load_imdb
    from course_lib.training import fit_resumable

    epochs = check_positive_int(epochs, "epochs")
    if build is not None and not callable(build):
        raise TypeError(f"build: expected a function vocab_size -> keras.Model, got {type(build).__name__}")
    train_texts, train_labels, _ = load_imdb("train")
    test_texts, test_labels, _ = load_imdb("test")
    if limit is not None:
        train_texts, train_labels = train_texts[:limit], train_labels[:limit]
        test_texts, test_labels = test_texts[:limit], test_labels[:limit]
    vectorize = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=seq_len)
    vectorize.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(512))
    order = np.random.default_rng(check_seed(seed)).permutation(len(train_texts))  # files come sorted neg, pos
    ids_train = vectorize(np.array(train_texts)[order]).numpy()
    labels = np.asarray(train_labels)[order].astype("float32")
    ids_test = vectorize(np.array(test_texts)).numpy()
    keras.utils.set_random_seed(seed)
    model = build(max_tokens) if build is not None else review_classifier(max_tokens, embed=embed, units=units)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])
    n_val = max(1, len(ids_train) // 10)
    warn_without_gpu("IMDB", epochs * (len(ids_train) - n_val) // 64, _CPU_SECONDS_PER_STEP["imdb"])
    run_dir = _runs(run_root) / "06_imdb"
    run = fit_resumable(model, ids_train[n_val:], labels[n_val:], run_dir=run_dir, epochs=epochs,
                        batch_size=64, validation_data=(ids_train[:n_val], labels[:n_val]), seed=seed,
                        verbose=2)
    best = _best(run, run_dir)
    accuracy = best.evaluate(ids_test, np.asarray(test_labels, "float32"), batch_size=256, verbose=0)[1]
    return {"model": best, "history": run.history, "test_accuracy": float(accuracy), "run": run}


# ---------------------------------------------------------------------- lesson 08: Anki


def anki_translation(path, *, epochs: int = 10, seed: int = 0, limit: int | None = 60_000,
                     max_words: int = 20, embed_dim: int = 128, units: int = 256, sha256: str | None = None,
                     run_root=None) -> dict:
    """Lesson 08 at full scale: the attention seq2seq model on Spanish -> English pairs.

    Args:
        path: the Anki file (``course_lib.data.anki.locate_anki`` finds or downloads it).
        limit: the first ``limit`` pairs (the file is sorted short to long).

    Returns:
        ``{"model", "encoder", "decoder", "attention_model", "history", "bleu",
        "hypotheses", "references", "sources", "source_vocab", "target_vocab", "x_test",
        "reloaded", "run"}``; corpus BLEU-4 (``metrics.bleu_scores``) on the held-out 10 %; ``reloaded`` is
        ``best.keras`` loaded with safe mode, ``run`` the ``TrainingRun``.
    """
    import keras

    from course_lib import metrics, seq2seq, translation
    from course_lib.data import anki
    from course_lib.training import fit_resumable
    from course_lib.vocabulary import Vocabulary

    epochs = check_positive_int(epochs, "epochs")
    pairs = anki.load_anki(path, sha256=sha256, limit=limit)
    order = np.random.default_rng(check_seed(seed)).permutation(len(pairs))
    src_tok = [anki.tokenize_sentence(pairs[i].other)[:max_words] for i in order]
    tgt_tok = [anki.tokenize_sentence(pairs[i].english)[:max_words] for i in order]
    split = max(1, int(0.9 * len(order)))
    # words seen only in the held-out 10 % become [UNK] (the default unknown="unk")
    src_vocab = Vocabulary(t for s in src_tok[:split] for t in s)
    tgt_vocab = Vocabulary(t for s in tgt_tok[:split] for t in s)
    x = src_vocab.encode(src_tok)
    y_in, y_out = tgt_vocab.encode(tgt_tok, start=True), tgt_vocab.encode(tgt_tok, end=True)
    parts = seq2seq.build_seq2seq(len(src_vocab), len(tgt_vocab), embed_dim=embed_dim, units=units,
                                  attention=True, seed=seed)
    parts["model"].compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                           ignore_class=tgt_vocab.pad_id))
    n_val = max(1, split // 20)
    warn_without_gpu("Anki", epochs * (split - n_val) // 128, _CPU_SECONDS_PER_STEP["anki"])
    run_dir = _runs(run_root) / "08_anki"
    run = fit_resumable(parts["model"], [x[n_val:split], y_in[n_val:split]], y_out[n_val:split],
                        run_dir=run_dir, epochs=epochs, batch_size=128, seed=seed,
                        validation_data=([x[:n_val], y_in[:n_val]], y_out[:n_val]), verbose=2)
    reloaded = _best(run, run_dir)
    if reloaded is not None:  # the best epoch's weights, from best.keras (safe mode)
        parts["model"].set_weights(reloaded.get_weights())
    ids, _ = translation.greedy_translate(parts["encoder"], parts["decoder"], x[split:], max_len=max_words + 2)
    hyps = [" ".join(t) for t in tgt_vocab.decode(ids)]
    refs = [" ".join(t) for t in tgt_tok[split:]]
    bleu = metrics.bleu_scores(hyps, [[r] for r in refs])[4]
    return {**parts, "history": run.history, "bleu": bleu, "hypotheses": hyps,
            "references": refs, "sources": src_tok[split:], "source_vocab": src_vocab,
            "target_vocab": tgt_vocab, "x_test": x[split:], "reloaded": reloaded, "run": run}


def translation_attention(result: dict, index: int):
    """Where the Anki model looked while writing its own translation of test sentence ``index``.

    Args:
        result: what ``anki_translation`` returned; index: a held-out sentence.

    Returns:
        ``(weights, source_tokens, output_tokens)``: weights (T, S) of the model
        teacher-forced on its own greedy output (row t produced output token t).
    """
    n = len(result["sources"])
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ValueError(f"index: expected an int in [0, {n}), got {index!r}")
    source = result["sources"][index]
    words = result["hypotheses"][index].split()
    vocab = result["target_vocab"]
    target_in = vocab.encode([words], start=True)
    x = result["x_test"][index : index + 1]
    weights = np.asarray(result["attention_model"].predict([x, target_in], verbose=0))[0]
    return weights[: len(words) + 1, : len(source)], source, [*words, "<end>"]


# ---------------------------------------------------------------- lessons 09-10: Flickr8k


def flickr8k_features(root, split_images: dict, *, grid: bool, weights: str | None = "imagenet",
                      image_size: int = 224, chunk: int = 256, cache=None) -> dict:
    """MobileNetV2 features of Flickr8k photos, computed once per split and cached on disk.

    Args:
        root: the extracted Flickr8k folder; split_images: split -> image names.
        grid: keep the 7×7×1280 grid (lesson 10, stored as float16) or pool it to a
            1280-number vector (lesson 09).
        weights: ``"imagenet"``, or ``None`` for random weights (the test rehearsal).

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
                     beam_width: int = 1, run_root=None) -> dict:
    """Lessons 09 and 10 at full scale: a captioner on Flickr8k with MobileNetV2 features.

    Args:
        decoder: ``"show_and_tell"`` (pooled vector, lesson 09) or ``"show_attend_tell"``
            (7×7 grid with spatial attention, lesson 10).
        root: an extracted Flickr8k folder (release or Kaggle layout), or ``None`` to
            download the release archives (``course_lib.data.flickr8k.download_flickr8k``).
        captions_per_image: training pairs per photo (each repeats the photo's features).

    Returns:
        ``{"model", "tokenizer", "history", "hypotheses", "references", "bleu", "alpha",
        "test_images", "root"}``; ``alpha`` (N, max_len, 7, 7) only for the attention decoder.
    """
    import keras

    from course_lib.captioning import (
        ShowAndTell,
        ShowAttendTell,
        fit_captioner,
        generate_captions,
    )
    from course_lib.data import flickr8k
    from course_lib.metrics import bleu_scores
    from course_lib.vocabulary import CaptionTokenizer

    decoder = check_choice(decoder, "decoder", ("show_and_tell", "show_attend_tell"))
    epochs = check_positive_int(epochs, "epochs")
    root = Path(root) if root is not None else flickr8k.download_flickr8k()
    data = flickr8k.load_flickr8k(root)
    grid = decoder == "show_attend_tell"
    feats = flickr8k_features(root, {s: data[s]["images"] for s in ("train", "test")}, grid=grid,
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
    pairs = sum(len(c) for c in clean)
    warn_without_gpu(f"Flickr8k ({decoder})", epochs * pairs // 128, _CPU_SECONDS_PER_STEP["captions"])
    run_dir = _runs(run_root) / ("10_flickr8k" if grid else "09_flickr8k")
    run = fit_captioner(model, feats["train"], clean, tokenizer, max_len=max_len, epochs=epochs, seed=seed,
                        run_dir=run_dir)
    best = _best(run, run_dir)
    if best is not None:
        model = best
    if grid:
        hyps, _, alpha = generate_captions(model, feats["test"], tokenizer, max_len=max_len, return_attention=True)
    else:
        hyps, _ = generate_captions(model, feats["test"], tokenizer, max_len=max_len, beam_width=beam_width)
        alpha = None
    refs = data["test"]["captions"]
    return {"model": model, "tokenizer": tokenizer, "history": run.history, "hypotheses": hyps,
            "references": refs, "bleu": bleu_scores(hyps, refs), "alpha": alpha,
            "test_images": data["test"]["images"], "root": root}


# -------------------------------------------------------------------- lesson 11: flowers


def flowers_model(size: int, classes: int, *, weights: str | None = "imagenet", width: float = 1.0):
    """Lesson 11's full-scale model: a frozen MobileNetV2 without its top, then a linear head.

    Images ``(B, size, size, 3)`` in [0, 255] -> logits ``(B, classes)`` (average pooling,
    dropout 0.2, one Dense layer). Returns ``(model, base)``, ``base`` the MobileNetV2.
    ``width``: MobileNetV2's width multiplier (Keras' ``alpha``; 0.35 is the smallest).
    """
    import keras

    size = check_positive_int(size, "size", minimum=32)
    classes = check_positive_int(classes, "classes", minimum=2)
    width = check_positive(width, "width")
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), include_top=False, weights=weights,
                                          alpha=width)
    base.trainable = False
    inputs = keras.Input((size, size, 3))
    h = keras.applications.mobilenet_v2.preprocess_input(keras.ops.cast(inputs, "float32"))
    h = keras.layers.GlobalAveragePooling2D()(base(h))
    return keras.Model(inputs, keras.layers.Dense(classes)(keras.layers.Dropout(0.2)(h))), base


def unfreeze_top(base, first: int = 100) -> None:
    """Fine-tuning: train ``base``'s layers from index ``first`` on, BatchNorm kept in inference mode."""
    import keras

    if not isinstance(base, keras.Model):
        raise TypeError(f"base: expected a keras.Model (the backbone), got {type(base).__name__}")
    first = check_nonnegative_int(first, "first")
    base.trainable = True
    for layer in base.layers[:first]:  # keep the early, generic layers frozen
        layer.trainable = False
    for layer in base.layers:  # BatchNorm in inference mode (Keras 3: trainable=False)
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def flowers_transfer(*, size: int = 160, epochs: int = 5, seed: int = 0, weights: str | None = "imagenet",
                     width: float = 1.0, test_fraction: float = 0.2, run_root=None) -> dict:
    """Lesson 11 at full scale: MobileNetV2 on tf_flowers, frozen + linear, then fine-tuned.

    Phase 1 trains a linear classifier on the frozen backbone; phase 2 unfreezes the top
    layers (BatchNorm kept in inference mode) and fine-tunes with a 10× smaller rate.

    Returns:
        ``{"model", "frozen_accuracy", "tuned_accuracy", "histories", "runs"}`` (test
        accuracy of each phase's best model, reloaded with safe mode from its run
        directory; ``runs``: phase -> ``TrainingRun``).
    """
    import keras

    from course_lib.data.flowers import CLASSES, load_flowers
    from course_lib.training import fit_resumable

    size = check_positive_int(size, "size", minimum=32)
    epochs = check_positive_int(epochs, "epochs")
    (x_tr, y_tr), (x_te, y_te) = load_flowers(size=size, test_fraction=test_fraction, seed=seed)
    n_val = max(1, len(x_tr) // 10)  # load_flowers shuffled the photos: the first 10 % validate
    val = (x_tr[:n_val], y_tr[:n_val])
    keras.utils.set_random_seed(seed)
    model, base = flowers_model(size, len(CLASSES), weights=weights, width=width)

    def loss():
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    warn_without_gpu("tf_flowers", 2 * epochs * (len(x_tr) - n_val) // 32, _CPU_SECONDS_PER_STEP["flowers"])
    root, results, histories, done = _runs(run_root), {}, {}, {}
    for phase, rate in (("frozen", 1e-3), ("tuned", 1e-4)):
        if phase == "tuned":
            unfreeze_top(base)
        model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss(), metrics=["accuracy"])
        run_dir = root / f"11_flowers_{phase}"
        run = fit_resumable(model, x_tr[n_val:], y_tr[n_val:], run_dir=run_dir, epochs=epochs, batch_size=32,
                            validation_data=val, seed=seed, verbose=2)
        best = _best(run, run_dir)
        results[phase] = float(best.evaluate(x_te, y_te, verbose=0)[1])
        histories[phase], done[phase] = run.history, run
    return {"model": model, "frozen_accuracy": results["frozen"], "tuned_accuracy": results["tuned"],
            "histories": histories, "runs": done}
