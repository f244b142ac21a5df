"""Bad inputs to shared helpers fail with a message naming what was expected."""

import math

import numpy as np
import pytest

from course_lib import decoding, metrics, plots
from course_lib.data import series


def test_perplexity_of_a_huge_loss_is_infinite_not_an_overflow():
    assert metrics.perplexity(710.0) == math.inf
    assert metrics.perplexity(0.0) == 1.0


def test_alignment_accuracy_refuses_nan_weights():
    w = np.full((1, 2, 3), 1 / 3)
    w[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="weights"):
        metrics.alignment_accuracy(w, np.zeros((1, 2), int))


@pytest.mark.parametrize("decode", [decoding.greedy_decode, decoding.beam_search])
def test_decoders_name_a_step_fn_that_is_not_callable(decode):
    with pytest.raises(TypeError, match="step_fn"):
        decode(3, np.zeros((2, 4)), start_id=1, end_id=2, max_len=5)


def test_sample_next_refuses_an_rng_that_is_not_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        decoding.sample_next(np.zeros(4), rng=3)


def test_make_windows_refuses_nan():
    with pytest.raises(ValueError, match="series"):
        series.make_windows(np.array([1.0, np.nan, 2.0, 3.0, 4.0]), window=2)


def test_plots_refuse_out_of_range_marks_alignments_and_negative_norms():
    import matplotlib

    matplotlib.use("Agg")
    with pytest.raises(ValueError, match="marks"):
        plots.plot_gate_heatmap(np.zeros((4, 3)), marks=[10])
    with pytest.raises(ValueError, match="true_alignment"):
        plots.plot_attention_heatmap(np.full((2, 3), 1 / 3), list("abc"), list("xy"), true_alignment=[0, 5])
    with pytest.raises(ValueError, match="norms >= 0"):
        plots.plot_gradient_norms({"rnn": [1.0, -1.0]})
