# %% [markdown]
# # 13 · Exercises: RNNs beyond sequences
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/13_rnns_beyond_sequences.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [13 · RNNs beyond sequences: glimpses and drawing](../notebooks/13_rnns_beyond_sequences.ipynb).
#
# All four functions work in NumPy (float64); the checks compare them with
# `course_lib.glimpses` and `course_lib.metrics`, which the lesson's models use.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np

from course_lib.exercises import lesson13 as check
from course_lib.exercises import summary
from course_lib.glimpses import MIN_STRIDE

# %% [markdown]
# ## 13.1 · DRAW's Gaussian filterbank
#
# Along one axis of `size` pixels (pixel `j` has its centre at `j`), a window of `n`
# filters with centre `g` and stride `δ` places filter `i` (`i = 0 … n−1`) at
# `μ_i = g + (i − (n − 1)/2) · δ`. Each filter is a Gaussian of width `σ = δ/2` evaluated at
# the pixels, `exp(−(j − μ_i)² / (2σ²))`, divided by its sum over the pixels (Gregor et al.,
# 2015, *DRAW*, who learn σ separately; the lesson ties it to the stride). Write
# `window_filters(centre, stride, n, size)` for a batch of windows: `centre, stride: (B,)`
# give `F: (B, n, size)`.

# %%
def window_filters(centre, stride, n, size):
    """centre, stride: (B,) in pixels -> F: (B, n, size), each row a normalised Gaussian."""
    ### BEGIN SOLUTION
    mu = centre[:, None] + (np.arange(n) - (n - 1) / 2) * stride[:, None]  # (B, n)
    sigma = stride[:, None, None] / 2
    F = np.exp(-((np.arange(size) - mu[:, :, None]) ** 2) / (2 * sigma**2))
    return F / F.sum(axis=-1, keepdims=True)
    ### END SOLUTION


check.window_filters(window_filters)

# %% [markdown]
# ## 13.2 · Read a glimpse
#
# With the filters of the rows, `Fy: (B, n, H)`, and of the columns, `Fx: (B, n, W)`, the
# window reads an `n × n` glimpse of each image `x: (H, W)` as `Fy · x · Fxᵀ`. Write
# `read_glimpse(images, Fy, Fx)` for a batch `images: (B, H, W)`, returning `(B, n, n)`.
# (The check's images are not square, so a swapped axis shows.)

# %%
def read_glimpse(images, Fy, Fx):
    """images: (B, H, W), Fy: (B, n, H), Fx: (B, n, W) -> glimpses: (B, n, n)."""
    ### BEGIN SOLUTION
    return Fy @ images @ np.swapaxes(Fx, 1, 2)
    ### END SOLUTION


check.read_glimpse(read_glimpse)

# %% [markdown] nbgrader={"solution": true}
# **Question.** DRAW writes a patch `p: (n, n)` onto the canvas as `Fyᵀ · p · Fx`. Why is
# that called the transpose of reading, and what does a gradient that flows back through
# a read do to the image?
#
# ### BEGIN SOLUTION
# Reading is a linear map from images to glimpses, `x ↦ Fy x Fxᵀ`; its transpose (adjoint)
# is the map `p ↦ Fyᵀ p Fx`, because `⟨Fy x Fxᵀ, p⟩ = ⟨x, Fyᵀ p Fx⟩` for every image and
# patch (the lesson checks this identity numerically). Backpropagation through a linear map
# applies its transpose, so the gradient of a loss with respect to the image is the
# gradient with respect to the glimpse *written* back through the same window: it lands on
# the pixels the window read, spread by the same Gaussians, and is zero far from them.
# ### END SOLUTION

# %% [markdown]
# ## 13.3 · A window that stays on the image
#
# The glimpse classifier's dense layer outputs three unbounded numbers per image,
# `params: (B, 3)`. Write `window_from_params(params, size, n, max_stride=None)` returning
# `(centre_y, centre_x, stride)`, each `(B,)`, as `glimpses.window_from_params` does on a
# `size × size` image with `n` filters per axis:
#
# - `centre = (size − 1)/2 · (tanh(param) + 1)`, for the first two columns;
# - `stride = MIN_STRIDE + (widest − MIN_STRIDE) · sigmoid(param)`, for the third, where
#   `widest = (size − 1)/(n − 1)` (the n filters then span the whole image) or `max_stride`
#   when it is given. `MIN_STRIDE` (0.75 pixels) is imported above.

# %%
def window_from_params(params, size, n, max_stride=None):
    """params: (B, 3) -> (centre_y (B,), centre_x (B,), stride (B,)) in pixels."""
    ### BEGIN SOLUTION
    half = (size - 1) / 2
    widest = (size - 1) / (n - 1) if max_stride is None else max_stride
    centre_y, centre_x = half * (np.tanh(params[:, 0]) + 1), half * (np.tanh(params[:, 1]) + 1)
    stride = MIN_STRIDE + (widest - MIN_STRIDE) / (1 + np.exp(-params[:, 2]))
    return centre_y, centre_x, stride
    ### END SOLUTION


check.window_from_params(window_from_params)

# %% [markdown]
# ## 13.4 · Glimpses on the digit
#
# Section 5 of the lesson scores where the glimpses land. Write
# `glimpses_on_digit(windows, boxes)`: `windows: (N, steps, 3)` holds each glimpse's
# `centre_y, centre_x, stride` in pixels, `boxes: (N, 4)` each digit's integer box
# `(top, left, bottom, right)`, bottom and right exclusive (the digit occupies rows
# `top … bottom−1` and columns `left … right−1`). Return, for each step, the share of the
# `N` images whose glimpse centre falls on the digit's pixels, `(steps,)`. A centre counts
# as on a pixel when it lies within half a pixel of that pixel's centre, edges included.

# %%
def glimpses_on_digit(windows, boxes):
    """windows: (N, steps, 3), boxes: (N, 4) -> (steps,) share of glimpse centres inside the box."""
    ### BEGIN SOLUTION
    y, x = windows[..., 0], windows[..., 1]
    top, left, bottom, right = (boxes[:, i : i + 1] for i in range(4))
    inside = (y >= top - 0.5) & (y <= bottom - 0.5) & (x >= left - 0.5) & (x <= right - 0.5)
    return inside.mean(axis=0)
    ### END SOLUTION


check.glimpses_on_digit(glimpses_on_digit)

# %% [markdown]
# ## Your score

# %%
summary("13")
