# %% [markdown]
# # 10 · Exercises: Show, Attend and Tell
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/10_attention_captioning.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [10 · Show, Attend and Tell: captioning with spatial attention](../notebooks/10_attention_captioning.ipynb).
#
# The decoder of the lesson attends over the cells of a CNN's feature grid,
# `grid: (N, rows, cols, C)`. `SpatialAttention` flattens the grid into `L = rows·cols`
# positions the way Keras (and NumPy) reshape, row after row: cell `(r, c)` becomes position
# `r·cols + c`. The checks use grids with fewer rows than columns, so a row and a column
# cannot be mixed up unnoticed.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.env import setup_notebook
from course_lib.exercises import lesson10 as check
from course_lib.exercises import summary

info = setup_notebook(seed=0)  # the checks compare with a Keras layer: this quiets TensorFlow's logs

# %% [markdown]
# ## 10.1 · The context over a feature grid
#
# Given the grid and one attention weight per cell, flattened in Keras' order,
# `weights: (N, rows·cols)`, return the context vectors `c = Σ_ij α_ij g_ij`, `(N, C)`. The
# check compares with the context of `course_lib.attention.SpatialAttention`.

# %%
def grid_context(grid, weights):
    """grid: (N, rows, cols, C), weights: (N, rows*cols) in row-major order -> context: (N, C)."""
    ### BEGIN SOLUTION
    N, rows, cols, C = grid.shape
    cells = grid.reshape(N, rows * cols, C)  # the same row-major order as the weights
    return np.einsum("nl,nlc->nc", weights, cells)
    ### END SOLUTION


check.grid_context(grid_context)

# %% [markdown]
# ## 10.2 · The doubly stochastic attention penalty
#
# At every step the weights over the cells sum to 1. Show, Attend and Tell (Xu et al., 2015)
# also asks that every cell gets about the same attention over the whole caption — their
# *doubly stochastic* attention — by adding to each caption's loss
#
# $$\lambda \sum_{ij} \Big(\tau - \sum_{t} \alpha_{t,ij}\Big)^2,$$
#
# with `τ = 1` in the paper (the lesson's exercise 3 suggests `τ = T/L` instead). Write
# `attention_penalty(alphas, lam, target)`: `alphas: (N, T, rows, cols)`, the maps of the
# `T` steps of `N` captions (zeros at the steps after a caption's `<end>`, as in the
# `alpha` of `generate_captions(..., return_attention=True)`) → one penalty per caption, `(N,)`.

# %%
def attention_penalty(alphas, lam, target=1.0):
    """alphas: (N, T, rows, cols), lam: λ, target: τ -> (N,) doubly stochastic penalties."""
    ### BEGIN SOLUTION
    per_cell = alphas.sum(axis=1)  # (N, rows, cols): each cell's attention over the caption
    return lam * ((target - per_cell) ** 2).sum(axis=(1, 2))
    ### END SOLUTION


check.attention_penalty(attention_penalty)

# %% [markdown] nbgrader={"solution": true}
# **Question.** The lesson's grid has `L = 64` cells and its captions about `T = 11` steps.
# With `τ = 1`, what is the smallest penalty any attention can reach, and which attention
# reaches it? Why does `τ = T/L` make more sense there?
#
# ### BEGIN SOLUTION
# Each step's weights sum to 1, so the per-cell totals `a_ij = Σ_t α_t,ij` always add up to
# `T` over the grid. Under that constraint `Σ_ij (1 − a_ij)²` is smallest when every cell has
# the same total, `a_ij = T/L`, and its minimum is `L (1 − T/L)² = 64 · (53/64)² ≈ 43.9`:
# the penalty can never get near 0, and what it rewards is spreading the attention evenly
# over the caption, not looking at every cell "once". With `τ = T/L` the even spread costs
# exactly 0, so the penalty only measures how unevenly the caption's attention is shared
# between cells — it discourages the decoder from staring at a few cells and ignoring the
# rest, which is what the paper meant the penalty for (equal attention to every part of the
# image over the course of the caption).
# ### END SOLUTION

# %% [markdown]
# ## 10.3 · The most-attended cell
#
# The lesson asks whether the single most-attended cell touches the object a word names.
# Write `most_attended_cell(weights, rows, cols)`: `weights: (N, rows·cols)` in Keras' order →
# an int array `(N, 2)` holding the `(row, col)` of each map's largest weight.

# %%
def most_attended_cell(weights, rows, cols):
    """weights: (N, rows*cols) row-major -> (N, 2) int, the (row, col) of each largest weight."""
    ### BEGIN SOLUTION
    k = weights.argmax(axis=1)
    return np.stack([k // cols, k % cols], axis=1)  # np.unravel_index(k, (rows, cols)) does the same
    ### END SOLUTION


check.most_attended_cell(most_attended_cell)

# %% [markdown]
# ## 10.4 · Attention on an object
#
# The lesson measures how much of a word's attention falls on the object it names
# (`course_lib.metrics.attention_on_mask`): each cell covers a block of
# `(H/rows) × (W/cols)` pixels of the `H × W` image, its weight is shared evenly among those
# pixels, and the share on the object is the sum over the pixels of its mask. Write
# `attention_on_mask(alpha, mask)`: `alpha: (N, rows, cols)` maps that sum to 1,
# `mask: (N, H, W)` bool, `H` a multiple of `rows` and `W` of `cols` → `(N,)` shares.
# Attention spread evenly over the grid should get exactly the mask's share of the image.

# %%
def attention_on_mask(alpha, mask):
    """alpha: (N, rows, cols), mask: (N, H, W) bool -> (N,) shares of attention on the mask."""
    ### BEGIN SOLUTION
    N, rows, cols = alpha.shape
    _, H, W = mask.shape
    # the fraction of each cell's pixels that lie on the mask: (N, rows, cols)
    covered = mask.reshape(N, rows, H // rows, cols, W // cols).mean(axis=(2, 4))
    return (alpha * covered).sum(axis=(1, 2))
    ### END SOLUTION


check.attention_on_mask(attention_on_mask)

# %% [markdown]
# ## Your score

# %%
summary("10")
