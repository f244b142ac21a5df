"""Image encoders: small CNNs, their pretraining and caching, feature extraction, and
removing a classifier's head (lessons 09, 10 and 11).

* ``conv_backbone``: a headless CNN body of conv–batch-norm–ReLU blocks (lesson 11
  pretrains it on one task and transfers it to another).
* ``small_cnn``: the blocks with a classifier head; ``pretrain_cnn`` trains it on
  multi-label targets; ``pretrained_scene_cnn`` trains it once and caches it, so lessons
  09 and 10 share one encoder; ``label_accuracy`` scores it.
* ``cnn_encoder``: cut a trained classifier at its last convolutional grid (or its
  average) — the transfer-learning pattern. ``pretrained_encoder`` does the same with an
  ImageNet Keras application (full scale).
* ``extract_features``: run a frozen encoder over many images a chunk at a time.
"""

from __future__ import annotations

import keras
import numpy as np

from course_lib.checks import (
    check_array,
    check_choice,
    check_finite,
    check_model,
    check_positive_int,
    check_probability,
    check_seed,
    check_sequence,
    check_tensor,
)
from course_lib.files import atomic_write
from course_lib.fitting import build_optimizer

__all__ = [
    "cnn_encoder",
    "conv_backbone",
    "extract_features",
    "label_accuracy",
    "pretrain_cnn",
    "pretrained_encoder",
    "pretrained_scene_cnn",
    "small_cnn",
]


def _conv_blocks(x, widths, *, bn_momentum: float, grid_name: str | None = None):
    """Convolution blocks: 3×3 conv (no bias), batch norm, ReLU; 2×2 max pooling between
    blocks (not after the last). x: (B, S, S, C) -> (B, S/2^(n-1), S/2^(n-1), widths[-1]).

    With ``grid_name``, the last conv is named ``grid_name + "_conv"`` and its ReLU
    ``grid_name``, so ``cnn_encoder`` can cut the model there.
    """
    check_tensor(x, "x", ("batch", "height", "width", "channels"))
    widths = [check_positive_int(w, "widths") for w in check_sequence(widths, "widths", "channel counts")]
    bn_momentum = check_probability(bn_momentum, "bn_momentum")
    L = keras.layers
    for i, channels in enumerate(widths):
        last = i == len(widths) - 1
        name = grid_name if last and grid_name else None
        x = L.Conv2D(channels, 3, padding="same", use_bias=False, name=f"{name}_conv" if name else None)(x)
        x = L.BatchNormalization(momentum=bn_momentum)(x)
        x = L.ReLU(name=name)(x)
        if not last:
            x = L.MaxPooling2D()(x)
    return x


def conv_backbone(image_size: int, channels: int = 3, widths=(16, 32, 64), *,
                  bn_momentum: float = 0.9, name: str = "backbone"):
    """A small CNN body without a head: images (B, S, S, channels) -> features (B, widths[-1]).

    Conv–batch-norm–ReLU blocks followed by global average pooling; a classifier adds a ``Dense``
    layer on top, and transfer learning keeps this part (lesson 11).
    """
    image_size = check_positive_int(image_size, "image_size", minimum=4)
    channels = check_positive_int(channels, "channels")
    inputs = keras.Input((image_size, image_size, channels))
    h = _conv_blocks(inputs, widths, bn_momentum=bn_momentum)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(h), name=name)


def small_cnn(image_size: int, n_labels: int, width: int = 32, name: str = "scene_cnn"):
    """A small CNN classifier: conv–batch-norm–ReLU blocks of (width, 2·width, 2·width) channels,
    average pooling, a dense head.

    Args:
        image_size: side S of the square RGB input images.
        n_labels: number of independent (sigmoid) outputs of the head.
        width: channels of the first block (the others have 2·width).

    Returns:
        a ``keras.Model`` images (B, S, S, 3) → logits (B, n_labels); its layer named
        ``"grid"`` outputs the (B, S/4, S/4, 2·width) feature grid.
    """
    image_size = check_positive_int(image_size, "image_size", minimum=8)
    n_labels = check_positive_int(n_labels, "n_labels")
    width = check_positive_int(width, "width")
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = _conv_blocks(inputs, (width, 2 * width, 2 * width), bn_momentum=0.5, grid_name="grid")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(n_labels, name="head")(x)
    return keras.Model(inputs, outputs, name=name)


def pretrain_cnn(cnn, images, labels, *, epochs: int = 5, batch_size: int = 32, learning_rate: float = 5e-3):
    """Train a classifier from ``small_cnn`` on multi-label targets (sigmoid + cross-entropy).

    Args:
        cnn: the model, images (B, S, S, 3) → logits (B, K).
        images: (N, S, S, 3) float images.
        labels: (N, K) 0/1 targets.

    Returns:
        the Keras ``History``.
    """
    check_model(cnn, "cnn")
    batch_size = check_positive_int(batch_size, "batch_size")
    images = check_finite(check_array(images, "images", ("n", "height", "width", 3), dtype="float"), "images")
    labels = check_array(labels, "labels", ("n", cnn.output_shape[-1]), dtype="number")
    if labels.size and (labels.min() < 0 or labels.max() > 1 or not np.isfinite(labels).all()):
        raise ValueError(f"labels: expected 0/1 targets, got values in [{labels.min()}, {labels.max()}]")
    if len(images) != len(labels):
        raise ValueError(f"images and labels must have the same length, got {len(images)} and {len(labels)}")
    cnn.compile(
        keras.optimizers.Adam(learning_rate),
        keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="acc")],
    )
    build_optimizer(cnn)  # Adam's variables now: fit traces its step once
    return cnn.fit(images, labels, batch_size=batch_size, epochs=check_positive_int(epochs, "epochs"), verbose=0)


def _scene_cnn_cache_path(images, labels, width: int, epochs: int, seed: int):
    """Where ``pretrained_scene_cnn`` keeps the CNN trained on these inputs."""
    import hashlib
    import inspect

    from course_lib.data.download import cache_dir

    digest = hashlib.sha256()
    for part in (np.ascontiguousarray(images, "float32"), np.ascontiguousarray(labels, "float32")):
        digest.update(str(part.shape).encode())
        digest.update(part.tobytes())
    digest.update(f"{width} {epochs} {seed} keras {keras.__version__}".encode())
    digest.update((inspect.getsource(small_cnn) + inspect.getsource(pretrain_cnn)).encode())
    return cache_dir() / "models" / f"scene_cnn-{digest.hexdigest()[:16]}.keras"


def pretrained_scene_cnn(images, labels, *, width: int = 24, epochs: int = 5, seed: int = 0,
                         cache: bool = True):
    """``small_cnn`` trained by ``pretrain_cnn``, trained once and then loaded from the cache.

    The trained model is saved as ``.keras`` in ``course_lib.data.download.cache_dir()``
    under ``models/``, named by a SHA-256 of everything that decides the result: the
    images and labels, ``width``, ``epochs``, ``seed``, the code of ``small_cnn`` and
    ``pretrain_cnn`` and the Keras version. A later call with the same inputs (lesson 10
    after lesson 09, or a second run) loads it with safe mode on instead of training
    again; on the same machine that gives the same model training would (training is
    seeded and deterministic). A cached file that cannot be read is trained again.
    Either way the call leaves the global random generators (Keras, NumPy, Python) seeded
    with ``seed``, so the rest of a lesson does not depend on whether the cache was used.

    Args:
        images: (N, S, S, 3) float images.
        labels: (N, K) 0/1 targets.
        width: channels of the CNN's first block.
        epochs: epochs of ``pretrain_cnn``.
        seed: seeds Keras before the model is built, so the result depends on it alone.
        cache: ``False`` to train without reading or writing the cache.

    Returns:
        ``(cnn, trained)``: the classifier, and ``True`` if it was trained by this call
        (``False`` if it came from the cache).
    """

    images = check_array(images, "images", ("n", "size", "size", 3), dtype="float")
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"images: expected square images (N, S, S, 3), got shape {images.shape}")
    labels = check_array(labels, "labels", ("n", "k"), dtype="number")
    if len(images) != len(labels):
        raise ValueError(f"images and labels must have the same length, got {len(images)} and {len(labels)}")
    width, epochs = check_positive_int(width, "width"), check_positive_int(epochs, "epochs")
    seed = check_seed(seed)
    path = _scene_cnn_cache_path(images, labels, width, epochs, seed) if cache else None
    if path is not None:
        if path.is_file():
            try:
                cnn = keras.saving.load_model(path, safe_mode=True)
            except Exception as err:  # a damaged cache file is rebuilt, not trusted
                print(f"{path} could not be read ({type(err).__name__}); training the CNN again")
            else:
                keras.utils.set_random_seed(seed)  # the same random state as after training
                return cnn, False
    keras.utils.set_random_seed(seed)
    cnn = small_cnn(images.shape[1], labels.shape[1], width=width)
    pretrain_cnn(cnn, images, labels, epochs=epochs)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, cnn.save)  # readers see the old file or the complete new one
    keras.utils.set_random_seed(seed)  # what follows does not depend on whether it trained
    return cnn, True


def label_accuracy(logits, labels):
    """Per-label accuracy of a multi-label classifier, next to its trivial baseline.

    Args:
        logits: (N, K) scores; a label is predicted present when its logit is > 0.
        labels: (N, K) 0/1 targets.

    Returns:
        ``(accuracy, majority)``: the fraction of the N·K labels predicted right, and
        what always guessing each label's more common value (over these N rows) scores —
        with mostly-absent labels, predicting "nothing" is already right most of the time.
    """
    logits = check_array(logits, "logits", ("n", "labels"), dtype="number")
    labels = check_array(labels, "labels", ("n", "labels"), dtype="number")
    if logits.shape != labels.shape:
        raise ValueError(f"logits and labels must have the same shape, got {logits.shape} and {labels.shape}")
    truth = labels > 0.5
    accuracy = float(((logits > 0) == truth).mean())
    share = truth.mean(axis=0)
    return accuracy, float(np.maximum(share, 1 - share).mean())


def extract_features(images, backbone, *, pooled: bool = False, chunk: int = 256, load=None,
                     preprocess=None, dtype: str = "float32", progress: bool = False):
    """Run a frozen encoder over many images a chunk at a time and cache the result.

    Only one chunk of images (and its features) is in memory besides the output array,
    so thousands of photos can be encoded without holding them all.

    Args:
        images: (N, S, S, 3) images, or, with ``load``, a list of N items (e.g. file
            names) that ``load`` turns into images.
        backbone: a ``keras.Model`` images (B, S, S, 3) → grid (B, h, w, C) or vector (B, C)
            (e.g. from ``cnn_encoder`` or ``pretrained_encoder``).
        pooled: average a grid output over its h·w cells → (N, C); False keeps the
            backbone's output as it is.
        chunk: images per chunk.
        load: optional function, list of items → (n, S, S, 3) images.
        preprocess: optional function applied to each chunk of images before the backbone.
        dtype: dtype of the returned array (e.g. ``"float16"`` to halve big grids).
        progress: print one line per chunk (images done, of how many).

    Returns:
        (N, h, w, C) grids, or (N, C) vectors when ``pooled`` (or the backbone pools).
    """
    if not isinstance(backbone, keras.Model):
        raise TypeError(f"backbone: expected a keras.Model, got {type(backbone).__name__}")
    chunk = check_positive_int(chunk, "chunk")
    if load is None:
        if isinstance(images, (list, tuple)):
            raise TypeError("images: got a list; pass load= to turn its items into images, or pass an array")
        images = check_array(images, "images", ("n", "height", "width", 3), dtype="number")
    elif not callable(load):
        raise TypeError(f"load: expected a function, got {type(load).__name__}")
    if len(images) == 0:
        raise ValueError("images: expected at least one image")
    expected = tuple(backbone.input_shape[1:])
    out = None
    for start in range(0, len(images), chunk):
        batch = images[start:start + chunk]
        if load is not None:
            batch = check_array(load(batch), "load(items)", ("n", "height", "width", 3), dtype="number")
            if len(batch) != len(images[start:start + chunk]):
                raise ValueError(f"load: returned {len(batch)} images for {len(images[start:start + chunk])} items")
        if any(e is not None and e != s for e, s in zip(expected, batch.shape[1:])):
            raise ValueError(f"images: the backbone expects images of shape {expected}, got {batch.shape[1:]}")
        if preprocess is not None:
            batch = preprocess(batch)
        feats = np.asarray(backbone.predict(batch, batch_size=min(chunk, 256), verbose=0))
        if pooled:
            if feats.ndim != 4:
                raise ValueError(f"pooled: the backbone outputs shape {feats.shape[1:]}, not a grid (h, w, C)")
            feats = feats.mean(axis=(1, 2))
        if out is None:
            out = np.empty((len(images), *feats.shape[1:]), dtype)
        out[start:start + len(feats)] = feats
        if progress:
            done = start + len(feats)
            print(f"\rfeatures: {done:,} of {len(images):,} images", end="\n" if done == len(images) else "",
                  flush=True)
    return out


def cnn_encoder(classifier, layer: str = "grid", pooled: bool = False):
    """Remove a trained classifier's head: a model from its input to one inner layer.

    Args:
        classifier: a functional ``keras.Model`` (e.g. from ``small_cnn``).
        layer: name of the convolutional layer whose output to keep.
        pooled: also average over the grid's cells.

    Returns:
        a frozen ``keras.Model``: images (B, S, S, 3) → grid (B, h, w, C), or (B, C)
        when ``pooled``.
    """
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"classifier: expected a keras.Model, got {type(classifier).__name__}")
    if len(classifier.inputs) != 1:
        raise ValueError(f"classifier: expected a model with one image input, got {len(classifier.inputs)} inputs")
    names = [lay.name for lay in classifier.layers]
    if layer not in names:
        raise ValueError(f"layer: expected one of {names}, got {layer!r}")
    out = classifier.get_layer(layer).output
    if len(out.shape) != 4:
        raise ValueError(f"layer {layer!r} outputs shape {tuple(out.shape)}, expected a grid (B, h, w, C)")
    if pooled:
        out = keras.layers.GlobalAveragePooling2D()(out)
    encoder = keras.Model(classifier.inputs[0], out, name=f"{classifier.name}_encoder")
    encoder.trainable = False
    return encoder


def pretrained_encoder(name: str = "mobilenet_v2", image_size: int = 224, pooled: bool = False,
                       weights: str | None = "imagenet"):
    """An ImageNet-pretrained Keras application without its classifier (needs network once).

    Args:
        name: ``"mobilenet_v2"`` or ``"efficientnet_b0"``.
        image_size: input side (224 for both).
        pooled: average the last grid into one vector.
        weights: ``"imagenet"`` (Keras downloads and caches them), or ``None`` for random
            weights (the same architecture with no download, as the test rehearsal uses).

    Returns:
        ``(encoder, preprocess)``: a frozen model images (B, S, S, 3) in [0, 255] →
        (B, 7, 7, C) or (B, C), and the matching preprocessing function.
    """
    name = check_choice(name, "name", ("mobilenet_v2", "efficientnet_b0"))
    image_size = check_positive_int(image_size, "image_size", minimum=32)
    if weights not in ("imagenet", None):
        raise ValueError(f"weights: expected 'imagenet' or None, got {weights!r}")
    pooling = "avg" if pooled else None
    shape = (image_size, image_size, 3)
    if name == "mobilenet_v2":
        base = keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights=weights, pooling=pooling)
        preprocess = keras.applications.mobilenet_v2.preprocess_input
    else:
        base = keras.applications.EfficientNetB0(input_shape=shape, include_top=False, weights=weights, pooling=pooling)
        preprocess = keras.applications.efficientnet.preprocess_input
    base.trainable = False
    return base, preprocess
