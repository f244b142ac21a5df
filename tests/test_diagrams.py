"""The mechanism diagrams (course_lib.diagrams): each names the lesson's symbols, and no label
covers another or leaves the figure."""

from __future__ import annotations

import itertools

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib import diagrams  # noqa: E402

SYMBOLS = {
    "rnn_step_backward_diagram": [r"$h_{t-1}$", r"$x_t$", r"$da = dh \odot (1 - h_t^2)$", r"$dx = da\,W_x^\top$",
                                  r"$dh_{prev} = da\,W_h^\top$", "copy"],
    "lstm_cell_diagram": [r"$c_{t-1}$", r"$f = \sigma(a_f)$", r"$i = \sigma(a_i)$", r"$g = \tanh(a_g)$",
                          r"$o = \sigma(a_o)$", r"$c_t$", r"$h_t$"],
    "gru_cell_diagram": [r"$h_{t-1} U_h + b'_h$", "$1 - z$", r"$h_t$"],
    "attention_step_diagram": [r"$h_S$", r"$e_i = v^\top \tanh(W s_{t-1} + U h_i)$", r"$c_t = \sum_i \alpha_i h_i$"],
    "show_attend_tell_step_diagram": [r"$c_t = \sum_{ij} \alpha_{t,ij}\, g_{ij}$", r"$E\,w_t$ (the previous word)"],
}


def _label_boxes(fig):
    """Every label of the diagram (not the arrows) with its window extent (its box, if any)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    out = []
    for text in (t for t in ax.texts if t.get_text()):
        patch = text.get_bbox_patch()
        extent = patch.get_window_extent(renderer) if patch is not None else text.get_window_extent(renderer)
        out.append((text.get_text(), extent))
    return out, fig.bbox


@pytest.mark.parametrize("name", sorted(SYMBOLS))
def test_a_diagram_shows_the_lessons_symbols_and_no_label_covers_another(name):
    fig = getattr(diagrams, name)()
    try:
        boxes, frame = _label_boxes(fig)
        labels = [label for label, _ in boxes]
        missing = [symbol for symbol in SYMBOLS[name] if symbol not in labels]
        assert not missing, f"{name} should label {missing}"
        overlaps = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]
        assert not overlaps, f"{name}: labels that cover each other: {overlaps}"
        outside = [label for label, box in boxes if not (frame.x0 <= box.x0 and box.x1 <= frame.x1
                                                          and frame.y0 <= box.y0 and box.y1 <= frame.y1)]
        assert not outside, f"{name}: labels cut off at the figure's edge: {outside}"
    finally:
        plt.close(fig)


def test_an_edge_to_an_unknown_node_is_refused_by_name():
    with pytest.raises(ValueError, match="edges: .*'nowhere'"):
        diagrams._draw({"a": (1, 1, "a", "value")}, [("a", "nowhere", "", {})], size=(3, 2), title="t")
    with pytest.raises(ValueError, match="nodes: 'a' .*kind one of"):
        diagrams._draw({"a": (1, 1, "a", "box")}, [], size=(3, 2), title="t")
    assert not plt.get_fignums(), "nothing is drawn before the diagram is checked"


@pytest.mark.parametrize("dpi", [60, 150])
@pytest.mark.parametrize("name", sorted(SYMBOLS))
def test_every_arrow_ends_at_the_edge_of_its_box_at_any_resolution(name, dpi):
    """An arrow whose tip lies inside its target box is hidden under it (the box is drawn above)."""
    fig = getattr(diagrams, name)()
    try:
        fig.set_dpi(dpi)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if t.get_text()]
        hidden = []
        for arrow in (t for t in ax.texts if not t.get_text()):
            tip = arrow.arrow_patch.get_path().vertices[-1]  # display coordinates
            target = ax.transData.transform(arrow.xy)
            box = min(labels, key=lambda t: sum((ax.transData.transform(t.get_position()) - target) ** 2))
            if box.get_bbox_patch().get_window_extent(renderer).shrunk(0.9, 0.9).contains(*tip):
                hidden.append(f"{arrow.xy} into {box.get_text()!r}")
        assert not hidden, f"{name} at {dpi} dpi: arrow tips hidden inside their boxes: {hidden}"
    finally:
        plt.close(fig)
