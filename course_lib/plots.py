"""Plots used across lessons: learning curves, attention heatmaps, image attention
overlays, gradient-norm curves, glimpse windows, cell-search scores. Each function draws on
a Matplotlib ``Axes`` (made if not given) and returns it, so a lesson can arrange several in
one figure."""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array, check_nonnegative_int, check_positive, check_sequence

__all__ = [
    "plot_attention_heatmap",
    "plot_gate_heatmap",
    "plot_gradient_norms",
    "plot_image_attention",
    "plot_learning_curves",
    "plot_search_scores",
    "plot_windows",
]


def plot_learning_curves(history, ax=None, *, metric: str = "loss", title: str | None = None,
                         log_y: bool = False):
    """Training and validation curves of one run, against the epoch.

    Args:
        history: a dict-like of per-epoch lists (``keras.callbacks.History.history`` or
            any ``{"loss": [...], "val_loss": [...]}``), or a ``History`` object.
        ax: the Matplotlib ``Axes`` to draw on (a new figure if ``None``).
        metric: the key to draw (``"loss"``, ``"accuracy"``, ...); ``"val_" + metric``
            is drawn too when present.
        title: the axes' title.
        log_y: logarithmic y axis.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    history = getattr(history, "history", history)
    if not hasattr(history, "keys"):
        raise TypeError(f"history: expected a dict of per-epoch lists or a History, got {type(history).__name__}")
    if not isinstance(metric, str) or not metric:
        raise TypeError(f"metric: expected the name of a curve such as 'loss', got {metric!r}")
    if metric not in history:
        raise ValueError(f"history: no {metric!r} curve; it has {sorted(history)}")
    if ax is None:
        _, ax = plt.subplots()
    train = np.asarray(history[metric], dtype=float)
    if train.ndim != 1 or train.size == 0:
        raise ValueError(f"history[{metric!r}]: expected a non-empty 1-D sequence, got shape {train.shape}")
    epochs = np.arange(1, train.size + 1)
    ax.plot(epochs, train, label=f"train {metric}")
    if f"val_{metric}" in history:
        ax.plot(epochs, np.asarray(history[f"val_{metric}"], dtype=float), label=f"val {metric}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if log_y:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_gate_heatmap(values, ax=None, *, title: str | None = None, marks=None,
                      vmin: float = 0.0, vmax: float = 1.0, cmap: str = "viridis"):
    """Heatmap of one gate (or state) over time: units on the y axis, steps on the x axis.

    Args:
        values: (T, H) activations of one sequence, e.g. an LSTM's input gate.
        ax: the Matplotlib ``Axes`` to draw on (a new figure if ``None``).
        title: the axes' title.
        marks: optional time steps to flag with dashed vertical lines (e.g. the marked
            positions of the adding problem).
        vmin, vmax: colour range (gates live in [0, 1]).
        cmap: Matplotlib colour map name.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt
    import numpy as np


    values = check_array(values, "values", ("time", "units"), dtype="number")
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(values.T, aspect="auto", origin="lower", interpolation="nearest",
                      vmin=vmin, vmax=vmax, cmap=cmap)
    marks = [] if marks is None else np.atleast_1d(check_array(marks, "marks", dtype="int")).ravel()
    if len(marks) and (np.min(marks) < 0 or np.max(marks) >= values.shape[0]):
        raise ValueError(f"marks: expected time steps in [0, {values.shape[0]}), got {list(marks)}")
    for t in marks:
        ax.axvline(float(t), color="white", linestyle="--", linewidth=1)
    ax.set_xlabel("time step")
    ax.set_ylabel("unit")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.04)
    return ax


def plot_gradient_norms(curves, ax=None, *, x=None, xlabel: str = "time step t",
                        ylabel: str = "gradient norm", title: str | None = None):
    """Gradient norms on a logarithmic y axis, one line per labelled curve.

    Args:
        curves: dict ``{label: norms}`` with each ``norms: (K,)`` of positive numbers
            (zeros and non-finite values are left out of the line).
        ax: the Matplotlib ``Axes`` to draw on (a new figure if ``None``).
        x: (K,) x positions shared by every curve (default ``0..K-1``).
        xlabel, ylabel, title: axis labels and title.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt
    import numpy as np


    if not hasattr(curves, "items") or not curves:
        raise TypeError(f"curves: expected a non-empty dict of label -> (K,) norms, got {type(curves).__name__}")
    if ax is None:
        _, ax = plt.subplots()
    for label, norms in curves.items():
        norms = check_array(norms, f"curves[{label!r}]", ("K",), dtype="number").astype(float)
        xs = np.arange(norms.size) if x is None else check_array(x, "x", (norms.size,), dtype="number")
        if (norms < 0).any():
            raise ValueError(f"curves[{label!r}]: expected norms >= 0, got {norms.min()}")
        ok = np.isfinite(norms) & (norms > 0)
        ax.plot(np.asarray(xs)[ok], norms[ok], label=str(label))
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_image_attention(image, weights, ax=None, *, title: str | None = None, alpha: float = 0.55,
                         cmap: str = "magma"):
    """An image with a grid of attention weights drawn over it.

    The (h, w) weights are stretched over the whole image (each grid cell covers an
    equal block of pixels, as a CNN's last feature map does), scaled so the largest
    weight is fully opaque.

    Args:
        image: (H, W, 3) RGB in [0, 1] or (H, W) grey.
        weights: (h, w) non-negative attention weights over the feature grid.
        ax: the ``Axes`` to draw on (a new figure if ``None``).
        title: the axes' title (e.g. the word being generated).
        alpha: opacity of the overlay, in [0, 1].
        cmap: colour map of the overlay.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt

    from course_lib.checks import check_finite, check_probability

    image = check_array(image, "image", dtype="number")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ValueError(f"image: expected shape (H, W, 3) or (H, W), got {image.shape}")
    weights = check_finite(check_array(weights, "weights", ("h", "w"), dtype="number").astype(float), "weights")
    if (weights < 0).any():
        raise ValueError("weights: expected non-negative attention weights")
    check_probability(alpha, "alpha")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.5, 2.5))
    height, width = image.shape[:2]
    extent = (-0.5, width - 0.5, height - 0.5, -0.5)
    ax.imshow(image, extent=extent, cmap=None if image.ndim == 3 else "gray")
    top = weights.max()
    ax.imshow(weights / top if top > 0 else weights, extent=extent, cmap=cmap, alpha=alpha,
              vmin=0, vmax=1, interpolation="bilinear")
    return _image_axes(ax, title)


def _image_axes(ax, title):
    """An image's axes: no ticks, no grid, a small title."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def plot_windows(image, windows, n: int, ax=None, *, title: str | None = None, box=None, start: int = 1):
    """An image with the windows a glimpse or drawing model used, numbered by step.

    Each window is drawn as the square its ``n`` filter centres span, one stride wider
    (``n · stride`` pixels a side), centred on the window's centre; the first window's
    colour is the lightest.

    Args:
        image: (H, W) grey image.
        windows: (steps, 3) ``centre_y, centre_x, stride`` per step, in pixels, or
            ``None`` to draw only the image (and the box).
        n: filters per window axis.
        ax: the ``Axes`` to draw on (a new figure if ``None``).
        title: the axes' title.
        box: optional ``(top, left, bottom, right)`` of the object, drawn dashed.
        start: the step number written in the first window.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from course_lib.checks import check_positive_int

    image = check_array(image, "image", ("H", "W"), dtype="number")
    from course_lib.checks import check_finite

    windows = np.zeros((0, 3)) if windows is None else check_finite(
        check_array(windows, "windows", ("steps", 3), dtype="number").astype(float), "windows")
    n = check_positive_int(n, "n")
    start = check_nonnegative_int(start, "start")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.5, 2.5))
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    colours = plt.get_cmap("autumn")(np.linspace(0.9, 0.0, len(windows)))
    for step, ((y, x, stride), colour) in enumerate(zip(windows, colours), start=start):
        side = n * stride
        ax.add_patch(Rectangle((x - side / 2, y - side / 2), side, side, fill=False, lw=1.2, color=colour))
        ax.text(x, y, str(step), color=colour, fontsize=7, ha="center", va="center")
    if box is not None:
        top, left, bottom, right = check_array(box, "box", (4,), dtype="number")
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, lw=1,
                               ls="--", color="cyan"))
    return _image_axes(ax, title)


def plot_attention_heatmap(weights, source_labels, target_labels, ax=None, *, true_alignment=None,
                           title: str | None = None, colorbar: bool = True):
    """Attention weights of a translation as a grid: one row per target token.

    Args:
        weights: (T, S) attention weights; row t is what target token t attended to.
        source_labels: S strings (columns); target_labels: T strings (rows).
        true_alignment: optional (T,) int, the true source index of each target token
            (-1: none); drawn as an outlined square on each true cell.
        title: optional title.
        colorbar: draw the weight scale (0 to 1) beside the grid.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle


    weights = check_array(weights, "weights", ("T", "S"), dtype="number").astype(float)
    source_labels = check_sequence(source_labels, "source_labels", "strings")
    target_labels = check_sequence(target_labels, "target_labels", "strings")
    if weights.shape != (len(target_labels), len(source_labels)):
        raise ValueError(
            f"weights: expected shape (len(target_labels), len(source_labels)) = "
            f"{(len(target_labels), len(source_labels))}, got {weights.shape}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * weights.shape[1] + 1.5, 0.35 * weights.shape[0] + 1.2))
    image = ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02, label="attention weight")
    ax.set_xticks(range(len(source_labels)), source_labels, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(len(target_labels)), target_labels, fontsize=9)
    ax.grid(False)
    if true_alignment is not None:
        true_alignment = check_array(true_alignment, "true_alignment", (len(target_labels),), dtype="int")
        if true_alignment.max() >= weights.shape[1]:
            raise ValueError(
                f"true_alignment: expected source indices < S = {weights.shape[1]} (or -1), "
                f"got {int(true_alignment.max())}"
            )
        for t, s in enumerate(true_alignment):
            if s >= 0:
                ax.add_patch(Rectangle((s - 0.5, t - 0.5), 1, 1, fill=False, edgecolor="tab:red", lw=1.5))
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def plot_search_scores(scores, kinds, names, ax=None, *, chance: float | None = None, title: str | None = None,
                       ylabel: str = "score", log_y: bool = False):
    """One dot per cell of a search, in three columns (reference, mutant, random rule).

    Args:
        scores: ``(K,)`` scores. kinds: K of ``"reference"``, ``"mutant"``, ``"random"``.
        names: K names; the references' names label their dots.
        chance: a dashed line at the score of a cell that learned nothing.

    Returns:
        the ``Axes``.
    """
    import matplotlib.pyplot as plt

    scores = check_array(scores, "scores", ("K",), dtype="float")
    kinds, names = check_sequence(kinds, "kinds", "kinds"), check_sequence(names, "names", "names")
    if len(kinds) != len(scores) or len(names) != len(scores):
        raise ValueError(f"kinds, names: expected {len(scores)} of each (one per score), "
                         f"got {len(kinds)}, {len(names)}")
    columns = ("reference", "mutant", "random")
    chance = None if chance is None else check_positive(chance, "chance", allow_zero=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(scores))
    colours = {"LSTM": "C0", "LSTM, forget bias 1": "C1", "GRU": "C2", "vanilla RNN": "C3"}
    labelled = set()
    for i, (score, kind, name) in enumerate(zip(scores, kinds, names)):
        if kind not in columns:
            raise ValueError(f"kinds: expected each of {columns}, got {kind!r}")
        colour = colours.get(name, "0.35") if kind == "reference" else "0.35"
        label = name if kind == "reference" and name not in labelled else None
        labelled.add(name)
        ax.scatter(columns.index(kind) + jitter[i], score, s=28, color=colour, label=label, zorder=3)
    if chance is not None:
        ax.axhline(chance, color="0.6", ls="--", lw=1, label="chance")
    ax.set_xticks(range(3), ["reference cells", "mutants", "random rules"])
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title)
    return ax
