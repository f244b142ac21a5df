"""Tests of course_lib.plots.plot_gradient_norms."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.plots import plot_gradient_norms  # noqa: E402


def test_draws_one_log_scale_line_per_curve_and_skips_zeros():
    ax = plot_gradient_norms({"a": 0.5 ** np.arange(10), "b": np.r_[1.0, 0.0, np.nan, 2.0]})
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 3])


def test_custom_x_and_bad_inputs():
    ax = plot_gradient_norms({"a": [1.0, 2.0]}, x=[5, 6])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [5, 6])
    with pytest.raises(TypeError, match="curves"):
        plot_gradient_norms([1.0, 2.0])
    with pytest.raises(ValueError, match=r"curves\['a'\]: expected shape \(K,\)"):
        plot_gradient_norms({"a": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"x: expected shape \(2,\)"):
        plot_gradient_norms({"a": [1.0, 2.0]}, x=[1, 2, 3])
