# %% [markdown]
# # 02 · Exercises: a recurrent network from scratch
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/02_rnn_from_scratch.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [02 · A recurrent network from scratch](../notebooks/02_rnn_from_scratch.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.exercises import lesson02 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 02.1 · One RNN step
#
# Write `rnn_step_forward(x, prev_h, Wx, Wh, b)` for a mini-batch, with the lesson's shapes:
# `x: (N, D)`, `prev_h: (N, H)`, `Wx: (D, H)`, `Wh: (H, H)`, `b: (H,)`; it returns
# `next_h: (N, H)`.

# %%
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,) -> next_h: (N, H)."""
    ### BEGIN SOLUTION
    return np.tanh(x @ Wx + prev_h @ Wh + b)
    ### END SOLUTION


check.rnn_step_forward(rnn_step_forward)

# %% [markdown]
# ## 02.2 · The step's backward pass
#
# Given the upstream gradient `dnext_h` (the loss's gradient with respect to `next_h`) and
# the step's inputs and output, return the gradients with respect to all five inputs, each
# the shape of its variable. The check compares them with numeric gradients
# (`course_lib.gradcheck`), to a relative error below 1e-7.

# %%
def rnn_step_backward(dnext_h, x, prev_h, Wx, Wh, next_h):
    """dnext_h, next_h: (N, H); the rest as above -> (dx, dprev_h, dWx, dWh, db)."""
    ### BEGIN SOLUTION
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
    ### END SOLUTION


check.rnn_step_backward(rnn_step_backward)

# %% [markdown]
# ## 02.3 · A ReLU RNN's backward pass
#
# Replace `tanh` by ReLU: `next_h = max(x Wx + prev_h Wh + b, 0)`. Write the backward pass
# of that step (same arguments and results as 02.2).

# %%
def relu_step_backward(dnext_h, x, prev_h, Wx, Wh, next_h):
    """The gradients of next_h = relu(x Wx + prev_h Wh + b) -> (dx, dprev_h, dWx, dWh, db)."""
    ### BEGIN SOLUTION
    da = dnext_h * (next_h > 0)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
    ### END SOLUTION


check.relu_step_backward(relu_step_backward)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Which line of your backward pass changed from 02.2 to 02.3, and what does
# a ReLU step do to the gradient of a unit that was inactive (output 0) at that step?
#
# ### BEGIN SOLUTION
# Only the local derivative changes: `1 − next_h²` becomes the indicator `next_h > 0`; the
# four products with `da` stay as they were, because they come from the affine part
# `x Wx + prev_h Wh + b`, which both steps share. A unit that was inactive passes no gradient
# at all at that step: its entries of `da` are 0, so nothing flows to its weights or, through
# `Wh`, to the previous state.
# ### END SOLUTION

# %% [markdown]
# ## 02.4 · From PyTorch's layout to ours
#
# PyTorch's `nn.RNN` keeps `weight_ih: (H, D)`, `weight_hh: (H, H)` and two biases
# `bias_ih, bias_hh: (H,)`, and computes
# `h' = tanh(x · weight_ihᵀ + bias_ih + h · weight_hhᵀ + bias_hh)`. Return our `(Wx, Wh, b)`
# such that `rnn_step_forward` computes the same function (no PyTorch needed: the check uses
# PyTorch's formula in NumPy).

# %%
def from_torch_rnn(weight_ih, weight_hh, bias_ih, bias_hh):
    """weight_ih: (H, D), weight_hh: (H, H), bias_ih, bias_hh: (H,) -> (Wx (D, H), Wh (H, H), b (H,))."""
    ### BEGIN SOLUTION
    return weight_ih.T, weight_hh.T, bias_ih + bias_hh
    ### END SOLUTION


check.from_torch_rnn(from_torch_rnn)

# %% [markdown]
# ## 02.5 · The loss of an untrained language model
#
# Before training, a language model over `V` characters gives each of them about the same
# probability. Return the cross-entropy (in nats, natural logarithm) you expect from it per
# character: the number the lesson checks its first loss against.

# %%
def initial_loss(V):
    """V: the number of classes -> the expected cross-entropy, in nats, of a uniform guess."""
    ### BEGIN SOLUTION
    return float(np.log(V))
    ### END SOLUTION


check.initial_loss(initial_loss)

# %% [markdown]
# ## Your score

# %%
summary("02")
