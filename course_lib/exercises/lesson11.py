"""Checks for exercises/11_transfer_learning.ipynb: drawing k examples per class, a linear
probe's accuracy on frozen features, the trainable parameters left after freezing, and
BatchNorm's moving statistics in Keras' convention."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_between, expect_close, expect_equal

__all__ = ["bn_moving_update", "linear_probe", "sample_per_class", "trainable_counts"]


def _labels(seed: int = 4):
    """y: (53,) labels of 5 classes with 7 to 15 examples each, in shuffled order."""
    y = np.repeat(np.arange(5), (9, 12, 7, 15, 10))
    return np.random.default_rng(seed).permutation(y)


def _indices(got, n: int, what: str) -> np.ndarray:
    """``got`` as an integer array of shape (n,), or NotRight."""
    idx = np.asarray(got)
    if idx.shape != (n,) or not np.issubdtype(idx.dtype, np.integer):
        raise NotRight(f"{what}: expected {n} integer indices, got an array of shape {idx.shape} and dtype {idx.dtype}")
    return idx


@exercise("11.1", "k examples per class",
          "each class contributes exactly k different examples: choose among that class's positions, "
          "without replacement, with the generator you are given")
def sample_per_class(student):
    """student(y (N,), k, rng, n_classes) -> (k·n_classes,) indices into y, k of each class."""
    y, k, C = _labels(), 4, 5
    picked = np.zeros(len(y), bool)
    for seed in range(60):
        got = answer(student, y.copy(), k, np.random.default_rng(seed), C)
        idx = _indices(got, k * C, f"the indices (draw {seed})")
        if idx.min() < 0 or idx.max() >= len(y):
            raise NotRight(f"the indices (draw {seed}): expected values in [0, {len(y)}), "
                           f"got {idx.min()} .. {idx.max()}")
        if len(np.unique(idx)) != len(idx):
            raise NotRight(f"the indices (draw {seed}): expected {len(idx)} different examples, "
                           f"got {len(idx) - len(np.unique(idx))} repeated")
        expect_equal(np.bincount(y[idx], minlength=C).tolist(), [k] * C, f"examples per class (draw {seed})")
        picked[idx] = True
    again = [np.sort(_indices(answer(student, y.copy(), k, np.random.default_rng(7), C), k * C, "the indices"))
             for _ in range(2)]
    if not np.array_equal(*again):
        raise NotRight("two generators with the same seed: expected the same examples, got different ones "
                       "(draw with the rng you are given)")
    if not picked.all():
        raise NotRight(f"over 60 draws: expected every example to be picked at least once, "
                       f"got {int((~picked).sum())} of {len(y)} never picked (the draw should be random)")


def _features(seed: int, classes: int, dim: int, k: int, n_eval: int):
    """Non-negative features (like a ReLU backbone's) of ``classes`` overlapping clusters:
    (k·classes, dim) training and (n_eval·classes, dim) evaluation features, with labels."""
    rng = np.random.default_rng(seed)
    means, spread = rng.normal(scale=0.8, size=(classes, dim)), rng.uniform(0.5, 1.5, size=dim)

    def draw(n):
        y = rng.permutation(np.repeat(np.arange(classes), n))
        return (2 * np.maximum(means[y] + rng.normal(size=(len(y), dim)) * spread + 0.5, 0)).astype("float32"), y

    return (*draw(k), *draw(n_eval))


@exercise("11.2", "A linear probe",
          "fit a linear classifier (e.g. scikit-learn's LogisticRegression) on the training features only "
          "and return the share of the evaluation examples it classifies correctly")
def linear_probe(student):
    """student(f_train (n, D), y_train (n,), f_eval (m, D), y_eval (m,)) -> accuracy on the evaluation set."""
    from sklearn.linear_model import LogisticRegression

    for seed, classes, dim, k in ((1, 4, 12, 6), (7, 5, 16, 5)):
        f_train, y_train, f_eval, y_eval = _features(seed, classes, dim, k, 100)
        reference = LogisticRegression(max_iter=3000).fit(f_train, y_train).score(f_eval, y_eval)
        got = answer(student, f_train, y_train, f_eval, y_eval)
        expect_between(got, reference - 0.1, reference + 0.1,
                       f"the accuracy with {k} examples per class ({classes} classes, {dim} features; a reference "
                       f"logistic regression scores {reference:.3f})")


def _keras_counts(widths, channels: int, classes: int) -> tuple[int, int, int]:
    """Trainable numbers of the lesson's backbone + Dense head: backbone frozen, BatchNorm frozen, nothing."""
    import keras

    from course_lib import vision

    body = vision.conv_backbone(16, channels=channels, widths=widths)
    model = keras.Sequential([keras.Input((16, 16, channels)), body, keras.layers.Dense(classes)])

    def count():
        return int(sum(np.prod(w.shape) for w in model.trainable_weights))

    body.trainable = False
    frozen = count()
    body.trainable = True
    norms = [layer for layer in body.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in norms:
        layer.trainable = False
    norms_frozen = count()
    for layer in norms:
        layer.trainable = True
    return frozen, norms_frozen, count()


@exercise("11.3", "Trainable parameters after freezing",
          "a 3×3 convolution from c_in to c_out channels has 9·c_in·c_out weights and here no bias; "
          "BatchNorm keeps 4 numbers per channel, of which only γ and β are trained; the head is a Dense layer")
def trainable_counts(student):
    """student(widths, channels, classes) -> (backbone frozen, BatchNorm frozen, nothing frozen)."""
    for widths, channels, classes in (((16, 32, 64), 1, 5), ((8, 12, 20), 3, 7)):
        got = answer(student, widths, channels, classes)
        if not isinstance(got, tuple) or len(got) != 3:
            raise NotRight(f"expected a tuple of three counts, got {type(got).__name__}")
        expected = _keras_counts(widths, channels, classes)
        for name, g, e in zip(("backbone frozen", "BatchNorm frozen", "nothing frozen"), got, expected):
            expect_equal(int(g), e, f"trainable numbers with widths {widths}, {channels} channel(s), "
                                    f"{classes} classes, {name} (counted by Keras)")


@exercise("11.4", "BatchNorm's moving statistics",
          "in Keras the momentum is the share kept from the old average; the batch's statistics are taken over "
          "every axis but the channels, and its variance divides by the number of values, not one less")
def bn_moving_update(student):
    """student(moving_mean (C,), moving_var (C,), batch (N, H, W, C), momentum) -> (new mean, new variance)."""
    import keras

    rng = np.random.default_rng(11)
    for momentum, shape in ((0.9, (3, 5, 4, 6)), (0.6, (2, 3, 7, 5))):
        batch = rng.normal(loc=rng.normal(size=shape[-1]), scale=rng.uniform(0.5, 3, shape[-1]), size=shape)
        mean, var = rng.normal(size=shape[-1]), rng.uniform(0.5, 2.0, size=shape[-1])
        layer = keras.layers.BatchNormalization(momentum=momentum)
        layer.build(shape)
        layer.moving_mean.assign(mean.astype("float32"))
        layer.moving_variance.assign(var.astype("float32"))
        layer(batch.astype("float32"), training=True)
        got = answer(student, mean.copy(), var.copy(), batch, momentum)
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotRight(f"expected a tuple (new mean, new variance), got {type(got).__name__}")
        for name, g, v in zip(("moving mean", "moving variance"), got, (layer.moving_mean, layer.moving_variance)):
            expect_close(g, keras.ops.convert_to_numpy(v), f"the {name} with momentum {momentum} "
                                                           f"(against Keras' BatchNormalization)", tol=1e-5)
