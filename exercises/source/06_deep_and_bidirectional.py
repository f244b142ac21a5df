# %% [markdown]
# # 06 · Exercises: deep and bidirectional RNNs
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/06_deep_and_bidirectional.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [06 · Deep and bidirectional RNNs](../notebooks/06_deep_and_bidirectional.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.env import setup_notebook

setup_notebook(seed=0)

from course_lib.exercises import lesson06 as check  # noqa: E402
from course_lib.exercises import summary  # noqa: E402

# %% [markdown]
# ## 06.1 · Reverse padded sequences within their lengths
#
# A batch of sequences of different lengths is padded after each sequence's end. The
# backward half of a bidirectional layer must read each sequence from its *last real
# step* to its first, not from the padding. Write `reverse_within_lengths(x, lengths)`:
# `x: (N, T, D)`, `lengths: (N,)` ints (row `n` has `lengths[n]` real steps, then padding);
# it returns an array of the same shape in which the first `lengths[n]` steps of row `n`
# are in reverse order and the padding stays where it was.

# %%
def reverse_within_lengths(x, lengths):
    """x: (N, T, D), lengths: (N,) -> (N, T, D), each row's real steps reversed in place."""
    ### BEGIN SOLUTION
    out = x.copy()
    for n, length in enumerate(lengths):
        out[n, :length] = x[n, :length][::-1]
    return out
    ### END SOLUTION


check.reverse_within_lengths(reverse_within_lengths)

# %% [markdown]
# ## 06.2 · Merge the two directions
#
# `keras.layers.Bidirectional(layer, merge_mode=...)` runs the forward layer and a
# backward copy (`go_backwards=True`, its outputs come from the last step to the first),
# then merges the two at every step. Given the forward layer's output sequence and the
# backward layer's output sequence as it comes out of that layer, both `(N, T, H)`, write
# `merge_directions(forward_seq, backward_seq, merge_mode)` for `merge_mode` `"concat"`
# (`(N, T, 2H)`), `"sum"`, `"mul"` and `"ave"` (`(N, T, H)`). The check compares it with
# the `Bidirectional` layer's own output.

# %%
def merge_directions(forward_seq, backward_seq, merge_mode):
    """forward_seq, backward_seq: (N, T, H) -> (N, T, 2H) for "concat", (N, T, H) for "sum", "mul", "ave"."""
    ### BEGIN SOLUTION
    backward_in_time = backward_seq[:, ::-1]
    if merge_mode == "concat":
        return np.concatenate([forward_seq, backward_in_time], axis=-1)
    return {"sum": forward_seq + backward_in_time, "mul": forward_seq * backward_in_time,
            "ave": (forward_seq + backward_in_time) / 2}[merge_mode]
    ### END SOLUTION


check.merge_directions(merge_directions)

# %% [markdown]
# ## 06.3 · Parameters of a stacked bidirectional network
#
# Write `stacked_bidirectional_params(kind, input_dim, units, layers, merge_mode)`: the
# number of parameters of `layers` stacked layers
# `Bidirectional(LSTM(units, return_sequences=True), merge_mode=merge_mode)` (`kind="lstm"`)
# or the same with Keras' default `GRU` (`kind="gru"`, `reset_after=True`), the first
# reading `input_dim` features per step. `merge_mode` is `"concat"` or `"sum"`. The check
# compares with Keras' `count_params()`.

# %%
def stacked_bidirectional_params(kind, input_dim, units, layers, merge_mode="concat"):
    """kind: "lstm" or "gru"; input_dim D, units H, layers L, merge_mode -> number of parameters (int)."""
    ### BEGIN SOLUTION
    def one_direction(d):
        if kind == "lstm":
            return 4 * (d + units + 1) * units
        return 3 * (d + units + 1) * units + 3 * units  # Keras' GRU: a recurrent-side bias too

    width = 2 * units if merge_mode == "concat" else units  # what the layer above reads
    return sum(2 * one_direction(input_dim if layer == 0 else width) for layer in range(layers))
    ### END SOLUTION


check.stacked_bidirectional_params(stacked_bidirectional_params)

# %% [markdown]
# ## 06.4 · The two naive forecasts
#
# Section 5 of the lesson scored its LSTM against two forecasts that learn nothing. Write
# `naive_forecasts(series, n_test, period, horizon)` for a series `(T,)`: the forecasts of
# its last `n_test` values, each made `horizon` steps ahead (so the forecast of step `t`
# may use the values up to step `t − horizon`), returned as `(last_value, seasonal)`, each
# `(n_test,)`:
# * **last value**: the latest value known when the forecast is made;
# * **seasonal**: the value one `period` before the target (`period ≥ horizon`).

# %%
def naive_forecasts(series, n_test, period, horizon=1):
    """series: (T,), n_test, period >= horizon, horizon -> (last_value (n_test,), seasonal (n_test,))."""
    ### BEGIN SOLUTION
    t = np.arange(len(series) - n_test, len(series))  # the steps to forecast
    return series[t - horizon], series[t - period]
    ### END SOLUTION


check.naive_forecasts(naive_forecasts)

# %% [markdown] nbgrader={"solution": true}
# **Question.** A bidirectional LSTM reads a padded batch *without* a mask (no
# `mask_zero=True`). What does its backward direction read first on a short sequence, and
# what does that do to the state it has when it reaches the real steps? How does your
# `reverse_within_lengths` fix that?
#
# ### BEGIN SOLUTION
# Without a mask the backward layer simply reads the whole padded row from the last
# column to the first, so on a short sequence it reads every padding step first. Each
# padding step is an ordinary input (the embedding of id 0) that updates the state, so the
# backward state has drifted away from its start by the time it reaches the last real
# token, and how far depends on how much padding the row has: the same review padded to
# two lengths gets two different outputs. Reversing each row within its length puts the
# last real step first and leaves the padding at the end, so the backward layer starts on
# real tokens from its initial state and its outputs at the real steps are those of the
# unpadded sequence. The padding it then reads comes after them and may only be skipped
# (the mask: the state is carried over unchanged), so its final state is the one after the
# first real token. That is what `Bidirectional` does with a masked input, and why the
# lesson's padded review gets the output of the unpadded one.
# ### END SOLUTION

# %% [markdown]
# ## Your score

# %%
summary("06")
