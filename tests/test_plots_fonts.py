"""Figures draw Korean and Japanese in their own script, and attention heatmaps carry a scale."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import env, plots  # noqa: E402


def test_the_cjk_font_is_bundled():
    path = env.cjk_font_path()
    assert path is not None and path.is_file(), "koreanize-matplotlib ships NanumGothic"


def test_hangul_and_kanji_render_without_missing_glyphs():
    env._setup_matplotlib()
    fig, ax = plt.subplots()
    ax.set_title("2021년 3월 3일 수요일 · 2021年3月3日水曜日")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig.canvas.draw()
    plt.close(fig)


def test_attention_heatmap_has_a_colour_bar_and_cjk_labels():
    env._setup_matplotlib()
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.plot_attention_heatmap(np.full((2, 3), 1 / 3), ["2021년", "3월", "3日"], ["March", "3"], ax)
        fig.canvas.draw()
    assert len(fig.axes) == 2, "the heatmap and its colour bar"
    assert fig.axes[1].get_ylabel() == "attention weight"
    plt.close(fig)
