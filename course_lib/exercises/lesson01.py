"""Checks for exercises/01_sequence_tasks.ipynb: post-padding with a mask built from the
lengths, a masked mean over the real steps, the last real state of an unmasked GRU, and
the decoder inputs of teacher forcing."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import answer, exercise, expect_close, expect_equal, expect_tuple

__all__ = ["decoder_inputs", "last_real_state", "masked_mean", "pad_post"]

LENGTHS = np.array([4, 7, 2, 5])  # N = 4 sequences; the longest is shorter than T = 9
T_PAD, FEATURES = 9, 3


def _sequences(seed: int):
    """N float32 sequences (L_n, F), F = 3; step 1 of the second one is all zeros."""
    rng = np.random.default_rng(seed)
    seqs = [rng.normal(size=(L, FEATURES)).astype("float32") for L in LENGTHS]
    seqs[1][1] = 0.0  # a real step can be all zeros: only the lengths tell padding apart
    return seqs


def _mask(lengths, T: int) -> np.ndarray:
    """lengths: (N,) -> (N, T) bool, True on the real steps."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


@exercise("01.1", "Post-padding and its mask",
          "'post': each sequence first, then zeros up to maxlen; step t of sequence n is real "
          "exactly when t < len(seqs[n]), whatever its values")
def pad_post(student):
    """student(seqs, maxlen) -> (x: (N, maxlen, F) float32, mask: (N, maxlen) bool)."""
    import keras

    seqs = _sequences(seed=11)
    x, mask = expect_tuple(answer(student, [s.copy() for s in seqs], T_PAD), ("x", "mask"))
    expected = keras.utils.pad_sequences(seqs, maxlen=T_PAD, dtype="float32", padding="post")
    expect_close(x, expected, "x, against keras.utils.pad_sequences(padding='post')", tol=1e-7)
    expect_equal(np.asarray(mask).astype(bool), _mask(LENGTHS, T_PAD), "mask (sequence 1's step 1 is real)")


@exercise("01.2", "A mean over the real steps",
          "zero the padded steps (multiply by the mask), sum over time, and divide each sequence by "
          "its own number of real steps, not by T")
def masked_mean(student):
    """student(h: (N, T, H), mask: (N, T) bool) -> (N, H)."""
    import keras

    rng = np.random.default_rng(12)
    h = rng.normal(size=(len(LENGTHS), T_PAD, 5))  # N = 4, T = 9, H = 5
    h[~_mask(LENGTHS, T_PAD)] += 3.0  # padded steps hold large values, as an unmasked RNN's might
    mask = _mask(LENGTHS, T_PAD)
    got = answer(student, h.copy(), mask.copy())
    pooled = keras.layers.GlobalAveragePooling1D()(h.astype("float32"), mask=mask)
    expect_close(got, keras.ops.convert_to_numpy(pooled),
                 "the mean, against keras.layers.GlobalAveragePooling1D with the mask", tol=1e-5)


def _gru_pair(units: int, rng):
    """A GRU returning every state and a masked GRU returning the last, with the same weights."""
    import keras

    every, last = keras.layers.GRU(units, return_sequences=True), keras.layers.GRU(units)
    weights = [rng.normal(scale=0.5, size=(FEATURES, 3 * units)),
               rng.normal(scale=0.5, size=(units, 3 * units)), rng.normal(scale=0.3, size=(2, 3 * units))]
    for layer in (every, last):
        layer.build((None, None, FEATURES))
        layer.set_weights([w.astype("float32") for w in weights])
    return every, last


@exercise("01.3", "The last real state",
          "sequence n's last real step is at index lengths[n] − 1; pick it for every row at once "
          "with an index array for the batch axis")
def last_real_state(student):
    """student(h: (N, T, H), lengths: (N,) ints) -> (N, H), h[n, lengths[n] - 1]."""
    import keras

    rng = np.random.default_rng(13)
    x = keras.utils.pad_sequences(_sequences(seed=14), maxlen=T_PAD, dtype="float32", padding="post")
    every, last = _gru_pair(6, rng)  # H = 6
    h = keras.ops.convert_to_numpy(every(x))  # (N, T, H): the padding is read like real input
    got = answer(student, h.copy(), LENGTHS.copy())
    masked = keras.ops.convert_to_numpy(last(x, mask=_mask(LENGTHS, T_PAD)))
    expect_close(got, masked, "your states, against the output of a masked GRU with the same weights", tol=1e-5)


@exercise("01.4", "Decoder inputs for teacher forcing",
          "the decoder's input at step t is the target of step t − 1; at step 0 there is none, so it "
          "reads <start>. The inputs have as many steps as the targets")
def decoder_inputs(student):
    """student(targets: (N, T_out) ints, start_id) -> (N, T_out) ints."""
    rng = np.random.default_rng(15)
    targets = rng.integers(0, 10, size=(3, 7))  # N = 3, T_out = 7
    start = 11  # an id no target uses, so that <start> cannot be mistaken for a shifted target
    got = answer(student, targets.copy(), start)
    expected = np.concatenate([np.full((3, 1), start), targets[:, :-1]], axis=1)
    expect_equal(got, expected, "the decoder inputs (index = (row, step))")
