"""Plots used across lessons: learning curves, attention heatmaps, image attention
overlays, gradient-norm curves. Each function draws on a Matplotlib ``Axes`` (made if not
given) and returns it, so a lesson can arrange several in one figure."""

from __future__ import annotations


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

    from course_lib.checks import check_array

    if not hasattr(curves, "items") or not curves:
        raise TypeError(f"curves: expected a non-empty dict of label -> (K,) norms, got {type(curves).__name__}")
    if ax is None:
        _, ax = plt.subplots()
    for label, norms in curves.items():
        norms = check_array(norms, f"curves[{label!r}]", ("K",), dtype="number").astype(float)
        xs = np.arange(norms.size) if x is None else check_array(x, "x", (norms.size,), dtype="number")
        ok = np.isfinite(norms) & (norms > 0)
        ax.plot(np.asarray(xs)[ok], norms[ok], label=str(label))
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
