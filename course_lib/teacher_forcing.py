"""What a decoder reads while it learns: the true previous token (teacher forcing), its own
previous guess (free running), or a coin flip between the two whose odds move from the
first to the second as training goes on (scheduled sampling, Bengio et al., 2015).

``SampledLanguageModel`` is a GRU language model whose training step unrolls the GRU one
step at a time and, at every step after the first, feeds the true previous token with
probability ``teacher_probability(schedule, update, total_updates)`` and otherwise a token
drawn from the model's own prediction for that position. The three schedules run the same
unrolled step, so an update costs the same under each; the loss is always the
cross-entropy of the true next token. Its ``call`` is the ordinary teacher-forced forward
pass (one GRU layer over the whole sequence), which is how a language model is scored.

Shapes: tokens (batch, T) int ids in [0, vocab_size).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from course_lib.checks import (
    check_ids,
    check_positive_int,
    check_probability,
    check_same_size,
    check_seed,
    check_token_tensor,
    known_values,
)

__all__ = ["SCHEDULES", "SampledLanguageModel", "teacher_probability"]

#: the training regimes, by the chance of reading the true previous token
SCHEDULES = ("teacher forcing", "scheduled sampling", "free running")


def _check_schedule(schedule):
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule: expected one of {SCHEDULES}, got {schedule!r}")
    return schedule


def _check_update(update):
    """An update number: an int >= 0 or an integer scalar tensor (``optimizer.iterations``)."""
    if isinstance(update, (bool, np.bool_)):
        raise TypeError("update: expected an int or an integer scalar tensor, got bool")
    if isinstance(update, (int, np.integer)):
        if update < 0:
            raise ValueError(f"update: expected an int >= 0, got {update}")
        return
    if not hasattr(update, "dtype") or not hasattr(update, "shape"):
        raise TypeError(f"update: expected an int or an integer scalar tensor, got {type(update).__name__}")
    if tuple(update.shape) != ():
        raise ValueError(f"update: expected a scalar, got shape {tuple(update.shape)}")
    if "int" not in keras.backend.standardize_dtype(update.dtype):
        dtype = keras.backend.standardize_dtype(update.dtype)
        raise TypeError(f"update: expected an integer tensor, got dtype {dtype}")
    values = known_values(update)
    if values is not None and values < 0:
        raise ValueError(f"update: expected an update number >= 0, got {int(values)}")


def _check_probability_tensor(probability):
    """A probability: a number in [0, 1] or a float scalar tensor (from ``teacher_probability``)."""
    if not hasattr(probability, "dtype") or isinstance(probability, np.generic):
        return check_probability(probability, "probability")
    if tuple(probability.shape) != ():
        raise ValueError(f"probability: expected a scalar, got shape {tuple(probability.shape)}")
    if "float" not in keras.backend.standardize_dtype(probability.dtype):
        raise TypeError("probability: expected a float tensor, got dtype "
                        f"{keras.backend.standardize_dtype(probability.dtype)}")
    values = known_values(probability)
    if values is not None:  # eager: the value is known, so check its range too
        check_probability(float(values), "probability")
    return ops.cast(probability, "float32")


def teacher_probability(schedule, update, total_updates):
    """The chance of feeding the true previous token at training update ``update``.

    Args:
        schedule: one of ``SCHEDULES``. "teacher forcing": always 1; "free running":
            always 0; "scheduled sampling": Bengio et al.'s linear decay with its floor
            set to 0, from 1 at the first update to 0 at the last.
        update: the update's number, 0 first (an int or a scalar tensor).
        total_updates: how many updates the training has (int ≥ 1).

    Returns:
        a float32 scalar in [0, 1].
    """
    _check_schedule(schedule)
    total_updates = check_positive_int(total_updates, "total_updates")
    _check_update(update)
    if schedule == "teacher forcing":
        return ops.convert_to_tensor(1.0, "float32")
    if schedule == "free running":
        return ops.convert_to_tensor(0.0, "float32")
    fraction = ops.cast(update, "float32") / max(total_updates - 1, 1)
    return ops.clip(1.0 - fraction, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="course_lib")
class SampledLanguageModel(keras.Model):
    """Embedding → GRU → Dense language model, trained under a ``schedule``.

    Args:
        vocab_size: number of token ids; embed_dim, units: sizes of the embedding and GRU.
        schedule: one of ``SCHEDULES``: what the training step feeds at each step.
        total_updates: the number of training updates the schedule spans.
        seed: seed of the coin flips and of the sampled tokens.

    Call args:
        tokens: (batch, T) int ids, the inputs (the text without its last token).

    Returns:
        logits (batch, T, V) of the next token at every position, teacher-forced.

    ``fit(x, y)`` takes x (batch, T) inputs and y (batch, T) the next tokens (x shifted
    left by one); its logged ``loss`` is the cross-entropy of y and ``teacher_share`` the
    share of steps after the first that read the true token. ``evaluate(x, y)`` gives the
    teacher-forced cross-entropy (nats per token), the usual score of a language model.
    """

    def __init__(self, vocab_size, embed_dim=32, units=64, schedule="teacher forcing",
                 total_updates=1, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.units = check_positive_int(units, "units")
        self.schedule = _check_schedule(schedule)
        self.total_updates = check_positive_int(total_updates, "total_updates")
        self.seed = check_seed(seed)
        self.embedding = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")
        self.gru = keras.layers.GRU(units, return_sequences=True, name="gru")
        self.logits = keras.layers.Dense(vocab_size, name="logits")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.teacher_tracker = keras.metrics.Mean(name="teacher_share")

    def call(self, tokens):
        check_token_tensor(tokens, "tokens", self.vocab_size, ("batch", "T"), dtype="number")
        return self.logits(self.gru(self.embedding(tokens)))

    def unrolled_logits(self, tokens, probability):
        """The training-time pass: step by step, reading the true or a sampled token.

        Args:
            tokens: (batch, T) int ids, the true inputs; probability: the chance of
                reading the true token at each step after the first.

        Returns:
            ``(logits, teacher_share)``: logits (batch, T, V) and the share of steps
            after the first that read the true token.
        """
        check_token_tensor(tokens, "tokens", self.vocab_size, ("batch", "T"), dtype="int")
        probability = _check_probability_tensor(probability)
        if tokens.shape[1] is not None and tokens.shape[1] < 2:  # nothing after the first step to choose
            raise ValueError(f"tokens: the training step needs T >= 2, got T = {tokens.shape[1]}")
        steps = ops.shape(tokens)[1]
        state = ops.zeros((ops.shape(tokens)[0], self.units), self.compute_dtype)
        first, state = self._step(tokens[:, 0], state)  # step 0 reads the true first token

        def next_step(t, previous, state, outputs, true_reads):
            """Step t reads the true token t or a sample from the previous step's logits."""
            own = keras.random.categorical(previous, 1, seed=self.seed_generator)[:, 0]
            coin = keras.random.uniform(ops.shape(own), seed=self.seed_generator) < probability
            current = ops.where(coin, tokens[:, t], ops.cast(own, tokens.dtype))
            logits, state = self._step(current, state)
            return t + 1, logits, state, outputs.write(t, logits), true_reads + ops.mean(ops.cast(coin, "float32"))

        # A graph loop, not a Python one: tracing the training step costs one step, whatever T is.
        outputs = tf.TensorArray(first.dtype, size=steps).write(0, first)
        start = (ops.convert_to_tensor(1, "int32"), first, state, outputs, ops.zeros((), "float32"))
        # maximum_iterations gives the loop a known bound, which XLA (jit_compile) needs.
        *_, outputs, true_reads = tf.while_loop(lambda t, *_: t < steps, next_step, start,
                                                maximum_iterations=steps - 1)
        logits = ops.transpose(outputs.stack(), (1, 0, 2))  # (T, batch, V) -> (batch, T, V)
        return logits, true_reads / ops.cast(ops.maximum(steps - 1, 1), "float32")

    def _step(self, current, state):
        """One step of the GRU cell on tokens ``current`` (batch,) -> (logits (batch, V), new state)."""
        output, new_state = self.gru.cell(self.embedding(current), [state])
        return self.logits(output), new_state[0]

    def _check_pairs(self, x, y):
        """Refuse arrays of inputs and next tokens that cannot pair up (datasets pass through)."""
        if isinstance(x, (np.ndarray, list)) or isinstance(y, (np.ndarray, list)):
            if y is None:
                raise ValueError("y: expected the next tokens (batch, T), got None")
            x = check_ids(x, "x", self.vocab_size, axes=("batch", "T"))
            y = check_ids(y, "y", self.vocab_size, axes=("batch", "T"))
            check_same_size("x", x.shape, "y", y.shape, "shape")

    def fit(self, x=None, y=None, *args, **kwargs):
        self._check_pairs(x, y)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_pairs(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def train_step(self, data):
        x, y = data
        check_token_tensor(y, "y", self.vocab_size, ("batch", "T"), dtype="int")
        if None not in (*x.shape, *y.shape):
            check_same_size("x", tuple(x.shape), "y", tuple(y.shape), "shape")
        probability = teacher_probability(self.schedule, self.optimizer.iterations, self.total_updates)
        with tf.GradientTape() as tape:
            logits, share = self.unrolled_logits(x, probability)
            loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.teacher_tracker.update_state(share)
        return {"loss": self.loss_tracker.result(), "teacher_share": self.teacher_tracker.result()}

    def test_step(self, data):
        x, y = data
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, self(x), from_logits=True))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.teacher_tracker]

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "embed_dim": self.embed_dim,
                "units": self.units, "schedule": self.schedule, "total_updates": self.total_updates,
                "seed": self.seed}
