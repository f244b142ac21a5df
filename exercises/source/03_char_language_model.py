# %% [markdown]
# # 03 · Exercises: a character-level language model
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/03_char_language_model.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [03 · A character-level language model](../notebooks/03_char_language_model.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np

from course_lib.exercises import lesson03 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 03.1 · Inputs and targets for truncated BPTT
#
# A language model's target at every position is the next id. For truncated BPTT
# (Williams and Peng, 1990) with a carried state, the lesson lays the text out in `B` parallel streams: cut `ids: (L,)` into
# `B` equal consecutive streams of `K·T` ids each, with `K = (L − 1) // (B·T)` (the ids
# left over at the end are dropped; one extra id is kept for the last target), and chunk
# each stream into `K` pieces of `T` steps. Batch `k` (rows `k·B … k·B + B − 1`) holds
# chunk `k` of every stream, so row `i` of batch `k + 1` continues row `i` of batch `k`.
# Return `x` and `y`, each `(K·B, T)`, `y` the targets of `x`. Write it yourself: the check
# compares with `course_lib.data.text.tbptt_batches`.

# %%
def tbptt_batches(ids, B, T):
    """ids: (L,) ints -> (x, y), each (K·B, T) ints; x[k·B + i] is chunk k of stream i."""
    ### BEGIN SOLUTION
    per_stream = (len(ids) - 1) // (B * T) * T
    x = ids[: B * per_stream].reshape(B, -1, T)  # (B, K, T): stream, chunk, step
    y = ids[1 : B * per_stream + 1].reshape(B, -1, T)
    return x.transpose(1, 0, 2).reshape(-1, T), y.transpose(1, 0, 2).reshape(-1, T)
    ### END SOLUTION


check.tbptt_batches(tbptt_batches)

# %% [markdown]
# ## 03.2 · Bits per character and perplexity
#
# Given a model's scores `logits: (N, T, V)` (before the softmax) and the target ids
# `targets: (N, T)`, return the mean cross-entropy over all `N·T` positions in **bits per
# character**, and the **perplexity**, the exponential of the same cross-entropy (so
# `2 ** bits`). The check compares with Keras' `SparseCategoricalCrossentropy` and
# `course_lib.metrics`. The scores of one sequence are all shifted by a large constant,
# which leaves its probabilities unchanged: keep your softmax from overflowing.

# %%
def bits_and_perplexity(logits, targets):
    """logits: (N, T, V), targets: (N, T) ints -> (bits per character, perplexity), two floats."""
    ### BEGIN SOLUTION
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nats = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    bits = nats / np.log(2)
    return float(bits), float(2.0**bits)
    ### END SOLUTION


check.bits_and_perplexity(bits_and_perplexity)

# %% [markdown] nbgrader={"solution": true}
# **Question.** A model reaches 2.0 bits per character on held-out text over a vocabulary
# of 65 characters. What is its perplexity, and what does the number say about the model?
# What are both numbers for a uniform guess over the 65 characters?
#
# ### BEGIN SOLUTION
# Its perplexity is 2² = 4: on average the model is as uncertain about the next character
# as if it chose uniformly among 4 of them. A uniform guess over 65 characters costs
# log₂ 65 ≈ 6.02 bits per character and has perplexity 65, so the model has narrowed the
# choice from 65 characters to the equivalent of 4.
# ### END SOLUTION

# %% [markdown]
# ## 03.3 · A softmax with a temperature
#
# To sample, the lesson divides the scores by a temperature `τ` before the softmax. Return
# the probabilities for `logits: (N, V)`, one distribution per row. The check tries
# several temperatures down to `τ = 0.01`, where the scaled scores are in the hundreds.

# %%
def softmax_with_temperature(logits, temperature):
    """logits: (N, V), temperature > 0 -> (N, V) probabilities, each row summing to 1."""
    ### BEGIN SOLUTION
    z = logits / temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


check.softmax_with_temperature(softmax_with_temperature)

# %% [markdown]
# ## 03.4 · The unigram baseline
#
# The baseline of the lesson predicts every character with its frequency in the training
# text, whatever came before. With add-one smoothing (every count of the `V` ids is raised
# by 1, so an id never seen in training still has a probability above 0), return its mean
# cross-entropy in nats on the held-out ids. The check compares with
# `CharVocab.unigram_nll` of `course_lib.data.text`.

# %%
def unigram_nll(train_ids, eval_ids, V):
    """train_ids: (L1,), eval_ids: (L2,) ints in [0, V) -> mean −ln p(eval id), a float."""
    ### BEGIN SOLUTION
    counts = np.bincount(train_ids, minlength=V) + 1.0
    return float(-np.log(counts[eval_ids] / counts.sum()).mean())
    ### END SOLUTION


check.unigram_nll(unigram_nll)

# %% [markdown]
# ## Your score

# %%
summary("03")
