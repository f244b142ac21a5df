"""Lesson 06 at full scale: a stacked bidirectional LSTM on the 50,000 IMDB reviews."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from course_lib.checks import check_positive_int, check_seed
from course_lib.full_scale.skeleton import CPU_SECONDS_PER_STEP, train_run

if TYPE_CHECKING:  # names for the annotations only: importing Keras waits for the first run
    import keras

    from course_lib.training import TrainingRun

__all__ = ["SentimentRun", "imdb_sentiment", "review_classifier"]


@dataclasses.dataclass(frozen=True)
class SentimentRun:
    """What ``imdb_sentiment`` trained and measured.

    Attributes:
        model: the best epoch's model, ``best.keras`` reloaded with safe mode on:
            (batch, T) int ids -> (batch, 1) probability of a positive review.
        history: metric name (``"loss"``, ``"accuracy"``, ``"val_loss"``,
            ``"val_accuracy"``) -> one value per epoch, from epoch 1.
        test_accuracy: the model's accuracy on the test reviews, in [0, 1].
        run: the ``training.TrainingRun`` (``run.initial_epoch > 0``: a resumed run).
    """

    model: keras.Model
    history: dict[str, list[float]]
    test_accuracy: float
    run: TrainingRun


def review_classifier(vocab_size: int, embed: int = 32, units: int = 32):
    """Lesson 06's sentiment model: masked embedding, two stacked bidirectional LSTMs.

    Input (batch, T) int ids (0 = padding) -> (batch, 1) probability of a positive review.

    Args:
        vocab_size: ids in [0, vocab_size) (at least 2).
        embed: the embedding's width.
        units: the first LSTM's units per direction (at least 2); the second has ``units // 2``.

    Returns:
        the (unbuilt) ``keras.Sequential`` model.
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
                   run_root=None) -> SentimentRun:
    """Lesson 06 at full scale: the stacked bidirectional LSTM on the IMDB reviews.

    The first 10 % of the shuffled training reviews validate; the run is ``runs/06_imdb``.

    Args:
        epochs: total epochs of the run.
        seed: the shuffle of the reviews, the model's initial weights and each epoch's order.
        max_tokens: vocabulary size of the ``TextVectorization`` (adapted on the training reviews).
        seq_len: ids per review T (longer reviews are cut, shorter ones padded with 0).
        embed: the embedding's width (``review_classifier``).
        units: the first LSTM's units per direction (``review_classifier``).
        limit: keep only the first ``limit`` reviews of each split, or ``None`` for all.
        build: optional ``build(vocab_size) -> keras.Model`` (ids in, one sigmoid out)
            to train instead of ``review_classifier`` (use a new ``run_root`` for it).
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        a ``SentimentRun``: the model is ``best.keras`` reloaded (safe mode), the accuracy
        measured on the 25,000 test reviews (or the first ``limit``).
    """
    import keras
    import tensorflow as tf

    from course_lib.data.imdb import load_imdb

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
    run, best = train_run(model, ids_train[n_val:], labels[n_val:], name="06_imdb", epochs=epochs, batch_size=64,
                          seed=seed, validation_data=(ids_train[:n_val], labels[:n_val]), warn_as="IMDB",
                          cpu_seconds_per_step=CPU_SECONDS_PER_STEP["imdb"], run_root=run_root)
    accuracy = best.evaluate(ids_test, np.asarray(test_labels, "float32"), batch_size=256, verbose=0)[1]
    return SentimentRun(model=best, history=run.history, test_accuracy=float(accuracy), run=run)
