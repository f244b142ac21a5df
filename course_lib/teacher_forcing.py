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
import tensorflow as tf
from keras import ops

from course_lib.checks import check_positive_int, check_token_tensor

__all__ = ["SCHEDULES", "SampledLanguageModel", "teacher_probability"]

#: the training regimes, by the chance of reading the true previous token
SCHEDULES = ("teacher forcing", "scheduled sampling", "free running")


def _check_schedule(schedule):
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule: expected one of {SCHEDULES}, got {schedule!r}")
    return schedule


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
    if isinstance(update, bool) or not (isinstance(update, int) or hasattr(update, "dtype")):
        raise TypeError(f"update: expected an int or a scalar tensor, got {type(update).__name__}")
    if isinstance(update, int) and update < 0:
        raise ValueError(f"update: expected an int >= 0, got {update}")
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
        self.seed = check_positive_int(seed, "seed", minimum=0)
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
        steps = tokens.shape[1]
        if steps is None:
            raise ValueError("tokens: the training step needs a fixed length T")
        cell = self.gru.cell
        state = ops.zeros((ops.shape(tokens)[0], self.units), self.compute_dtype)
        current, logits, true_reads = tokens[:, 0], [], []
        for t in range(steps):
            output, state = cell(self.embedding(current), [state])
            state = state[0]
            logits.append(self.logits(output))
            if t + 1 < steps:
                own = keras.random.categorical(logits[-1], 1, seed=self.seed_generator)[:, 0]
                coin = keras.random.uniform(ops.shape(own), seed=self.seed_generator) < probability
                current = ops.where(coin, tokens[:, t + 1], ops.cast(own, tokens.dtype))
                true_reads.append(ops.mean(ops.cast(coin, "float32")))
        share = ops.mean(ops.stack(true_reads)) if true_reads else ops.ones(())
        return ops.stack(logits, axis=1), share

    def train_step(self, data):
        x, y = data
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
