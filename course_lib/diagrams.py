"""Diagrams of the mechanisms the lessons teach, drawn with matplotlib.

Each function returns a figure with the lesson's own symbols: the backward pass of one RNN
step (lesson 02), the LSTM and GRU cells (05), one step of an attention decoder (08) and one
step of Show, Attend and Tell over a feature grid (10). Values are boxes (blue), weights are
boxes (orange), operations are circles; the forward pass is drawn in black, gradients in
red and dashed.

A diagram is a dict of nodes ``name -> (x, y, label, kind)`` and a list of edges
``(from, to, label, options)``, drawn by ``_draw``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

__all__ = [
    "attention_step_diagram",
    "gru_cell_diagram",
    "lstm_cell_diagram",
    "rnn_step_backward_diagram",
    "show_attend_tell_step_diagram",
]

STYLES = {
    "value": {"boxstyle": "round,pad=0.35", "fc": "#e8f0fb", "ec": "#3d6aa8"},
    "weight": {"boxstyle": "round,pad=0.35", "fc": "#fdf0d8", "ec": "#c4861a"},
    "op": {"boxstyle": "circle,pad=0.22", "fc": "white", "ec": "#333333"},
    "gate": {"boxstyle": "round,pad=0.3", "fc": "#eaf5ea", "ec": "#3b8a3b"},
    "gradient": {"boxstyle": "round,pad=0.35", "fc": "#fbe9e7", "ec": "#c0392b"},
}
FORWARD, BACKWARD = "#333333", "#c0392b"


def _draw(nodes: dict, edges: list, *, size: tuple[float, float], title: str):
    """Draw a diagram: ``nodes`` name -> (x, y, label, kind), ``edges`` (from, to, label, options).

    Edge options: ``back`` (a gradient: red, dashed), ``rad`` (curvature), ``at`` (the label's
    position, default the middle of the edge). Returns the figure; its texts are the labels.
    """
    size = _check_diagram(nodes, edges, size, title)
    fig, ax = plt.subplots(figsize=size)
    ax.set_xlim(0, size[0])
    ax.set_ylim(0, size[1])
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    boxes = {name: ax.text(x, y, label, ha="center", va="center", fontsize=10, bbox=STYLES[kind], zorder=3)
             for name, (x, y, label, kind) in nodes.items()}
    fig.tight_layout()
    outlines = _outlines(fig, ax, boxes)
    for start, end, label, options in edges:
        color = BACKWARD if options.get("back") else FORWARD
        ax.annotate("", xy=nodes[end][:2], xytext=nodes[start][:2], zorder=2, arrowprops={
            "arrowstyle": "-|>", "color": color, "lw": 1.3, "linestyle": "--" if options.get("back") else "-",
            "patchA": outlines[start], "patchB": outlines[end], "shrinkA": 3, "shrinkB": 3,
            "connectionstyle": f"arc3,rad={options.get('rad', 0)}"})
        if label:
            (x0, y0), (x1, y1) = nodes[start][:2], nodes[end][:2]
            x, y = options.get("at", ((x0 + x1) / 2, (y0 + y1) / 2))
            ax.text(x, y, label, ha="center", va="center", fontsize=8.5, color=color, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9})
    return fig


def _check_diagram(nodes, edges, size, title) -> tuple[float, float]:
    """Refuse a diagram ``_draw`` could not draw, naming the argument; returns the size."""
    from course_lib.checks import check_positive

    if not isinstance(nodes, dict) or not nodes:
        raise TypeError(f"nodes: expected a dict name -> (x, y, label, kind), got {type(nodes).__name__}")
    for name, node in nodes.items():
        if not (isinstance(node, tuple) and len(node) == 4 and node[3] in STYLES):
            raise ValueError(f"nodes: {name!r} should be (x, y, label, kind), kind one of {sorted(STYLES)}: "
                             f"got {node!r}")
    if not isinstance(edges, (list, tuple)):
        raise TypeError(f"edges: expected a list of (from, to, label, options), got {type(edges).__name__}")
    for edge in edges:
        if not (isinstance(edge, tuple) and len(edge) == 4 and edge[0] in nodes and edge[1] in nodes
                and isinstance(edge[3], dict)):
            raise ValueError(f"edges: {edge!r} should be (from, to, label, options) between nodes {sorted(nodes)}")
    if not isinstance(title, str):
        raise TypeError(f"title: expected a string, got {type(title).__name__}")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size: expected (width, height) in inches, got {size!r}")
    return check_positive(size[0], "size"), check_positive(size[1], "size")


def _outlines(fig, ax, boxes: dict) -> dict:
    """Each label's box as an invisible rectangle in data coordinates. Arrows are cut at these,
    so they end at the box's edge at whatever resolution the figure is drawn."""
    fig.canvas.draw()
    to_data = ax.transData.inverted()
    outlines = {}
    for name, text in boxes.items():
        box = to_data.transform_bbox(text.get_bbox_patch().get_window_extent())
        outlines[name] = ax.add_patch(Rectangle((box.x0, box.y0), box.width, box.height, visible=False))
    return outlines


def rnn_step_backward_diagram():
    """Lesson 02: one RNN step forward (black) and its backward pass (red); the gradients
    arriving at the copy node of ``h_t`` add."""
    nodes = {
        "x": (0.9, 0.9, r"$x_t$", "value"),
        "h_prev": (0.9, 3.9, r"$h_{t-1}$", "value"),
        "a": (3.6, 2.4, r"$a = x_t W_x + h_{t-1} W_h + b$", "weight"),
        "tanh": (6.4, 2.4, r"$\tanh$", "op"),
        "h": (7.8, 2.4, r"$h_t$", "value"),
        "copy": (9.1, 2.4, "copy", "op"),
        "y": (10.9, 4.0, r"$y_t$ (loss)", "value"),
        "next": (10.9, 0.8, "step $t+1$", "value"),
        "grads": (3.6, 0.3, r"$dW_x = x_t^\top da \quad dW_h = h_{t-1}^\top da \quad db = \sum_N da$", "gradient"),
    }
    edges = [
        ("x", "a", "", {}), ("h_prev", "a", "", {}), ("a", "tanh", "", {}), ("tanh", "h", "", {}),
        ("h", "copy", "", {}), ("copy", "y", "", {}), ("copy", "next", "", {}),
        ("y", "copy", r"$dh$ from $y_t$", {"back": True, "rad": 0.35, "at": (10.6, 2.9)}),
        ("next", "copy", r"$dh$ from step $t+1$", {"back": True, "rad": -0.35, "at": (10.7, 1.75)}),
        ("copy", "h", "sum: $dh$", {"back": True, "rad": 0.5, "at": (8.45, 2.95)}),
        ("h", "tanh", r"$da = dh \odot (1 - h_t^2)$", {"back": True, "rad": 0.6, "at": (7.1, 3.05)}),
        ("a", "x", r"$dx = da\,W_x^\top$", {"back": True, "rad": 0.3, "at": (1.45, 1.75)}),
        ("a", "h_prev", r"$dh_{prev} = da\,W_h^\top$", {"back": True, "rad": -0.3, "at": (1.6, 3.1)}),
        ("a", "grads", "", {"back": True}),
    ]
    return _draw(nodes, edges, size=(12, 4.6), title="One RNN step: forward (black) and backward (red)")


def lstm_cell_diagram():
    """Lesson 05: the LSTM cell; along the cell state only ``⊙ f`` and ``+``."""
    nodes = {
        "c_prev": (0.9, 5.2, r"$c_{t-1}$", "value"), "x": (0.9, 0.5, r"$x_t$", "value"),
        "h_prev": (0.9, 1.7, r"$h_{t-1}$", "value"),
        "a": (3.2, 1.1, r"$[x_t, h_{t-1}]\,W + b$", "weight"),
        "f": (3.4, 3.1, r"$f = \sigma(a_f)$", "gate"), "i": (5.2, 3.1, r"$i = \sigma(a_i)$", "gate"),
        "g": (7.0, 3.1, r"$g = \tanh(a_g)$", "gate"), "o": (9.0, 3.1, r"$o = \sigma(a_o)$", "gate"),
        "mul_f": (3.4, 5.2, r"$\odot$", "op"), "mul_ig": (6.1, 4.2, r"$\odot$", "op"),
        "plus": (6.1, 5.2, r"$+$", "op"), "c": (11.3, 5.2, r"$c_t$", "value"),
        "tanh_c": (10.2, 4.2, r"$\tanh$", "op"), "mul_o": (10.2, 2.2, r"$\odot$", "op"),
        "h": (11.3, 1.0, r"$h_t$", "value"),
    }
    edges = [
        ("x", "a", "", {}), ("h_prev", "a", "", {}),
        *[("a", gate, "", {}) for gate in ("f", "i", "g", "o")],
        ("c_prev", "mul_f", "", {}), ("f", "mul_f", "", {}), ("mul_f", "plus", "", {}),
        ("i", "mul_ig", "", {}), ("g", "mul_ig", "", {}), ("mul_ig", "plus", "", {}),
        ("plus", "c", "the cell state: only $\\odot f$ and $+$ on its way", {"at": (8.7, 5.55)}),
        ("plus", "tanh_c", "", {"rad": 0.15}), ("tanh_c", "mul_o", "", {}), ("o", "mul_o", "", {}),
        ("mul_o", "h", "", {}),
    ]
    return _draw(nodes, edges, size=(12.2, 5.8), title="The LSTM cell: $c_t = f \\odot c_{t-1} + i \\odot g$, "
                "$h_t = o \\odot \\tanh(c_t)$")


def gru_cell_diagram():
    """Lesson 05: the GRU cell as Keras computes it (``reset_after=True``)."""
    nodes = {
        "h_prev": (0.9, 5.2, r"$h_{t-1}$", "value"), "x": (0.9, 0.5, r"$x_t$", "value"),
        "z": (4.3, 3.9, r"$z = \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)$", "gate"),
        "r": (4.3, 2.7, r"$r = \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)$", "gate"),
        "rec": (2.6, 1.5, r"$h_{t-1} U_h + b'_h$", "weight"),
        "mul_r": (7.2, 1.5, r"$\odot$", "op"),
        "cand": (9.4, 1.5, r"$\tilde h_t = \tanh(x_t W_h + b_h + r \odot \cdot)$", "gate"),
        "mul_z": (7.2, 5.2, r"$\odot$", "op"), "mul_cand": (10.4, 3.3, r"$\odot$", "op"),
        "plus": (10.4, 5.2, r"$+$", "op"), "h": (11.7, 5.2, r"$h_t$", "value"),
    }
    edges = [
        ("h_prev", "z", "", {}), ("h_prev", "r", "", {}), ("h_prev", "rec", "", {}),
        ("x", "z", "", {}), ("x", "r", "", {}), ("x", "cand", "", {"rad": 0.12}),
        ("r", "mul_r", "", {}), ("rec", "mul_r", "", {}), ("mul_r", "cand", "", {}),
        ("h_prev", "mul_z", "copied forward where $z \\approx 1$", {"at": (4.3, 5.55)}), ("z", "mul_z", "", {}),
        ("z", "mul_cand", "$1 - z$", {"at": (8.6, 3.75)}), ("cand", "mul_cand", "", {}),
        ("mul_z", "plus", "", {}), ("mul_cand", "plus", "", {}), ("plus", "h", "", {}),
    ]
    return _draw(nodes, edges, size=(12.6, 5.8),
                title="The GRU cell (Keras, reset_after=True): $h_t = z \\odot h_{t-1} + (1 - z) \\odot \\tilde h_t$")


def _decoder_step(nodes: dict, word: str) -> list:
    """The nodes and edges an attention decoder adds after its context (lessons 08 and 10);
    ``word`` is the lesson's symbol of the previous word's embedding."""
    nodes.update({
        "word": (7.4, 0.5, f"${word}$ (the previous word)", "value"),
        "gru": (9.6, 1.6, rf"$s_t = \mathrm{{GRU}}([{word}, c_t],\ s_{{t-1}})$", "weight"),
        "out": (9.6, 3.6, r"$p(y_t) = \mathrm{softmax}(\mathrm{Dense}([s_t, c_t]))$", "weight"),
    })
    return [("context", "gru", "", {}), ("word", "gru", "", {}), ("s_prev", "gru", "", {"rad": 0.25}),
            ("gru", "out", "", {}), ("context", "out", "", {})]


def attention_step_diagram():
    """Lesson 08: one step of the attention decoder: query, scores, softmax, context, output."""
    nodes = {
        **{f"h{k}": (1.0 + 1.3 * k, 5.3, label, "value")
           for k, label in enumerate((r"$h_1$", r"$h_2$", r"$\cdots$", r"$h_S$"))},
        "s_prev": (0.9, 2.0, r"$s_{t-1}$ (query)", "value"),
        "scores": (3.0, 3.9, r"$e_i = v^\top \tanh(W s_{t-1} + U h_i)$", "weight"),
        "softmax": (3.0, 2.5, r"$\alpha_i = \mathrm{softmax}_i(e_i)$", "gate"),
        "context": (6.0, 2.5, r"$c_t = \sum_i \alpha_i h_i$", "value"),
    }
    edges = [(f"h{k}", "scores", "", {}) for k in range(4)]
    edges += [("s_prev", "scores", "", {}), ("scores", "softmax", "", {}), ("softmax", "context", "", {}),
              ("h3", "context", "the values", {"rad": -0.2, "at": (5.85, 4.4)})]
    edges += _decoder_step(nodes, r"E\,y_{t-1}")
    return _draw(nodes, edges, size=(12.4, 6.0), title="One step of the attention decoder (Bahdanau et al., 2014)")


def show_attend_tell_step_diagram():
    """Lesson 10: one step of Show, Attend and Tell over a grid of CNN features."""
    nodes = {
        "grid": (1.6, 5.3, "CNN feature grid: 8 × 8 cells $g_{ij}$", "value"),
        "position": (5.4, 5.3, "projection + position embedding\n(this course's addition)", "weight"),
        "s_prev": (0.9, 2.0, r"$s_{t-1}$ (query)", "value"),
        "scores": (3.0, 3.9, r"$e_{t,ij} = v^\top \tanh(W s_{t-1} + U g_{ij})$", "weight"),
        "softmax": (3.0, 2.5, r"$\alpha_{t,ij}$: softmax over the 64 cells", "gate"),
        "context": (6.0, 2.5, r"$c_t = \sum_{ij} \alpha_{t,ij}\, g_{ij}$", "value"),
    }
    edges = [("grid", "position", "", {}), ("position", "scores", "", {}), ("s_prev", "scores", "", {}),
             ("scores", "softmax", "", {}), ("softmax", "context", "", {}),
             ("position", "context", "the cells", {"rad": -0.15, "at": (6.2, 4.0)})]
    edges += _decoder_step(nodes, r"E\,w_t")
    return _draw(nodes, edges, size=(12.4, 6.0), title="One step of Show, Attend and Tell (Xu et al., 2015)")
