"""Wrong answers to lesson 10's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _column_major(grid, weights):
    N, rows, cols, _ = grid.shape
    alpha = weights.reshape(N, cols, rows).transpose(0, 2, 1)  # cell (r, c) read as number c·rows + r
    return np.einsum("nrc,nrcd->nd", alpha, grid)


def _over_cells_first(alphas, lam, target):
    return lam * ((target - alphas.sum(axis=(2, 3))) ** 2).sum(axis=1)


def _mean_over_cells(alphas, lam, target):
    return lam * ((target - alphas.sum(axis=1)) ** 2).mean(axis=(1, 2))


def _divided_by_rows(weights, rows, cols):
    k = weights.argmax(axis=1)
    return np.stack([k // rows, k % rows], axis=1)


def _col_row(weights, rows, cols):
    k = weights.argmax(axis=1)
    return np.stack([k % cols, k // cols], axis=1)


def _cells_touched(alpha, mask):
    N, rows, cols = alpha.shape
    _, H, W = mask.shape
    touched = mask.reshape(N, rows, H // rows, cols, W // cols).any(axis=(2, 4))
    return (alpha * touched).sum(axis=(1, 2))


def _not_shared_among_pixels(alpha, mask):
    N, rows, cols = alpha.shape
    _, H, W = mask.shape
    per_pixel = np.repeat(np.repeat(alpha, H // rows, axis=1), W // cols, axis=2)  # each pixel gets the whole cell
    return (per_pixel * mask).sum(axis=(1, 2))


WRONG = {
    "10.1": {
        "weights read column after column": _column_major,
        "plain mean of the cells": lambda grid, weights: grid.mean(axis=(1, 2)),
    },
    "10.2": {
        "summed over the cells instead of the steps": _over_cells_first,
        "mean over the cells, not the sum": _mean_over_cells,
    },
    "10.3": {
        "flat index divided by the number of rows": _divided_by_rows,
        "(col, row) instead of (row, col)": _col_row,
    },
    "10.4": {
        "whole weight of every cell the object touches": _cells_touched,
        "a cell's weight not shared among its pixels": _not_shared_among_pixels,
    },
}
