"""Checks for exercises/10_attention_captioning.ipynb: the context over a feature grid, the
doubly stochastic attention penalty, the most-attended cell, and attention on an object's mask."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal

__all__ = ["attention_on_mask", "attention_penalty", "grid_context", "most_attended_cell"]


def _spatial(seed: int, N: int = 2, rows: int = 3, cols: int = 5, C: int = 4, Dq: int = 6, A: int = 7):
    """course_lib's SpatialAttention with seeded weights on a (N, rows, cols, C) grid:
    (grid, context (N, C), weights (N, rows, cols)) as float32 NumPy arrays."""
    from course_lib.attention import SpatialAttention

    rng = np.random.default_rng(seed)
    query = rng.normal(size=(N, Dq)).astype("float32")
    grid = rng.normal(size=(N, rows, cols, C)).astype("float32")
    layer = SpatialAttention(A)
    layer(query, grid)  # builds W (Dq, A), U (C, A), v (A,)
    layer.set_weights([rng.normal(size=(Dq, A)).astype("float32"), rng.normal(size=(C, A)).astype("float32"),
                       rng.normal(size=A).astype("float32")])
    context, weights = layer(query, grid)
    return grid, np.asarray(context), np.asarray(weights)


@exercise("10.1", "The context over a feature grid",
          "cell (r, c) of the grid goes with weight number r·cols + c (row after row, as Keras flattens "
          "the grid); the context is the weighted sum of the cells, C numbers per example")
def grid_context(student):
    """student(grid (N, rows, cols, C), weights (N, rows*cols)) -> context (N, C)."""
    grid, context, weights = _spatial(seed=21, N=2, rows=3, cols=5, C=4)
    flat = weights.reshape(len(weights), -1)  # the order in which SpatialAttention flattens its grid
    got = answer(student, grid.copy(), flat.copy())
    expect_close(got, context, "the context, against course_lib.attention.SpatialAttention", tol=1e-5)


def _caption_attention(seed: int = 22, N: int = 3, T: int = 6, rows: int = 3, cols: int = 4):
    """alphas (N, T, rows, cols): a softmax over the cells at every step, zeros after each caption's end."""
    rng = np.random.default_rng(seed)
    alphas = np.exp(1.5 * rng.normal(size=(N, T, rows * cols)))
    alphas /= alphas.sum(axis=-1, keepdims=True)
    lengths = np.array([T, 4, 2])[:N]
    alphas[np.arange(T)[None, :] >= lengths[:, None]] = 0.0  # steps after <end>: no attention
    return alphas.reshape(N, T, rows, cols)


def _penalty(alphas, lam, target):
    """λ Σ_ij (target − Σ_t α_t,ij)² per example: (N, T, rows, cols) -> (N,)."""
    return lam * ((target - alphas.sum(axis=1)) ** 2).sum(axis=(1, 2))


@exercise("10.2", "The doubly stochastic attention penalty",
          "first add up each cell's attention over the T steps (one number per cell), then compare it with "
          "the target, square, and add up over all the cells of the grid; times λ")
def attention_penalty(student):
    """student(alphas (N, T, rows, cols), lam, target) -> (N,) penalties."""
    alphas = _caption_attention()
    for lam, target in ((1.0, 1.0), (0.3, 0.25)):
        got = answer(student, alphas.copy(), lam, target)
        expect_close(got, _penalty(alphas, lam, target), f"the penalty with λ = {lam} and target {target}",
                     tol=1e-9)


#: the cells each map peaks at, (row, col) in a grid of 3 rows and 5 columns
PEAKS = [(0, 4), (2, 1), (1, 3), (2, 4), (1, 0)]


@exercise("10.3", "The most-attended cell",
          "the largest of the rows·cols weights is at a flat index k; row after row, each row holds cols cells")
def most_attended_cell(student):
    """student(weights (N, rows*cols), rows, cols) -> (N, 2) int array of (row, col)."""
    rows, cols = 3, 5
    rng = np.random.default_rng(23)
    maps = rng.random((len(PEAKS), rows, cols))
    for n, (r, c) in enumerate(PEAKS):
        maps[n, r, c] = 1.5  # above every other cell
    maps /= maps.sum(axis=(1, 2), keepdims=True)
    got = answer(student, maps.reshape(len(PEAKS), rows * cols), rows, cols)
    try:
        got = np.asarray(got).astype(int)
    except (TypeError, ValueError) as error:
        raise NotRight(f"expected an int array of shape ({len(PEAKS)}, 2), got {type(got).__name__}") from error
    expect_equal(got.tolist(), [list(p) for p in PEAKS],
                 f"(row, col) of the peak of {len(PEAKS)} maps of {rows}×{cols} cells")


def _masks(N: int = 3, H: int = 12, W: int = 10):
    """(N, H, W) bool masks of rectangles that cover cells of a 3×5 grid only in part."""
    boxes = [(1, 2, 7, 5), (5, 0, 11, 9), (0, 6, 3, 10)][:N]  # top, left, bottom, right (exclusive)
    masks = np.zeros((N, H, W), bool)
    for n, (top, left, bottom, right) in enumerate(boxes):
        masks[n, top:bottom, left:right] = True
    return masks


@exercise("10.4", "Attention on an object",
          "each cell's weight is spread evenly over the pixels it covers (the image is H/rows × W/cols pixels "
          "per cell); add up the shares that fall on the mask")
def attention_on_mask(student):
    """student(alpha (N, rows, cols), mask (N, H, W) bool) -> (N,) shares in [0, 1]."""
    from course_lib import metrics

    rng = np.random.default_rng(24)
    masks = _masks()
    alpha = np.exp(rng.normal(size=(len(masks), 3, 5)))
    alpha /= alpha.sum(axis=(1, 2), keepdims=True)
    got = answer(student, alpha.copy(), masks.copy())
    expect_close(got, metrics.attention_on_mask(alpha, masks),
                 "the share of attention on the mask, against course_lib.metrics.attention_on_mask", tol=1e-9)
    uniform = np.full((1, 3, 5), 1 / 15)
    expect_close(answer(student, uniform, masks[:1].copy()), masks[:1].mean(axis=(1, 2)),
                 "the share of uniform attention, which is the mask's share of the image", tol=1e-9)
