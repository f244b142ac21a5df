"""Lesson 11 at full scale: MobileNetV2 on tf_flowers, a linear head on the frozen base, then fine-tuning."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from course_lib.checks import check_nonnegative_int, check_positive, check_positive_int
from course_lib.full_scale.skeleton import CPU_SECONDS_PER_STEP, train_run

if TYPE_CHECKING:  # names for the annotations only: importing Keras waits for the first run
    import keras

    from course_lib.training import TrainingRun

__all__ = ["FlowersRun", "flowers_transfer"]


@dataclasses.dataclass(frozen=True)
class FlowersRun:
    """What ``flowers_transfer``'s two phases trained and measured.

    Attributes:
        model: the model as phase 2's last epoch left it: images (batch, size, size, 3)
            in [0, 255] -> logits (batch, 5), one per class of ``data.flowers.CLASSES``.
        frozen_accuracy: test accuracy of phase 1's best model (linear head on the frozen
            backbone), in [0, 1].
        tuned_accuracy: test accuracy of phase 2's best model (top layers fine-tuned), in [0, 1].
        histories: phase (``"frozen"``, ``"tuned"``) -> metric name -> one value per epoch.
        runs: phase (``"frozen"``, ``"tuned"``) -> its ``training.TrainingRun``
            (``initial_epoch > 0``: a resumed run).
    """

    model: keras.Model
    frozen_accuracy: float
    tuned_accuracy: float
    histories: dict[str, dict[str, list[float]]]
    runs: dict[str, TrainingRun]


def _flowers_model(size: int, classes: int, *, weights: str | None = "imagenet", width: float = 1.0):
    """Lesson 11's full-scale model: a frozen MobileNetV2 without its top, then a linear head.

    Images ``(B, size, size, 3)`` in [0, 255] -> logits ``(B, classes)`` (average pooling,
    dropout 0.2, one Dense layer).

    Args:
        size: the images' side in pixels (at least 32).
        classes: how many classes the head tells apart (at least 2).
        weights: ``"imagenet"`` (downloaded once by Keras), or ``None`` for random weights.
        width: MobileNetV2's width multiplier (Keras' ``alpha``; 0.35 is the smallest).

    Returns:
        ``(model, base)``: the whole ``keras.Model`` and ``base``, the frozen MobileNetV2 in it.
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


def _unfreeze_top(base, first: int = 100) -> None:
    """Fine-tuning: train ``base``'s layers from index ``first`` on, BatchNorm kept in inference mode.

    Args:
        base: the backbone (a ``keras.Model``, e.g. ``_flowers_model``'s ``base``), changed in place.
        first: index of the first layer to train; the layers before it stay frozen.

    Returns:
        ``None``.
    """
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
                     width: float = 1.0, test_fraction: float = 0.2, run_root=None) -> FlowersRun:
    """Lesson 11 at full scale: MobileNetV2 on tf_flowers, frozen + linear, then fine-tuned.

    Phase 1 trains a linear classifier on the frozen backbone; phase 2 unfreezes the top
    layers (BatchNorm kept in inference mode) and fine-tunes with a 10× smaller rate.
    The runs are ``runs/11_flowers_frozen`` and ``runs/11_flowers_tuned``; the first 10 %
    of the (shuffled) training photos validate.

    Args:
        size: photos are resized to ``size × size`` pixels (at least 32).
        epochs: total epochs of each phase.
        seed: the train/test split, the head's initial weights and each epoch's order.
        weights: MobileNetV2's ``"imagenet"`` weights, or ``None`` for random ones (the rehearsal).
        width: MobileNetV2's width multiplier.
        test_fraction: the share of the photos held out for the test accuracy.
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        a ``FlowersRun``: the test accuracy of each phase's best model, reloaded with safe
        mode from its run directory, and each phase's history and run.
    """
    import keras

    from course_lib.data.flowers import CLASSES, load_flowers

    size = check_positive_int(size, "size", minimum=32)
    epochs = check_positive_int(epochs, "epochs")
    (x_tr, y_tr), (x_te, y_te) = load_flowers(size=size, test_fraction=test_fraction, seed=seed)
    n_val = max(1, len(x_tr) // 10)  # load_flowers shuffled the photos: the first 10 % validate
    val = (x_tr[:n_val], y_tr[:n_val])
    keras.utils.set_random_seed(seed)
    model, base = _flowers_model(size, len(CLASSES), weights=weights, width=width)

    def loss():
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    results, histories, done = {}, {}, {}
    for phase, rate in (("frozen", 1e-3), ("tuned", 1e-4)):
        if phase == "tuned":
            _unfreeze_top(base)
        model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss(), metrics=["accuracy"])
        # one warning, before the first phase, for both phases' steps
        run, best = train_run(model, x_tr[n_val:], y_tr[n_val:], name=f"11_flowers_{phase}", epochs=epochs,
                              batch_size=32, seed=seed, validation_data=val,
                              warn_as="tf_flowers" if phase == "frozen" else None,
                              cpu_seconds_per_step=CPU_SECONDS_PER_STEP["flowers"], warned_epochs=2 * epochs,
                              run_root=run_root)
        results[phase] = float(best.evaluate(x_te, y_te, verbose=0)[1])
        histories[phase], done[phase] = run.history, run
    return FlowersRun(model=model, frozen_accuracy=results["frozen"], tuned_accuracy=results["tuned"],
                      histories=histories, runs=done)
