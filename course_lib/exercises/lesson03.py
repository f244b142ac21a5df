"""Checks for exercises/03_char_language_model.ipynb: the input and target batches of
truncated BPTT, bits per character and perplexity from a model's scores, a softmax with a
temperature, and the unigram baseline."""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from course_lib import metrics
from course_lib.data import text as textdata
from course_lib.exercises.core import answer, exercise, expect_close, expect_equal, expect_tuple

__all__ = ["bits_and_perplexity", "softmax_with_temperature", "tbptt_batches", "unigram_nll"]


@exercise("03.1", "Inputs and targets for truncated BPTT",
          "first cut the ids into B equal streams (row i of a (B, K·T) array), targets one id later; "
          "then batch k stacks chunk k of every stream, so the rows go k·B + i")
def tbptt_batches(student):
    """student(ids: (L,), B, T) -> (x, y), each (K·B, T) ints, K = (L − 1) // (B·T)."""
    rng = np.random.default_rng(31)
    ids = rng.integers(0, 11, size=103)  # L = 103, B = 3, T = 5: K = 6 chunks per stream
    got = expect_tuple(answer(student, ids.copy(), 3, 5), ("x", "y"))
    x, y = textdata.tbptt_batches(ids, 3, 5)
    expect_equal(got[0], x, "x, against course_lib.data.text.tbptt_batches (index = (row, step))")
    expect_equal(got[1], y, "y, against course_lib.data.text.tbptt_batches (index = (row, step))")


@exercise("03.2", "Bits per character and perplexity",
          "log-softmax over the vocabulary (subtract each row's max before exp), take the target's "
          "entry, average over every position; then change the log's base, and exponentiate")
def bits_and_perplexity(student):
    """student(logits: (N, T, V), targets: (N, T)) -> (bits per character, perplexity)."""
    import keras

    rng = np.random.default_rng(32)
    logits = rng.normal(scale=2.0, size=(3, 6, 8))  # N = 3, T = 6, V = 8
    targets = rng.integers(0, 8, size=(3, 6))
    shifted = logits.copy()
    shifted[1] += 800.0  # the same distributions: a softmax ignores a constant added to a row
    bits, perplexity = expect_tuple(answer(student, shifted, targets.copy()), ("bits", "perplexity"))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    nats = float(keras.ops.convert_to_numpy(loss(targets, logits.astype("float32"))))
    expect_close(bits, metrics.bits_per_char(nats), "bits per character (the scores of sequence 1 are "
                         "all 800 higher)", tol=1e-5)
    expect_close(perplexity, metrics.perplexity(nats), "perplexity", tol=1e-5)


@exercise("03.3", "A softmax with a temperature",
          "divide the scores by τ before the softmax, which runs along the vocabulary axis; a small τ "
          "makes the scaled scores huge, so subtract each row's largest first")
def softmax_with_temperature(student):
    """student(logits: (N, V), temperature > 0) -> probabilities (N, V), each row summing to 1."""
    rng = np.random.default_rng(33)
    logits = rng.normal(scale=3.0, size=(4, 7))  # N = 4, V = 7
    for tau in (1.0, 0.5, 2.5, 0.01):
        got = answer(student, logits.copy(), tau)
        expect_close(got, softmax(logits / tau, axis=-1), f"the probabilities at τ = {tau}", tol=1e-7)


@exercise("03.4", "The unigram baseline",
          "every one of the V ids needs a count, also those absent from the training ids; the "
          "probabilities come from the training counts only, the average from the held-out ids")
def unigram_nll(student):
    """student(train_ids: (L1,), eval_ids: (L2,), V) -> mean cross-entropy on eval_ids, in nats."""
    rng = np.random.default_rng(34)
    V = 9
    p = rng.dirichlet(np.ones(V - 1))
    train_ids = rng.choice(V - 1, size=200, p=p)  # id 8 never occurs in training
    eval_ids = rng.choice(V, size=57)
    eval_ids[3] = V - 1
    got = answer(student, train_ids.copy(), eval_ids.copy(), V)
    expected = textdata.CharVocab("abcdefghi").unigram_nll(train_ids, eval_ids)
    expect_close(got, expected, "the held-out loss (nats; id 8 is never seen in training)", tol=1e-7)
