"""plot_gate_heatmap: draws a (time, units) map with marks, refuses wrong shapes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.plots import plot_gate_heatmap  # noqa: E402


def test_heatmap_orientation_and_marks():
    values = np.linspace(0, 1, 12 * 3).reshape(12, 3)  # (T=12, H=3)
    fig, ax = plt.subplots()
    out = plot_gate_heatmap(values, ax=ax, title="input gate", marks=[2, 7])
    assert out is ax and ax.get_title() == "input gate"
    image = ax.get_images()[0]
    assert image.get_array().shape == (3, 12)  # units on y, time on x
    assert len(ax.get_lines()) == 2
    assert ax.get_xlabel() == "time step"
    plt.close(fig)


def test_heatmap_new_axes_and_bad_shapes():
    ax = plot_gate_heatmap(np.zeros((5, 2)))
    assert ax.get_images()
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"values: expected shape \(time, units\)"):
        plot_gate_heatmap(np.zeros((2, 5, 2)))
    with pytest.raises(TypeError, match="values"):
        plot_gate_heatmap(np.array([["a"]]))
