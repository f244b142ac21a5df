"""Tests of course_lib.decoding.sample_next and the language-model metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib.decoding import sample_next
from course_lib.metrics import bits_per_char, perplexity


def test_temperature_zero_is_argmax():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(20, 7))
    np.testing.assert_array_equal(sample_next(logits, 0.0, rng=rng), logits.argmax(1))
    assert sample_next(logits[3], temperature=0, rng=rng) == int(logits[3].argmax())
    # a very low temperature already behaves like argmax
    np.testing.assert_array_equal(sample_next(logits, 1e-6, rng=rng), logits.argmax(1))


def test_sampling_follows_the_softmax():
    rng = np.random.default_rng(1)
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    draws = sample_next(np.tile(logits, (20000, 1)), rng=rng)
    freq = np.bincount(draws, minlength=3) / len(draws)
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.2], atol=0.02)
    hot = sample_next(np.tile(logits, (20000, 1)), temperature=3.0, rng=rng)
    assert np.bincount(hot, minlength=3)[2] / 20000 > 0.27  # flatter at high temperature


def test_top_k_never_picks_outside_the_k_best():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(500, 10))
    ids = sample_next(logits, temperature=5.0, top_k=3, rng=rng)
    top3 = np.argsort(logits, axis=1)[:, -3:]
    assert all(i in row for i, row in zip(ids, top3))
    np.testing.assert_array_equal(sample_next(logits, top_k=1, rng=rng), logits.argmax(1))


def test_sample_next_bad_inputs():
    with pytest.raises(ValueError, match=r"expected shape \(V,\) or \(N, V\)"):
        sample_next(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="temperature"):
        sample_next(np.zeros(3), temperature=-1)
    with pytest.raises(ValueError, match=r"top_k: expected an int in \[1, 3\]"):
        sample_next(np.zeros(3), top_k=4)
    with pytest.raises(ValueError, match="finite"):
        sample_next(np.array([0.0, np.nan]))


def test_perplexity_and_bits_per_char():
    assert perplexity(math.log(27)) == pytest.approx(27)
    assert bits_per_char(math.log(2) * 3) == pytest.approx(3)
    assert perplexity(0) == 1.0
    with pytest.raises(ValueError, match="mean_nll"):
        bits_per_char(-0.1)
    with pytest.raises(TypeError, match="mean_nll"):
        perplexity("1.0")
