# %% [markdown]
# # 08 · Exercises: attention, a new context vector at every step
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/08_attention.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [08 · Attention: a new context vector at every step](../notebooks/08_attention.ipynb).
#
# Notation of the lesson (Bahdanau et al., 2014): a batch of `N` queries `s` (the decoder's
# previous states, `query: (N, Dq)`), `S` source positions per example (the encoder's states,
# `values: (N, S, Dv)`), a padding mask `mask: (N, S)` (`True` at real tokens) and the score
# network's parameters `W: (Dq, A)`, `U: (Dv, A)`, `v: (A,)`:
#
# $$e_i = v^\top \tanh(W s + U h_i), \qquad \alpha_i = \frac{\exp e_i}{\sum_j \exp e_j}, \qquad c = \sum_i \alpha_i h_i .$$

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.env import setup_notebook
from course_lib.exercises import lesson08 as check
from course_lib.exercises import summary

info = setup_notebook(seed=0)  # the checks compare with a Keras layer: this quiets TensorFlow's logs

# %% [markdown]
# ## 08.1 · One Bahdanau score
#
# Write `additive_scores(query, values, W, U, v)`: the score `e_i = v · tanh(W s + U h_i)` of
# every source position of every example, `query: (N, Dq)`, `values: (N, S, Dv)` →
# `scores: (N, S)`. In the row-vector convention of the code, `W s` is `query @ W`, an
# `(N, A)` array, and `U h_i` for all positions at once is `values @ U`, `(N, S, A)`.

# %%
def additive_scores(query, values, W, U, v):
    """query: (N, Dq), values: (N, S, Dv), W: (Dq, A), U: (Dv, A), v: (A,) -> scores: (N, S)."""
    ### BEGIN SOLUTION
    hidden = np.tanh((query @ W)[:, None, :] + values @ U)  # (N, S, A)
    return hidden @ v
    ### END SOLUTION


check.additive_scores(additive_scores)

# %% [markdown]
# ## 08.2 · A masked softmax over the source positions
#
# Turn the scores into weights: a softmax over the `S` positions of each example, in which
# the padded positions (`mask` is `False`) take no part, so their weight is exactly 0 and
# the real positions' weights sum to 1. `scores: (N, S)`, `mask: (N, S)` bool → `weights:
# (N, S)`. The check compares with `course_lib.attention.BahdanauAttention` given
# `values_mask`; it also gives your function scores in the hundreds, where a softmax that
# calls `exp` on them directly overflows.

# %%
def masked_softmax(scores, mask):
    """scores: (N, S), mask: (N, S) bool -> weights: (N, S), exactly 0 where mask is False."""
    ### BEGIN SOLUTION
    e = np.where(mask, scores, -np.inf)
    e = np.exp(e - e.max(axis=1, keepdims=True))  # exp(-inf) = 0 at padding
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


check.masked_softmax(masked_softmax)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Why give the padded positions a score of −∞ *before* the softmax, rather
# than compute the softmax over all `S` positions and set the padded weights to 0 after it?
#
# ### BEGIN SOLUTION
# Zeroing after the softmax leaves the real weights as they were, so they no longer sum to
# 1: the padding has taken part of the probability mass, and how much depends on the
# padding's scores, which mean nothing. The context would then be a shrunken average whose
# size depends on how much padding a sentence has. Renormalising after zeroing fixes it, and
# is the same thing as a −∞ score: `exp(−∞) = 0` removes the padded positions from the
# denominator as well as from the numerator.
# ### END SOLUTION

# %% [markdown]
# ## 08.3 · The attention context
#
# Put the two together: `attend(query, values, mask, W, U, v)` returns the context vectors
# `c = Σ_i α_i h_i`, `(N, Dv)`, and the weights `α`, `(N, S)` — what the decoder reads at one
# step, and what the heatmaps of the lesson draw. Call your two functions above. The check
# compares both with `BahdanauAttention` set to the same `W`, `U`, `v`.

# %%
def attend(query, values, mask, W, U, v):
    """query: (N, Dq), values: (N, S, Dv), mask: (N, S) -> (context (N, Dv), weights (N, S))."""
    ### BEGIN SOLUTION
    weights = masked_softmax(additive_scores(query, values, W, U, v), mask)
    context = np.einsum("ns,nsd->nd", weights, values)  # each example's weighted sum of its values
    return context, weights
    ### END SOLUTION


check.attend(attend)

# %% [markdown]
# ## 08.4 · Alignment accuracy
#
# The lesson scores a heatmap against the true word alignment: the share of target tokens
# whose most-attended source token is the true one. `weights: (N, T, S)` (target step `t`
# of example `n` attends over `S` source positions), `true_alignment: (N, T)` int, the
# source index of each target token, or −1 where it has none (those tokens are not
# scored). Return one float in [0, 1] over all the scored tokens of the batch. The check
# compares with `course_lib.metrics.alignment_accuracy`.

# %%
def alignment_accuracy(weights, true_alignment):
    """weights: (N, T, S), true_alignment: (N, T) int, -1 = not scored -> float in [0, 1]."""
    ### BEGIN SOLUTION
    scored = true_alignment >= 0
    hits = weights.argmax(axis=-1) == true_alignment  # (N, T)
    return float(hits[scored].mean())
    ### END SOLUTION


check.alignment_accuracy(alignment_accuracy)

# %% [markdown]
# ## Your score

# %%
summary("08")
