# %% [markdown]
# # 05 · Exercises: LSTM and GRU
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/05_lstm_gru.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [05 · LSTM and GRU: gated memory](../notebooks/05_lstm_gru.ipynb).
#
# Write the steps in NumPy. The checks build Keras' own cells (`keras.layers.LSTMCell`,
# `keras.layers.GRUCell`), give them the weights they hand to your function, and compare.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.env import setup_notebook

setup_notebook(seed=0)

from course_lib.exercises import lesson05 as check  # noqa: E402
from course_lib.exercises import summary  # noqa: E402


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# %% [markdown]
# ## 05.1 · One LSTM step in Keras' layout
#
# Keras keeps an LSTM's weights apart: `kernel: (D, 4H)` multiplies the input,
# `recurrent_kernel: (H, 4H)` the previous hidden state, and `bias: (4H,)`. Along the last
# axis the four blocks of `H` columns are, in this order, the input gate `i`, the forget
# gate `f`, the candidate `c̃` (the lesson's `g`) and the output gate `o`. Write
# `lstm_step(x, h_prev, c_prev, kernel, recurrent_kernel, bias)` for a mini-batch:
# `x: (N, D)`, `h_prev, c_prev: (N, H)`; it returns `(h, c)`, each `(N, H)`, with the
# equations of the lesson's section 1.

# %%
def lstm_step(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """x: (N, D), h_prev, c_prev: (N, H), kernel: (D, 4H), recurrent_kernel: (H, 4H), bias: (4H,)
    -> (h, c), each (N, H)."""
    ### BEGIN SOLUTION
    a = x @ kernel + h_prev @ recurrent_kernel + bias
    a_i, a_f, a_c, a_o = np.split(a, 4, axis=1)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_c)
    h = sigmoid(a_o) * np.tanh(c)
    return h, c
    ### END SOLUTION


check.lstm_step(lstm_step)

# %% [markdown]
# ## 05.2 · One GRU step in Keras' layout
#
# Keras' default GRU (`reset_after=True`) keeps `kernel: (D, 3H)`,
# `recurrent_kernel: (H, 3H)` and `bias: (2, 3H)`, the blocks in the order update gate `z`,
# reset gate `r`, candidate `h̃`. Row 0 of the bias is added to `x · kernel`, row 1 to
# `h_prev · recurrent_kernel`, and the reset gate multiplies the candidate's whole
# recurrent term (section 4 of the lesson):
# `h̃ = tanh(x W_h + b_h + r ⊙ (h_prev U_h + b'_h))`, then
# `h = z ⊙ h_prev + (1 − z) ⊙ h̃`. Write `gru_step(x, h_prev, kernel, recurrent_kernel, bias)`
# for `x: (N, D)`, `h_prev: (N, H)`; it returns `h: (N, H)`.

# %%
def gru_step(x, h_prev, kernel, recurrent_kernel, bias):
    """x: (N, D), h_prev: (N, H), kernel: (D, 3H), recurrent_kernel: (H, 3H), bias: (2, 3H)
    -> h: (N, H)."""
    ### BEGIN SOLUTION
    x_z, x_r, x_h = np.split(x @ kernel + bias[0], 3, axis=1)
    h_z, h_r, h_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=1)
    z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    candidate = np.tanh(x_h + r * h_h)
    return z * h_prev + (1.0 - z) * candidate
    ### END SOLUTION


check.gru_step(gru_step)

# %% [markdown]
# ## 05.3 · Parameters of a recurrent layer
#
# Write `rnn_params(kind, input_dim, units, reset_after=True)`: the number of trainable
# parameters of one Keras layer `SimpleRNN(units)` (`kind="rnn"`), `GRU(units,
# reset_after=reset_after)` (`"gru"`) or `LSTM(units)` (`"lstm"`) reading `input_dim`
# features per step (`reset_after` matters only for the GRU). The check compares with
# Keras' `count_params()` for several sizes, the input size and the hidden size always
# different.

# %%
def rnn_params(kind, input_dim, units, reset_after=True):
    """kind: "rnn", "gru" or "lstm"; input_dim D, units H -> the layer's number of parameters (int)."""
    ### BEGIN SOLUTION
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    n = blocks * (input_dim + units + 1) * units
    if kind == "gru" and reset_after:
        n += 3 * units  # the recurrent-side bias of z, r and h̃
    return n
    ### END SOLUTION


check.rnn_params(rnn_params)

# %% [markdown]
# ## 05.4 · From PyTorch's GRU to Keras' GRU
#
# PyTorch's `nn.GRU` keeps `weight_ih: (3H, D)`, `weight_hh: (3H, H)` and two biases
# `bias_ih, bias_hh: (3H,)`, its blocks stacked along the first axis in the order reset
# `r`, update `z`, new `n`:
# `r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)`, likewise `z`,
# `n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
# Return `(kernel, recurrent_kernel, bias)` in the layout of 05.2 such that
# `keras.layers.GRUCell(H)` with these weights computes the same step (no PyTorch needed:
# the check uses PyTorch's formula in NumPy).

# %%
def from_torch_gru(weight_ih, weight_hh, bias_ih, bias_hh):
    """weight_ih: (3H, D), weight_hh: (3H, H), bias_ih, bias_hh: (3H,)
    -> (kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H))."""
    ### BEGIN SOLUTION
    def keras_order(a):  # PyTorch's blocks r, z, n along axis 0 -> Keras' z, r, h̃
        r, z, n = np.split(a, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)

    return keras_order(weight_ih).T, keras_order(weight_hh).T, np.stack([keras_order(bias_ih), keras_order(bias_hh)])
    ### END SOLUTION


check.from_torch_gru(from_torch_gru)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Keras starts an LSTM's forget-gate bias at 1; the lesson's recall task
# needed 5. In your `lstm_step`, which factor multiplies the old cell state? At the start
# of training, taking the forget gate's pre-activation to be just its bias, what share of
# a value written into the cell state is still there 45 steps later with each bias, and
# why does that decide whether the network can learn to recall a symbol 45 steps back?
#
# ### BEGIN SOLUTION
# Along the cell state each step multiplies what is kept by `f = σ(b_f)`: the share left
# after 45 steps is `σ(1)^45 ≈ 0.731^45 ≈ 7·10⁻⁷` with a bias of 1 and
# `σ(5)^45 ≈ 0.9933^45 ≈ 0.74` with a bias of 5. The gradient that reaches the marked
# step through the cell state is scaled by the same product, so with a bias of 1 almost
# nothing of the loss at the end reaches the step where the symbol was written, and
# training has no signal telling the gates to store it. With a bias of 5 the highway is
# open from the first update, and training only has to learn when to write.
# ### END SOLUTION

# %% [markdown]
# ## Your score

# %%
summary("05")
