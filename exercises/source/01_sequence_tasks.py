# %% [markdown]
# # 01 · Exercises: sequence tasks, padding and masking
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/01_sequence_tasks.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [01 · Sequence tasks](../notebooks/01_sequence_tasks.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np

from course_lib.exercises import lesson01 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 01.1 · Post-padding and its mask
#
# `seqs` is a list of `N` float arrays, sequence `n` of shape `(L_n, F)`, every `L_n` at
# most `maxlen`. Return `x: (N, maxlen, F)` float32, each sequence at the start of its row
# and zeros after it (what `keras.utils.pad_sequences(..., padding="post")` does: write it
# yourself, the check compares with it), and `mask: (N, maxlen)` bool, True on real steps.
# One real step of the check's data is all zeros, as a real input can be: the lengths, not
# the values, say where the padding starts.

# %%
def pad_post(seqs, maxlen):
    """seqs: N arrays (L_n, F) -> (x: (N, maxlen, F) float32, mask: (N, maxlen) bool)."""
    ### BEGIN SOLUTION
    F = np.shape(seqs[0])[1]
    x = np.zeros((len(seqs), maxlen, F), dtype="float32")
    mask = np.zeros((len(seqs), maxlen), dtype=bool)
    for n, s in enumerate(seqs):
        x[n, : len(s)] = s
        mask[n, : len(s)] = True
    return x, mask
    ### END SOLUTION


check.pad_post(pad_post)

# %% [markdown]
# ## 01.2 · A mean over the real steps
#
# A many-to-one model can summarise a sequence by the mean of its hidden states instead of
# its last one. With padding, that mean must leave the padded steps out. Given the states
# `h: (N, T, H)` and `mask: (N, T)` (True on real steps, at least one per sequence), return
# the mean over each sequence's real steps, `(N, H)`. The check compares with
# `keras.layers.GlobalAveragePooling1D` called with the mask.

# %%
def masked_mean(h, mask):
    """h: (N, T, H), mask: (N, T) bool -> (N, H), the mean of h over each row's real steps."""
    ### BEGIN SOLUTION
    m = mask[..., None].astype(h.dtype)
    return (h * m).sum(axis=1) / m.sum(axis=1)
    ### END SOLUTION


check.masked_mean(masked_mean)

# %% [markdown]
# ## 01.3 · The last real state
#
# Without a `Masking` layer, a GRU over post-padded sequences reads the zeros too, so its
# state at the last step is not the one after the last real input. The states before the
# padding are still right: an RNN's state at step `t` depends only on steps `0..t`. Given
# every state of such a GRU, `h: (N, T, H)` (`return_sequences=True`), and the true
# `lengths: (N,)`, return the state after each sequence's last real step, `(N, H)`. The
# check compares it with a masked GRU of the same weights (section 5 of the lesson).

# %%
def last_real_state(h, lengths):
    """h: (N, T, H), lengths: (N,) ints in [1, T] -> (N, H), the state at step lengths[n] - 1."""
    ### BEGIN SOLUTION
    return h[np.arange(len(lengths)), np.asarray(lengths) - 1]
    ### END SOLUTION


check.last_real_state(last_real_state)

# %% [markdown] nbgrader={"solution": true}
# **Question.** With post-padding, 01.3 recovers exactly what the masked GRU returns.
# With pre-padding (zeros first), can some choice of step of the unmasked GRU's states
# still do it? When does the last step give the masked result, and when not?
#
# ### BEGIN SOLUTION
# No step can in general. The unmasked GRU reads the zeros before any real input, and from a
# zero state a zero input still moves the state through the biases: the candidate is
# `tanh` of the biases' part and the update gate mixes it in. So the state is no longer zero
# when the first real step arrives, and every later state carries that difference: the last
# step, the natural pick with pre-padding, differs from the masked result. It agrees only
# when the zeros leave the zero state where it is, which for a GRU happens when all its
# biases are 0, as Keras initialises them; after training they usually are not. With
# post-padding, by contrast, the padding comes after the last real step and cannot change a
# state already computed.
# ### END SOLUTION

# %% [markdown]
# ## 01.4 · Decoder inputs for teacher forcing
#
# In the lesson's encoder–decoder, the decoder is trained on the true previous token
# (teacher forcing, Williams and Zipser, 1989): its input sequence is the target sequence shifted one step to the right, with `<start>`
# first. Given `targets: (N, T_out)` token ids and the id of `<start>`, return the decoder
# inputs, `(N, T_out)`: the same number of steps as the targets.

# %%
def decoder_inputs(targets, start_id):
    """targets: (N, T_out) ints, start_id: int -> (N, T_out) ints, <start> then targets[:, :-1]."""
    ### BEGIN SOLUTION
    start = np.full((len(targets), 1), start_id, dtype=targets.dtype)
    return np.concatenate([start, targets[:, :-1]], axis=1)
    ### END SOLUTION


check.decoder_inputs(decoder_inputs)

# %% [markdown]
# ## Your score

# %%
summary("01")
