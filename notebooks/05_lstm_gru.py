# %% [markdown]
# # 05 · LSTM and GRU: gated memory
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/05_lstm_gru.ipynb)
#
# **Goals.** Build the LSTM, the peephole LSTM and the GRU from their equations as Keras
# cells, prove they compute exactly what `keras.layers.LSTM` and `keras.layers.GRU`
# compute, count their parameters, measure on the adding problem and the recall task how
# far back each kind of recurrent network can remember, measure what the gates cost in
# time and in training memory, and watch the gates of a trained LSTM open and close.
#
# **Covers:** LSTM gates and the cell state (CS231n lecture 10, the RNN/LSTM/GRU study
# note, the week-4 note), peephole connections (Gers & Schmidhuber), GRU update and reset
# gates, the LSTM as a gradient highway (EECS498 lecture 12).

# %% tags=["parameters"]
SCALE = "lesson"  # "lesson": small, offline, about a minute on a CPU. "full": real datasets, use a GPU.
SEED = 0

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

info = setup_notebook(seed=SEED, scale=SCALE)
SCALE = info.scale
print(info)

# %% [markdown]
# ## 1. Why a vanilla RNN forgets, and what a gate changes
#
# Lesson 04 measured it: in a `tanh` RNN the gradient that reaches step `t` from the loss
# at step `T` is a product of `T - t` Jacobians `diag(1 - h²)·W_hh`. Each factor is
# usually a contraction, so the product shrinks geometrically and the network cannot
# learn to use an input it saw 50 steps ago.
#
# The LSTM adds a second state, the **cell state** `c_t`, updated by addition instead of
# by a squashing matrix multiply:
#
# $$\begin{aligned}
# (a_i, a_f, a_g, a_o) &= [x_t, h_{t-1}]\,W + b &&\text{(one matrix multiply, four slices)}\\
# i = \sigma(a_i),\; f &= \sigma(a_f),\; o = \sigma(a_o),\; g = \tanh(a_g)\\
# c_t &= f \odot c_{t-1} + i \odot g\\
# h_t &= o \odot \tanh(c_t)
# \end{aligned}$$
#
# The forget gate `f` decides what to keep of the old memory, the input gate `i` how much
# of the candidate `g` to write, the output gate `o` how much of the memory to reveal as
# `h_t`. Along the cell state the local gradient is just `∂c_t/∂c_{t-1} = f`: no weight
# matrix, no `tanh'`. When the network learns to hold `f ≈ 1`, gradient flows back over
# many steps almost unchanged: the "gradient highway" (the same idea as a ResNet's skip
# connection). The GRU gets the same effect with fewer parts: it interpolates
# `h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃_t`, so `z ≈ 1` copies the state forward. That is the
# form of a highway network's layer (Srivastava et al., 2015), `y = T ⊙ H(x) + (1 − T) ⊙ x`
# with a learned gate `T`, applied across time instead of depth; a ResNet block drops the
# gate and always adds `x`.
#
# The cell state is the LSTM's private memory: only `h_t` leaves the cell, for the next
# layer and for the gates of the next step, and `h_t = o ⊙ tanh(c_t)`. With the output gate
# near 0 a unit can hold a value in `c_t` for many steps without showing it to anything
# else, and reveal it when `o` opens.
#
# The LSTM cell drawn: the cell state runs along the top, and on its way from `c_{t-1}` to
# `c_t` it meets only a multiplication by `f` and an addition.

# %%
import matplotlib.pyplot as plt

from course_lib import diagrams

diagrams.lstm_cell_diagram()
plt.show()

# %% [markdown]
# ## 2. An LSTM step in NumPy, then as a Keras cell
#
# First the equations exactly as written above, in NumPy, for one time step:

# %%
import keras
import numpy as np

from course_lib import cells, fitting, plots


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm_step(x, h_prev, c_prev, W, b):
    """x: (N, D), h_prev, c_prev: (N, H), W: (D + H, 4H), b: (4H,) -> h, c: (N, H)."""
    a = np.concatenate([x, h_prev], axis=1) @ W + b
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o), np.tanh(a_g)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c


# %% [markdown]
# `course_lib.cells.LSTMCell` is the same step written with `keras.ops`, as a Keras layer
# with `build` / `call` / `get_config`. `keras.layers.RNN(cell)` loops it over time.
# Keras stores its LSTM weights as `kernel: (D, 4H)` and `recurrent_kernel: (H, 4H)` with
# the gates in the order i, f, g, o; stacking the two matrices gives our `W: (D + H, 4H)`.
# We give Keras' LSTM random weights, copy them into our cell and into the NumPy step, and
# compare all three on the same batch.

# %%
rng = np.random.default_rng(SEED)
N, T_demo, D, H = 4, 12, 3, 5
x_demo = rng.normal(size=(N, T_demo, D)).astype("float32")  # x: (N, T, D)

keras_lstm = keras.layers.LSTM(H, return_sequences=True, return_state=True)
keras_lstm(x_demo)  # builds the weights
keras_lstm.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in keras_lstm.get_weights()])
seq_k, h_k, c_k = (np.asarray(t) for t in keras_lstm(x_demo))

our_lstm = keras.layers.RNN(cells.LSTMCell(H), return_sequences=True, return_state=True)
our_lstm(x_demo)
cells.copy_keras_weights(our_lstm, keras_lstm)
seq_o, h_o, c_o = (np.asarray(t) for t in our_lstm(x_demo))

W, b = np.asarray(our_lstm.cell.W), np.asarray(our_lstm.cell.b)
h_np, c_np = np.zeros((N, H)), np.zeros((N, H))
seq_np = []
for t in range(T_demo):
    h_np, c_np = lstm_step(x_demo[:, t], h_np, c_np, W, b)
    seq_np.append(h_np)
seq_np = np.stack(seq_np, axis=1)

err_keras = max(np.abs(seq_o - seq_k).max(), np.abs(h_o - h_k).max(), np.abs(c_o - c_k).max())
err_numpy = max(np.abs(seq_np - seq_k).max(), np.abs(c_np - c_k).max())
print(f"max |ours - keras.layers.LSTM| = {err_keras:.2e}   max |NumPy - Keras| = {err_numpy:.2e}")
assert err_keras <= 1e-5 and err_numpy <= 1e-5, (
    f"our LSTM cell and the NumPy step should match keras.layers.LSTM: max error {err_keras:.2e} (cell), "
    f"{err_numpy:.2e} (NumPy), need <= 1e-5")

# %% [markdown]
# Section 1's claim about the cell state's path, in numbers. Zero the rows of `W` that
# read `h_{t−1}`, so the gates see only the inputs and `c_0` reaches `c_T` along the cell
# state alone. Then `∂c_T/∂c_0 = f_1 ⊙ f_2 ⊙ … ⊙ f_T` exactly: a product of numbers in
# (0, 1), which can shrink but never explode, with no weight matrix in it. And
# `∂h_T/∂c_0 = o_T ⊙ tanh'(c_T) ⊙ ∏ f_t`: on the way to the output the gradient meets
# `tanh'` once, not once per step as in the vanilla RNN. We check both against centred
# differences over 50 steps.

# %%
T_path = 50
W_path = W.astype("float64").copy()
W_path[D:] = 0.0  # the gates no longer read h_{t-1}
x_path = rng.normal(size=(N, T_path, D))


def run_from(c0):
    """h_T, c_T (N, H) after T_path steps from h_0 = 0, c_0 = c0, and the forget gates (N, T_path, H)."""
    h, c, forget = np.zeros((N, H)), c0, []
    for t in range(T_path):
        a_f = (np.concatenate([x_path[:, t], h], axis=1) @ W_path + b)[:, H : 2 * H]
        forget.append(sigmoid(a_f))
        h, c = lstm_step(x_path[:, t], h, c, W_path, b)
    return h, c, np.stack(forget, axis=1)


c0, eps = rng.normal(size=(N, H)), 1e-6
h_T, c_T, forget = run_from(c0)
(h_plus, c_plus, _), (h_minus, c_minus, _) = run_from(c0 + eps), run_from(c0 - eps)  # every unit at once: no unit reads another's c
o_T = sigmoid((np.concatenate([x_path[:, -1], np.zeros((N, H))], axis=1) @ W_path + b)[:, 3 * H :])
cell_path = forget.prod(axis=1)  # (N, H): the product of the forget gates
dc_error = np.abs((c_plus - c_minus) / (2 * eps) - cell_path).max()
dh_error = np.abs((h_plus - h_minus) / (2 * eps) - o_T * (1 - np.tanh(c_T) ** 2) * cell_path).max()
print(f"∂c_T/∂c_0 against ∏ f_t: max difference {dc_error:.1e}; ∂h_T/∂c_0 against o_T tanh'(c_T) ∏ f_t: {dh_error:.1e}")
print(f"∏ f_t over {T_path} steps: between {cell_path.min():.1e} and {cell_path.max():.1e}")
assert dc_error < 1e-6 and dh_error < 1e-6 and cell_path.max() < 1, (
    f"along the cell state the gradient is the product of the forget gates, below 1, with one tanh' to h_T: "
    f"errors {dc_error:.1e}, {dh_error:.1e}, largest product {cell_path.max():.2f}")

# %% [markdown]
# ## 3. The peephole LSTM
#
# Gers and Schmidhuber let the gates *see* the memory they control: the input and forget
# gates also read `c_{t-1}`, the output gate reads the new `c_t`, each through a diagonal
# weight vector (one number per unit):
#
# $$i = \sigma(a_i + p_i \odot c_{t-1}),\quad f = \sigma(a_f + p_f \odot c_{t-1}),\quad
# o = \sigma(a_o + p_o \odot c_t).$$
#
# Keras has no peephole layer, so we check `PeepholeLSTMCell` two ways: one step against a
# NumPy computation of these equations with random weights, and with all peepholes at
# zero it must be exactly the plain LSTM. (The unit tests also check its gradients
# against finite differences.)

# %%
peep = keras.layers.RNN(cells.PeepholeLSTMCell(H), return_state=True)
peep(x_demo)
for w in peep.cell.weights:
    w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
h0, c0 = rng.normal(size=(N, H)).astype("float32"), rng.normal(size=(N, H)).astype("float32")
h1, (_, c1) = peep.cell(x_demo[:, 0], [h0, c0])

Wp, bp = np.asarray(peep.cell.W), np.asarray(peep.cell.b)
p_i, p_f, p_o = (np.asarray(v) for v in (peep.cell.p_i, peep.cell.p_f, peep.cell.p_o))
a_i, a_f, a_g, a_o = np.split(np.concatenate([x_demo[:, 0], h0], axis=1) @ Wp + bp, 4, axis=1)
c_hand = sigmoid(a_f + p_f * c0) * c0 + sigmoid(a_i + p_i * c0) * np.tanh(a_g)
h_hand = sigmoid(a_o + p_o * c_hand) * np.tanh(c_hand)
err_peep = max(np.abs(np.asarray(h1) - h_hand).max(), np.abs(np.asarray(c1) - c_hand).max())

for p in (peep.cell.p_i, peep.cell.p_f, peep.cell.p_o):
    p.assign(np.zeros(H, "float32"))
peep.cell.W.assign(our_lstm.cell.W)
peep.cell.b.assign(our_lstm.cell.b)
err_zero = np.abs(np.asarray(peep(x_demo)[0]) - h_o).max()
print(f"peephole step vs hand computation: {err_peep:.2e};  zero peepholes vs LSTM: {err_zero:.2e}")
assert err_peep <= 1e-5 and err_zero <= 1e-5, (
    f"the peephole step should match the hand computation and, with zero peepholes, the plain LSTM: "
    f"max error {err_peep:.2e} and {err_zero:.2e}, need <= 1e-5")

# %% [markdown]
# ## 4. The GRU, with the reset gate before or after the matrix multiply
#
# The GRU (Cho et al., 2014) has no separate cell state and no output gate. An update
# gate `z` and a reset gate `r` are computed from `x_t` and `h_{t-1}`; the reset gate
# decides how much of the old state enters the candidate `h̃_t`:
#
# $$z = \sigma(x W_z + h_{t-1} U_z + b_z),\quad r = \sigma(x W_r + h_{t-1} U_r + b_r),\quad
# h_t = z \odot h_{t-1} + (1 - z) \odot \tilde h_t$$
#
# * `reset_after=False` (the original paper): `h̃ = tanh(x W_h + (r ⊙ h_{t-1}) U_h + b_h)`;
# * `reset_after=True` (Keras' default, the variant cuDNN implements):
#   `h̃ = tanh(x W_h + b_h + r ⊙ (h_{t-1} U_h + b'_h))` — the reset multiplies the whole
#   recurrent term, bias included, so that term needs a bias of its own, `b'_h`. Keras
#   does this for every gate: each of `z`, `r`, `h̃` has an input-side bias and a
#   recurrent-side bias (`z = σ(x W_z + b_z + h_{t-1} U_z + b'_z)`, likewise `r`), so its
#   bias has shape `(2, 3H)`. For `z` and `r` the two biases simply add up; only inside
#   the candidate does the second one change what the cell can compute.
#
# The GRU cell as Keras computes it (`reset_after=True`): the state itself runs along the
# top, kept where `z ≈ 1`, and the candidate below replaces it where `z ≈ 0`.

# %%
diagrams.gru_cell_diagram()
plt.show()

# %% [markdown]
# Both variants of `course_lib.cells.GRUCell` must match `keras.layers.GRU`, and so must
# the Elman cell match `SimpleRNN`:

# %%
for name, keras_layer, cell in [
    ("GRU reset_after=True ", keras.layers.GRU(H, return_sequences=True, reset_after=True), cells.GRUCell(H, reset_after=True)),
    ("GRU reset_after=False", keras.layers.GRU(H, return_sequences=True, reset_after=False), cells.GRUCell(H, reset_after=False)),
    ("Elman / SimpleRNN    ", keras.layers.SimpleRNN(H, return_sequences=True), cells.ElmanCell(H)),
]:
    keras_layer(x_demo)
    keras_layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in keras_layer.get_weights()])
    ours = keras.layers.RNN(cell, return_sequences=True)
    ours(x_demo)
    cells.copy_keras_weights(ours, keras_layer)
    err = np.abs(np.asarray(ours(x_demo)) - np.asarray(keras_layer(x_demo))).max()
    print(f"{name}: max |ours - Keras| = {err:.2e}")
    assert err <= 1e-5, f"{name.strip()}: our cell should match Keras: max |ours - Keras| = {err:.2e} > 1e-5"

# %% [markdown]
# What the GRU gives up by merging the two states: it has no private memory. Asked for
# its state (`return_state=True`), a Keras GRU returns the very vector it outputs, while an
# LSTM returns its output `h_T` and a different cell state `c_T`, which its output gate
# shows only in part (`|h_T| ≤ |tanh(c_T)|`).

# %%
gru_out, gru_state = keras.layers.GRU(H, return_state=True)(x_demo)
gru_gap = np.abs(np.asarray(gru_out) - np.asarray(gru_state)).max()
lstm_gap, shown_excess = np.abs(h_k - c_k).max(), (np.abs(h_k) - np.abs(np.tanh(c_k))).max()
print(f"GRU: max |output − state| = {gru_gap:.1e}; LSTM: max |h_T − c_T| = {lstm_gap:.2f}, "
      f"max |h_T| − |tanh(c_T)| = {shown_excess:.2f}")
assert gru_gap == 0 and lstm_gap > 0.1, (
    f"the GRU's output is its whole state, the LSTM's output differs from its cell state: "
    f"GRU gap {gru_gap:.1e}, LSTM gap {lstm_gap:.2f}")
assert shown_excess <= 1e-6, f"the LSTM shows at most tanh(c_T), h_T = o ⊙ tanh(c_T): excess {shown_excess:.1e}"

# %% [markdown]
# ## 5. Parameter counts: 1×, 3×, 4×
#
# Every gate (and the candidate) is one affine map of `[x_t, h_{t-1}]`, which costs
# `(D + H + 1)·H` parameters. A vanilla RNN has one such block, a GRU three (`z`, `r`,
# `h̃`), an LSTM four (`i`, `f`, `g`, `o`). Keras' default GRU (`reset_after=True`)
# keeps a second, recurrent-side bias for each of its three gates (bias shape `(2, 3H)`,
# section 4): `3H` more. With `reset_after=False` it is exactly three blocks. The
# peephole LSTM adds `3H` peephole weights. We check these formulas against Keras'
# `count_params()`, then check that the library helper `rnn_param_count` agrees.

# %%
D_count, H_count = 8, 32
block = (D_count + H_count + 1) * H_count
layers = {
    "rnn": keras.layers.SimpleRNN(H_count),
    "gru": keras.layers.GRU(H_count),
    "gru_reset_before": keras.layers.GRU(H_count, reset_after=False),
    "lstm": keras.layers.LSTM(H_count),
    "peephole": keras.layers.RNN(cells.PeepholeLSTMCell(H_count)),
}
counts = {}
for kind, layer in layers.items():
    counts[kind] = keras.Sequential([keras.Input((None, D_count)), layer]).count_params()
    print(f"{kind:>16}: {counts[kind]:6d} parameters = {counts[kind] / block:.2f} × (D+H+1)·H")
# The formulas of the text, checked against Keras' own count:
assert counts["rnn"] == block, f"SimpleRNN should have one block (D+H+1)·H = {block}: Keras counts {counts['rnn']}"
assert counts["gru_reset_before"] == 3 * block, (
    f"GRU(reset_after=False) should have three blocks = {3 * block}: Keras counts {counts['gru_reset_before']}")
assert counts["gru"] == 3 * block + 3 * H_count, (
    f"Keras' default GRU should have three blocks + 3H = {3 * block + 3 * H_count}: Keras counts {counts['gru']}")
assert tuple(layers["gru"].cell.bias.shape) == (2, 3 * H_count), (  # input-side and recurrent-side bias per gate
    f"the default GRU's bias should have shape (2, {3 * H_count}): got {tuple(layers['gru'].cell.bias.shape)}")
assert counts["lstm"] == 4 * block, f"LSTM should have four blocks = {4 * block}: Keras counts {counts['lstm']}"
assert counts["peephole"] == 4 * block + 3 * H_count, (
    f"the peephole LSTM should have four blocks + 3H = {4 * block + 3 * H_count}: Keras counts {counts['peephole']}")
# The library helper used elsewhere in the course gives the same numbers:
for kind, reset_after in [("rnn", True), ("gru", True), ("lstm", True)]:
    assert cells.rnn_param_count(kind, D_count, H_count, reset_after=reset_after) == counts[kind], (
        f"rnn_param_count({kind!r}, reset_after={reset_after}) should agree with Keras: "
        f"{cells.rnn_param_count(kind, D_count, H_count, reset_after=reset_after)} vs {counts[kind]}")
assert cells.rnn_param_count("gru", D_count, H_count, reset_after=False) == counts["gru_reset_before"], (
    f"rnn_param_count('gru', reset_after=False) should agree with Keras: "
    f"{cells.rnn_param_count('gru', D_count, H_count, reset_after=False)} vs {counts['gru_reset_before']}")

# %% [markdown]
# ## 6. The adding problem: remembering one number for T steps
#
# Each input sequence has `T` steps of two features: a random number in `[0, 1)` and a
# marker. Exactly two steps are marked, one in the first half and one in the second half;
# the target is the sum of the two marked numbers. The network must notice the first
# marked number, keep it through up to `T` steps of distracting numbers, and add the
# second. Always answering 1.0 (the mean) gives MSE **1/6**, the variance of a sum of two
# uniform numbers; an MSE well below 1/6 means the task is solved.
#
# Same budget for all three models: hidden size 32, Adam with learning rate 0.02 and
# gradient clipping (`clipnorm=1`, see lesson 04), batches of 128, at most `MAX_STEPS`
# updates, checked every 50 updates and stopped early once the training MSE is below
# 0.01 (so solved runs cost less). We train at a short length (T = 10) and a long one
# (T = 100). Keras' own `SimpleRNN`, `GRU` and `LSTM` layers run
# the sweep; sections 2 and 4 showed that they compute exactly what our cells compute.

# %%
import time

import tensorflow as tf

from course_lib.data import tasks

HIDDEN, BATCH, LR = 32, 128, 0.02
LENGTHS = [10, 100]  # the adding problem's T
MAX_STEPS, CHECK_EVERY = 800, 50
if SCALE == "full":
    LENGTHS, MAX_STEPS = [10, 25, 50, 100, 200], 4000
RECURRENT = {"SimpleRNN": keras.layers.SimpleRNN, "GRU": keras.layers.GRU, "LSTM": keras.layers.LSTM}

# One input at T = 10, step by step: the two marked numbers are the ones to add.
x_one, y_one = tasks.adding_problem(1, 10, seed=SEED)  # x: (1, T, 2), y: (1, 1)
print("step   ", " ".join(f"{t:5d}" for t in range(10)))
print("number ", " ".join(f"{v:5.2f}" for v in x_one[0, :, 0]))
print("marker ", " ".join(f"{int(m):5d}" for m in x_one[0, :, 1]))
first, second = np.flatnonzero(x_one[0, :, 1])
print(f"target {y_one[0, 0]:.2f} = {x_one[0, first, 0]:.2f} (step {first}) + {x_one[0, second, 0]:.2f} (step {second})")
assert first < 10 // 2 <= second and np.isclose(y_one[0, 0], x_one[0, first, 0] + x_one[0, second, 0]), (
    f"one mark in each half, and the target is the sum of the two marked numbers: marks at {first}, {second}, "
    f"target {y_one[0, 0]:.3f}, sum {x_one[0, first, 0] + x_one[0, second, 0]:.3f}")


# %%
class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch (the first includes tracing the training step)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


class StopWhenSolved(keras.callbacks.Callback):
    """Stop training once a logged metric crosses a threshold (checked every epoch)."""

    def __init__(self, key, threshold, higher_is_better=False):
        super().__init__()
        self.key, self.threshold, self.higher = key, threshold, higher_is_better

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.key]
        if (value > self.threshold) if self.higher else (value < self.threshold):
            self.model.stop_training = True


def train_on_task(kind, x, y, head, loss, stop, metrics=(), max_steps=None, prepare=None, lr=None):
    """Fit head(kind) on (x, y) for at most max_steps updates -> (model, #updates, ms per update)."""
    max_steps, lr = max_steps or MAX_STEPS, lr or LR
    keras.utils.set_random_seed(SEED)  # every model starts from the same seed
    model = keras.Sequential([keras.Input(x.shape[1:], dtype=x.dtype), *head(kind)])
    if prepare is not None:
        prepare(model)
    # CHECK_EVERY updates per call into the compiled graph (the same updates, less Python
    # between them); Adam's variables created now, so fit traces its step once (lesson 00).
    model.compile(keras.optimizers.Adam(lr, clipnorm=1.0), loss, metrics=list(metrics), steps_per_execution=CHECK_EVERY)
    fitting.build_optimizer(model)
    # The examples are independent random draws, so consecutive slices are random batches:
    # cut them once (cheap) instead of shuffling example by example.
    n = len(x) // BATCH
    batches = (x[: n * BATCH].reshape(n, BATCH, *x.shape[1:]), y[: n * BATCH].reshape(n, BATCH, *y.shape[1:]))
    data = tf.data.Dataset.from_tensor_slices(batches).repeat()
    timer = EpochTimer()
    history = model.fit(data, epochs=max_steps // CHECK_EVERY, steps_per_epoch=CHECK_EVERY, shuffle=False,
                        verbose=0, callbacks=[stop, timer])
    after_tracing = timer.seconds[1:] or [np.nan]  # epochs after the first: the updates alone
    return model, CHECK_EVERY * len(history.history["loss"]), 1000 * np.median(after_tracing) / CHECK_EVERY


# %%
adding_mse, adding_models, ms_per_update, updates = {}, {}, {}, {}
start = time.perf_counter()
for T in LENGTHS:
    x_train, y_train = tasks.adding_problem(min(BATCH * MAX_STEPS, 64_000), T, seed=SEED)
    x_test, y_test = tasks.adding_problem(1000, T, seed=SEED + 1)
    for kind in RECURRENT:
        model, updates[kind, T], ms_per_update[kind, T] = train_on_task(
            kind, x_train, y_train,
            head=lambda k: [RECURRENT[k](HIDDEN), keras.layers.Dense(1)],
            loss="mse", stop=StopWhenSolved("loss", 0.01),
        )
        adding_mse[kind, T] = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
        adding_models[kind, T] = model
        print(f"T={T:4d} {kind:>9}: test MSE {adding_mse[kind, T]:.4f} "
              f"({adding_mse[kind, T] / tasks.ADDING_BASELINE_MSE:5.1%} of 1/6) after {updates[kind, T]:4d} updates, "
              f"{ms_per_update[kind, T]:.1f} ms each")
print(f"adding-problem sweep: {time.perf_counter() - start:.0f} s")

# %%
T_long = LENGTHS[-1]
print({kind: round(adding_mse[kind, T_long] / tasks.ADDING_BASELINE_MSE, 4) for kind in RECURRENT}, "(fraction of 1/6 at the longest T)")
# At the longest T the gated networks solve the task, the vanilla RNN stays at the baseline.
assert adding_mse["LSTM", T_long] < 0.1 * tasks.ADDING_BASELINE_MSE, (
    f"the LSTM should solve the adding task at T={T_long} (MSE < 0.1 x baseline {tasks.ADDING_BASELINE_MSE:.3f}): "
    f"got MSE {adding_mse['LSTM', T_long]:.4f}")
assert adding_mse["GRU", T_long] < 0.1 * tasks.ADDING_BASELINE_MSE, (
    f"the GRU should solve the adding task at T={T_long} (MSE < 0.1 x baseline {tasks.ADDING_BASELINE_MSE:.3f}): "
    f"got MSE {adding_mse['GRU', T_long]:.4f}")
assert adding_mse["SimpleRNN", T_long] > 0.7 * tasks.ADDING_BASELINE_MSE, (
    f"the vanilla RNN should stay at the baseline at T={T_long} (MSE > 0.7 x {tasks.ADDING_BASELINE_MSE:.3f}): "
    f"got MSE {adding_mse['SimpleRNN', T_long]:.4f}")
# At the shortest T even the vanilla RNN learns it: the difficulty is the distance.
assert adding_mse["SimpleRNN", LENGTHS[0]] < 0.3 * tasks.ADDING_BASELINE_MSE, (
    f"at T={LENGTHS[0]} even the vanilla RNN should learn the adding task (MSE < 0.3 x {tasks.ADDING_BASELINE_MSE:.3f}): "
    f"got MSE {adding_mse['SimpleRNN', LENGTHS[0]]:.4f}")

# %% [markdown]
# ### A shorter path: a convolution in front of the vanilla RNN
#
# One of the study notes suggests another way to get information from early steps to a
# recurrent model: compress the input with a 1-D convolution first. A `Conv1D` with
# `kernel_size=k` and `strides=k` turns each window of `k` steps into one vector, so the
# recurrent layer behind it runs `T/k` steps instead of `T`, and the gradient from the
# loss crosses `T/k` recurrent steps to reach the first mark instead of up to `T`. We take
# `k = T_long / LENGTHS[0]`: the SimpleRNN then runs as many steps as at the length where
# the sweep saw it learn.
#
# What the window's vector has to carry here: the marked number, kept apart from the
# `k − 1` other numbers of the window. A single strided `Conv1D` applies one linear map to
# the whole window and then its activation, so one filter can pick out the number at one
# position of the window only; to find a mark wherever it falls it would need a filter
# for each of the `k` positions, and training would have to find them all. So the front
# end has two layers. First a `Conv1D` with `kernel_size=1` (the same small dense layer
# at every step) with ReLU, which can compute `relu(number + marker − 1)`: the number
# where the marker is 1, and 0 elsewhere, since numbers lie in `[0, 1)`. Then the strided
# `Conv1D`, which only has to add up its window.
#
# Same SimpleRNN, hidden size, batches, budget of `MAX_STEPS` updates and early stop as
# in the sweep, with one change: the learning rate is `LR_FRONT` instead of `LR`
# (exercise 7 asks what happens at `LR`). So that the front end is the only difference,
# the plain SimpleRNN is trained again at the same rate.

# %%
K_WINDOW, LR_FRONT = T_long // LENGTHS[0], 0.005


def conv_front_head(kind):
    """Layers for train_on_task: (N, T, 2) -> per step (N, T, H) -> per window (N, T/K_WINDOW, H) -> RNN -> (N, 1)."""
    return [keras.layers.Conv1D(HIDDEN, 1, activation="relu"),  # each step on its own
            keras.layers.Conv1D(HIDDEN, K_WINDOW, strides=K_WINDOW),  # one vector per window of K_WINDOW steps
            RECURRENT[kind](HIDDEN), keras.layers.Dense(1)]


front_mse, front_models = {}, {}
start = time.perf_counter()
for name, head in [("SimpleRNN", lambda k: [RECURRENT[k](HIDDEN), keras.layers.Dense(1)]),
                   ("Conv1D + SimpleRNN", conv_front_head)]:
    model, steps, _ = train_on_task("SimpleRNN", x_train, y_train, head=head, loss="mse",
                                    stop=StopWhenSolved("loss", 0.01), lr=LR_FRONT)
    front_mse[name], front_models[name] = model.evaluate(x_test, y_test, batch_size=1000, verbose=0), model
    rnn_steps = model.layers[-2].input.shape[1]  # the steps the SimpleRNN runs
    print(f"T={T_long} {name:>18} (SimpleRNN runs {rnn_steps:3d} steps): test MSE {front_mse[name]:.4f} "
          f"({front_mse[name] / tasks.ADDING_BASELINE_MSE:5.1%} of 1/6) after {steps:4d} updates")
print(f"convolution front end: {time.perf_counter() - start:.0f} s")

# %%
assert front_mse["Conv1D + SimpleRNN"] < 0.1 * tasks.ADDING_BASELINE_MSE, (
    f"with the convolution in front, the SimpleRNN should solve the adding task at T={T_long} "
    f"(MSE < 0.1 x {tasks.ADDING_BASELINE_MSE:.3f}): got MSE {front_mse['Conv1D + SimpleRNN']:.4f}")
assert front_mse["SimpleRNN"] > 0.7 * tasks.ADDING_BASELINE_MSE, (
    f"at the same learning rate the plain SimpleRNN should still stay at the baseline at T={T_long} "
    f"(MSE > 0.7 x {tasks.ADDING_BASELINE_MSE:.3f}): got MSE {front_mse['SimpleRNN']:.4f}")

# %% [markdown]
# The convolution did not give the vanilla RNN a better memory; it gave it less to
# remember across. The SimpleRNN now runs the short length at which it learnt in the sweep,
# and the first mark's number reaches the end through that many recurrent steps, so its
# gradient has that many steps to cross on the way back. The price is in what a window
# can say. The strided convolution sees its own `k` steps and nothing else, and hands on
# one vector per window: everything a later step needs from that window has to be in the
# vector. Here that is easy: one number, the sum over the window of number × marker. The
# strided convolution has its own weights for each position of its window, so it can
# encode order inside a window, but it must squeeze `k` steps into `H` numbers; a relation
# between steps that fall in different windows gets no help from it, and `k` is fixed
# before training: a larger `k` shortens the path further but asks each window's vector to
# summarize more steps. The LSTM and the GRU keep the full resolution of the sequence and learn, step by
# step, what to keep.

# %% [markdown]
# ### What a gate costs
#
# Section 5 counted parameters: three blocks for a GRU, four for an LSTM, one for the
# vanilla RNN. The sweep also timed every update after the first `CHECK_EVERY` (those
# include tracing the training step into a graph). Below, the cost per update at the
# longest `T` on this machine, and the time each network spent on the task. The steps of a
# sequence run one after the other however many cores there are, so every extra gate adds
# to each of the `T` steps. The gated networks still come out ahead: the vanilla RNN's
# cheaper updates never reach a solution.

# %%
cost = {kind: ms_per_update[kind, T_long] for kind in RECURRENT}
print(f"per update at T = {T_long}: " + ", ".join(
    f"{kind} {ms:.1f} ms ({ms / cost['SimpleRNN']:.1f}× SimpleRNN)" for kind, ms in cost.items()))
for kind in RECURRENT:
    spent = updates[kind, T_long] * cost[kind] / 1000
    print(f"{kind:>9}: {updates[kind, T_long]} updates (solved or out of budget), about {spent:.0f} s of training")
# the default-bias LSTM solved it here, but needed more updates than the GRU (section 7 comes back to this)
assert updates["LSTM", T_long] > updates["GRU", T_long], (
    f"at T={T_long} the default-bias LSTM should need more updates than the GRU: "
    f"got {updates['LSTM', T_long]} (LSTM) vs {updates['GRU', T_long]} (GRU)")

# %% [markdown]
# The notes introduce the GRU as a simplified LSTM, and in parameters it is: three weight
# blocks against four. Per update it was not cheaper here (GRU 24.4 ms, LSTM 15.5 ms at
# T = 100): a quarter fewer multiply-adds in the weight blocks did not make its step faster,
# so at these sizes they are not what sets a step's time on a CPU. The GRU's advantage on
# this task was elsewhere: it needed 200 updates, the LSTM 550.

# %% [markdown]
# ### What a gate costs in memory
#
# Training needs more than the parameters. Backpropagation through time goes back over
# the `T` steps, and each step's derivatives use values from that step's forward pass:
# the vanilla RNN's `tanh` derivative `1 − h_t²` needs `h_t`; an LSTM step needs its
# four gates, `c_{t−1}`, `tanh(c_t)` and `h_{t−1}` (for the weights' gradient). So a
# training step keeps something of every step of every sequence until the backward pass
# has used it: memory grows with `T × batch`. Lesson 03 counted the bytes its NumPy RNN
# cached; here we measure what TensorFlow keeps for Keras' layers. TensorFlow reports no
# memory statistics on a CPU, so `course_lib.memory` measures the process's peak
# resident memory during a call (Linux with glibc; elsewhere the cell says it cannot). Each
# network, untrained, computes one gradient (`memory.training_step_memory`) and, for
# comparison, one inference pass with no gradient (`memory.inference_memory`) on a batch
# of `BATCH` sequences at three lengths.

# %%
from course_lib import memory

MEM_LENGTHS = (100, 200, 400)


def step_memory(kind):
    """Extra bytes of one gradient and of one inference pass of kind, per length -> {(pass, T): bytes}."""
    model = keras.Sequential([keras.Input((None, 2)), RECURRENT[kind](HIDDEN), keras.layers.Dense(1)])
    used = {}
    for T in MEM_LENGTHS:
        x = tasks.adding_problem(BATCH, T, seed=SEED)[0]  # (BATCH, T, 2)
        used["gradient", T] = memory.training_step_memory(model, x)
        used["inference", T] = memory.inference_memory(model, x)
    return used


if memory.can_measure_peak():
    step_bytes = {kind: step_memory(kind) for kind in RECURRENT}
else:
    step_bytes = None
    print("course_lib.memory cannot measure peak memory on this system (it needs Linux): skip to section 7")

# %%
if step_bytes is not None:
    T0, T1 = MEM_LENGTHS[0], MEM_LENGTHS[-1]
    vector = 4 * HIDDEN  # bytes of one state vector of H float32 numbers
    kept = {}
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for i, kind in enumerate(RECURRENT):
        used = step_bytes[kind]
        # bytes per step per sequence: the slope of a straight line through the three lengths
        grows = {p: np.polyfit(MEM_LENGTHS, [used[p, T] for T in MEM_LENGTHS], 1)[0] / BATCH for p in ("gradient", "inference")}
        kept[kind] = grows["gradient"] - grows["inference"]  # bytes per step per sequence, kept for BPTT
        print(f"{kind:>9}: gradient step " + ", ".join(f"{used['gradient', T] / 2**20:.1f}" for T in MEM_LENGTHS)
              + f" MB at T = {MEM_LENGTHS}; inference at most {max(used['inference', T] for T in MEM_LENGTHS) / 2**20:.1f} MB; "
              f"kept per step per sequence: {kept[kind]:.0f} bytes = {kept[kind] / vector:.1f} vectors of H")
        ax.plot(MEM_LENGTHS, [used["gradient", T] / 2**20 for T in MEM_LENGTHS], "o-", color=f"C{i}", label=f"{kind}, gradient")
        ax.plot(MEM_LENGTHS, [used["inference", T] / 2**20 for T in MEM_LENGTHS], "o--", color=f"C{i}", alpha=0.6)
        # the gradient's memory grows with T; inference keeps little more than the input
        assert used["gradient", T1] > 2.5 * used["gradient", T0], (
            f"{kind}: the gradient's memory should grow with T: {used['gradient', T1] / 2**20:.1f} MB at T={T1} "
            f"vs {used['gradient', T0] / 2**20:.1f} MB at T={T0} (need > 2.5 x)")
        assert grows["inference"] < 0.3 * grows["gradient"], (
            f"{kind}: inference should keep little more than the input: it grows by {grows['inference']:.0f} bytes "
            f"per step per sequence vs {grows['gradient']:.0f} for a gradient (need < 0.3 x)")
    ax.set(xlabel="sequence length T", ylabel="extra memory (MB)", title=f"One step on {BATCH} sequences (dashed: inference)")
    ax.legend(fontsize=8)
    plt.show()
    # the vanilla RNN keeps about its state h_t per step; the gated cells several vectors more
    assert 0.5 < kept["SimpleRNN"] / vector < 2, (
        f"the vanilla RNN should keep about its state h_t per step: got {kept['SimpleRNN'] / vector:.1f} vectors of H")
    assert kept["GRU"] > 4 * kept["SimpleRNN"] and kept["LSTM"] > 4 * kept["SimpleRNN"], (
        f"the gated cells should keep several vectors more per step: got GRU {kept['GRU'] / vector:.1f}, "
        f"LSTM {kept['LSTM'] / vector:.1f}, SimpleRNN {kept['SimpleRNN'] / vector:.1f} vectors of H (need > 4 x)")
    assert 0.6 < kept["GRU"] / kept["LSTM"] < 1.6, (
        f"fewer parameters, about the same footprint: GRU keeps {kept['GRU']:.0f}, LSTM {kept['LSTM']:.0f} bytes "
        f"per step per sequence (ratio {kept['GRU'] / kept['LSTM']:.2f})")

# %% [markdown]
# The gradient's memory grows linearly with `T`, while inference's hardly grows: it keeps
# only the current state (and the input) and forgets each step once the next one is
# computed. What training keeps per step is close to the equations: about
# one vector `h_t` for the vanilla RNN, several for the gated cells (their gate values and
# pre-activations, the LSTM's cell state, the GRU's reset-gated term). The GRU has about a
# quarter fewer parameters than the LSTM but keeps about as much per step, so the notes'
# "simpler" cell is not clearly the lighter one in training memory: parameters and
# activation memory are different costs. This is the memory limit behind truncated BPTT (lesson 03)
# and behind how many layers a stack can afford (lesson 06): every layer keeps its own
# vectors for every step.

# %% [markdown]
# ## 7. The recall task: keep one symbol safe from overwriting
#
# The adding problem has a numeric target; the recall task asks for a symbol. Each
# sequence is `T = 60` symbols drawn at random from an alphabet of 4. One step in the
# first half is *marked* (its id is shifted by 4, so the input vocabulary has 8 ids), and
# after the last step the network must name the marked symbol, which lies 30 to 60 steps
# back. Every other step is a random symbol from the *same* alphabet: a network that
# keeps writing its input into its state overwrites the answer. Guessing is right 1/4 of
# the time.
#
# The models: an `Embedding(8, 8)`, the recurrent layer (hidden size 32) and `Dense(4)`
# logits, the same optimizer and batches as above, at most `RECALL_STEPS` updates,
# stopped early once the training accuracy passes 99%. One change for the LSTM: its
# forget-gate bias starts at 5 instead of Keras' default 1 (`unit_forget_bias=True`). At
# the start of training `f = σ(1) ≈ 0.73` keeps only `0.73^45 ≈ 10⁻⁶` of a stored value
# after 45 steps, so almost no gradient reaches the marked step; `f = σ(5) ≈ 0.993` keeps
# `0.993^45 ≈ 0.74` of it: the cell-state highway of section 1 is open from the first
# update, and training only has to learn when to write. (The end of this section trains
# the LSTM with the default too.)

# %%

RECALL_T, RECALL_SYMBOLS, RECALL_STEPS = 60, 4, 800
RECALL_CHANCE = tasks.recall_chance_accuracy(RECALL_SYMBOLS)


def open_forget_gate(model, value=5.0):
    """Set the forget-gate bias of every keras.layers.LSTM in the model (gate order i, f, g, o)."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.LSTM):
            b = np.asarray(layer.cell.bias).copy()
            units = b.shape[0] // 4
            b[units : 2 * units] = value
            layer.cell.bias.assign(b)


x_rtrain, y_rtrain = tasks.recall_task(64_000, RECALL_T, RECALL_SYMBOLS, seed=SEED, marked=True)  # x: (n, T) ids
x_rtest, y_rtest = tasks.recall_task(2000, RECALL_T, RECALL_SYMBOLS, seed=SEED + 1, marked=True)
mark = int(np.flatnonzero(x_rtrain[0] >= RECALL_SYMBOLS)[0])  # the one id shifted by the alphabet size
print(f"one input (ids; the marked step {mark} has id {x_rtrain[0, mark]} = "
      f"symbol {x_rtrain[0, mark] - RECALL_SYMBOLS} + {RECALL_SYMBOLS}):\n{x_rtrain[0].tolist()}\n"
      f"target: symbol {y_rtrain[0]}")
assert mark < RECALL_T // 2 and y_rtrain[0] == x_rtrain[0, mark] - RECALL_SYMBOLS, (
    f"the mark sits in the first half and the target is its symbol: mark at {mark}, target {y_rtrain[0]}")


def fit_recall(kind, prepare):
    """Train Embedding -> kind -> Dense(4) on the recall task; return (test accuracy, #updates)."""
    model, steps, _ = train_on_task(
        kind, x_rtrain, y_rtrain,
        head=lambda k: [keras.layers.Embedding(2 * RECALL_SYMBOLS, 8), RECURRENT[k](HIDDEN), keras.layers.Dense(RECALL_SYMBOLS)],
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy("acc")],
        stop=StopWhenSolved("acc", 0.99, higher_is_better=True),
        max_steps=RECALL_STEPS, prepare=prepare,
    )
    return model.evaluate(x_rtest, y_rtest, batch_size=1000, verbose=0)[1], steps


recall_acc = {}
start = time.perf_counter()
for kind in RECURRENT:
    recall_acc[kind], steps = fit_recall(kind, prepare=open_forget_gate)
    print(f"recall T={RECALL_T} {kind:>9}: test accuracy {recall_acc[kind]:.3f} (chance {RECALL_CHANCE:.2f}) after {steps:4d} updates")
print(f"recall task: {time.perf_counter() - start:.0f} s")

# %%
fig, (ax_add, ax_rec) = plt.subplots(1, 2, figsize=(10, 3.6))
bar = 0.8 / len(LENGTHS)  # one group of bars per model, one bar per length
for j, T in enumerate(LENGTHS):
    ax_add.bar(np.arange(len(RECURRENT)) + (j - (len(LENGTHS) - 1) / 2) * bar,
               [adding_mse[kind, T] for kind in RECURRENT], bar, label=f"T = {T}")
ax_add.axhline(tasks.ADDING_BASELINE_MSE, color="grey", linestyle="--", label="predict the mean (1/6)")
ax_add.set_xticks(range(len(RECURRENT)), list(RECURRENT))
ax_add.set(ylabel="test MSE (log scale)", yscale="log", title="Adding problem, same budget")
ax_add.legend(fontsize=8)
ax_rec.bar(list(RECURRENT), [recall_acc[k] for k in RECURRENT], color=["C0", "C1", "C2"])
ax_rec.axhline(RECALL_CHANCE, color="grey", linestyle="--", label="chance (1/4)")
ax_rec.set(ylim=(0, 1.05), ylabel="test accuracy", title=f"Recall of the marked symbol, T = {RECALL_T}")
ax_rec.legend(fontsize=8)
plt.tight_layout()
plt.show()

# The gated networks recall the marked symbol; the vanilla RNN is no better than guessing.
assert recall_acc["LSTM"] > 0.95 and recall_acc["GRU"] > 0.95, (
    f"the gated networks should recall the marked symbol (accuracy > 0.95): "
    f"got LSTM {recall_acc['LSTM']:.3f}, GRU {recall_acc['GRU']:.3f}")
assert recall_acc["SimpleRNN"] < RECALL_CHANCE + 0.1, (
    f"the vanilla RNN should be no better than guessing (chance {RECALL_CHANCE:.2f} + 0.1): "
    f"got accuracy {recall_acc['SimpleRNN']:.3f}")

# %% [markdown]
# ### The forget-gate bias, measured
#
# The same LSTM, data, optimizer and budget of `RECALL_STEPS` updates, started from Keras'
# default forget-gate bias of 1 (`unit_forget_bias=True`, so `f ≈ 0.73`) instead of 5:

# %%
default_acc, default_steps = fit_recall("LSTM", prepare=None)
print(f"LSTM, forget-gate bias 1 (Keras' default): test accuracy {default_acc:.3f} after {default_steps} updates; "
      f"started at 5: {recall_acc['LSTM']:.3f}")
assert default_acc < RECALL_CHANCE + 0.1, (
    f"with f ≈ 0.73 at the start it stays at chance for the whole budget: "
    f"got accuracy {default_acc:.3f} (chance {RECALL_CHANCE:.2f})")
assert recall_acc["LSTM"] - default_acc > 0.5, (
    f"the LSTM started with forget-gate bias 5 should beat Keras' default bias 1 by more than 0.5: "
    f"got accuracy {recall_acc['LSTM']:.3f} (bias 5) vs {default_acc:.3f} (bias 1)")

# %% [markdown]
# With the default start the LSTM does no better than the vanilla RNN on this task: the
# cell-state highway is there, but nearly closed at the start, and the answer lies 30 to
# 60 steps back, with nothing nearer the end that says anything about it. Until some
# gradient reaches the marked step, training has nothing to follow. The adding problem of
# section 6 was solved with the default bias at `T = 100`, with more updates than the GRU
# needed; there the second marked number lies in the second half of the sequence, closer
# to the end, so the loss can fall before the network has learnt to reach far back.
# Jozefowicz et al. (2015) found that a forget-gate bias of 1 closes most of the LSTM's gap
# to the GRU on their tasks, and Keras' default follows them; on a dependency this long,
# with nothing to learn from until it is bridged, 1 is not enough within this budget and 5
# is.

# %% [markdown]
# ## 8. Looking inside: the gates of the trained LSTM
#
# We copy the trained `keras.layers.LSTM` from the longest adding problem into our
# `LSTMCell` and run `lstm_gates`, which keeps `i`, `f`, `o` and `c` at every step. The
# dashed lines mark the two marked positions. A network that solved the task should
# *write* to its cell state at the marked steps and leave it nearly untouched elsewhere;
# we measure that as the average change `|c_t − c_{t−1}|` at the marked steps versus all
# other steps.

# %%
trained = adding_models["LSTM", T_long]
cell = keras.layers.RNN(cells.LSTMCell(HIDDEN))
cell(x_test[:1])
cells.copy_keras_weights(cell, trained.layers[0])
assert np.allclose(np.asarray(trained.layers[0](x_test[:8])), np.asarray(cell(x_test[:8])), atol=1e-5), (
    f"our LSTMCell with the copied weights should compute what the trained LSTM computes: max difference "
    f"{np.abs(np.asarray(trained.layers[0](x_test[:8])) - np.asarray(cell(x_test[:8]))).max():.2e}")

gates = cells.lstm_gates(cell, x_test[:200])  # each (200, T, H)
marked = x_test[:200, :, 1] > 0  # (200, T)
dc = np.abs(np.diff(gates["c"], axis=1, prepend=0.0)).mean(axis=2)  # (200, T) mean over units
write_ratio = dc[marked].mean() / dc[~marked].mean()
print(f"mean |Δc| at marked steps / at other steps = {write_ratio:.1f}")

example = 0
marks = np.flatnonzero(marked[example])
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, gate, label in zip(axes, "ifo", ["input gate i", "forget gate f", "output gate o"]):
    plots.plot_gate_heatmap(gates[gate][example], ax=ax, title=label, marks=marks)
plt.tight_layout()
plt.show()
assert write_ratio > 3, (
    f"the trained LSTM should write to its memory mostly at the marked steps: "
    f"mean |Δc| at marked / other steps = {write_ratio:.1f} (need > 3)")

# %% [markdown]
# The quantity behind that ratio, drawn for the same example: the cell state `c_t` of the
# four units whose `c` moves most at the first mark. A unit that *stores* the first number
# steps there and keeps the new value until the second mark; a unit that only *reacts* to
# a mark jumps and falls back within a few steps.

# %%
dc_units = np.abs(np.diff(gates["c"][example], axis=0, prepend=0.0))  # (T, H): |Δc| of each unit
shown = np.argsort(-dc_units[marks[0]])[:4]  # the units that move most at the first mark
fig, ax = plt.subplots(figsize=(9, 3))
for unit in shown:
    ax.plot(gates["c"][example, :, unit], lw=1.2, label=f"unit {unit}")
for m in marks:
    ax.axvline(m, color="k", ls="--", lw=0.8)
ax.set(xlabel="step t", ylabel="cell state c_t", title=f"four units of the trained LSTM, T = {T_long}")
ax.legend(fontsize=8, ncol=4)
plt.show()
unmarked = ~marked[example]
unit_ratio = dc_units[marks[0], shown] / dc_units[unmarked][:, shown].mean(axis=0)
c_shown = gates["c"][example][:, shown]  # (T, 4)
before = c_shown[marks[0] - 1] if marks[0] > 0 else np.zeros(len(shown))
jump = c_shown[marks[0]] - before
share_kept = (c_shown[marks[1] - 1] - before) / jump  # of the jump, still there before the second mark
print("units", shown.tolist())
print("  |Δc| at the first mark / mean |Δc| at unmarked steps:", unit_ratio.round(1))
print("  share of the first jump kept until the second mark:  ", share_kept.round(2))
assert np.median(unit_ratio) > 5, (
    f"the drawn units move far more at the first mark than at a typical unmarked step: median ratio "
    f"{np.median(unit_ratio):.1f} (need > 5)")
assert (share_kept > 0.5).any(), (
    f"at least one drawn unit stores: it keeps over half of its jump until the second mark: "
    f"shares {share_kept.round(2)}")
storing = shown[share_kept > 0.5]
o_between = gates["o"][example, marks[0] + 1 : marks[1]][:, storing].mean(axis=0)  # (units that store,)
print(f"units that store {storing.tolist()}: mean output gate between the marks {o_between.round(2)}, "
      f"so h_t shows that share of tanh(c_t)")

# %% [markdown]
# The printed shares tell the kinds apart: a share near 1 is a unit that stored the first
# number, a share near 0 one that reacted to the mark and let go, and a share far from both
# one that drifted on its own between the marks. The assert above only asks for one
# storing unit among the four. The last line is section 1's private memory at work: while
# a unit holds the number in `c_t`, the rest of the network sees only `h_t = o ⊙ tanh(c_t)`,
# the share of it that the output gate lets through.

# %% [markdown]
# ### A third mark: overwritten, or added?
#
# One of the study notes lists as a weakness of the LSTM that its memory can be
# overwritten: a new input written into the cell state may replace what was stored. The
# trained LSTM has only ever seen two marks. We give it the same test sequences with a
# third mark at a random step between the two (no new training; only the marker changes,
# the numbers stay) and fit its output by least squares as
# `w_first · first + w_third · third + w_second · second + intercept`, using the three
# marked numbers. An LSTM whose new write replaces the stored number would put little
# weight on the first number and a large one on the third; one that ignores the extra mark
# would keep the weights of the plain sequences, where the third number is unmarked. The
# same fit on the unmarked sequences is the control.

# %%
first_mark = x_test[:, :, 1].argmax(axis=1)  # (n,) step of the first mark
second_mark = T_long - 1 - x_test[:, ::-1, 1].argmax(axis=1)  # (n,) step of the second
rows = np.flatnonzero(second_mark - first_mark >= 2)  # sequences with a step between the marks
between = np.random.default_rng(SEED + 2).integers(first_mark[rows] + 1, second_mark[rows])  # (n',)
x_three = x_test[rows].copy()  # (n', T, 2): the same numbers
x_three[np.arange(len(rows)), between, 1] = 1.0  # plus a third mark
numbers = np.stack([x_test[rows, first_mark[rows], 0], x_test[rows, between, 0],
                    x_test[rows, second_mark[rows], 0]], axis=1)  # (n', 3): first, third, second
answer = numbers[:, 0] + numbers[:, 2]  # the sum of the two real marks
design = np.c_[numbers, np.ones(len(rows))]  # (n', 4)
fitted, answer_mse, fit_r2 = {}, {}, {}
for setting, x_set in [("two marks", x_test[rows]), ("three marks", x_three)]:
    out = trained.predict(x_set, batch_size=1000, verbose=0)[:, 0]  # (n',)
    fitted[setting] = np.linalg.lstsq(design, out, rcond=None)[0]  # w_first, w_third, w_second, intercept
    fit_r2[setting] = 1 - np.mean((design @ fitted[setting] - out) ** 2) / np.var(out)
    answer_mse[setting] = np.mean((out - answer) ** 2)
    w1, w3, w2, bias = fitted[setting]
    print(f"{setting:>11}: w_first {w1:5.2f}, w_third {w3:5.2f}, w_second {w2:5.2f}, intercept {bias:5.2f} "
          f"(fit R² {fit_r2[setting]:.3f}); MSE against first + second {answer_mse[setting]:.4f}")
w1, w3, w2, bias = fitted["three marks"]
assert w1 > 0.6 and w3 > 0.6 and fit_r2["three marks"] > 0.9, (
    f"the output follows first + third: the first number is not written over: w_first {w1:.2f}, w_third {w3:.2f} "
    f"(both need > 0.6), fit R² {fit_r2['three marks']:.3f} (needs > 0.9)")
assert fitted["two marks"][1] < 0.1 and answer_mse["three marks"] > 10 * answer_mse["two marks"], (
    f"unmarked, the third number is ignored (w_third {fitted['two marks'][1]:.2f}, needs < 0.1); marked, it spoils "
    f"the answer: MSE {answer_mse['three marks']:.4f} vs {answer_mse['two marks']:.4f} (needs > 10 x)")

# %% [markdown]
# Nothing was overwritten. With the third mark the first number keeps about the weight it
# had, and the third gets about as much: the output follows the sum of all three marked
# numbers, so the answer the task asks for is lost all the same, as the error against the
# first plus second shows. The intercept moved as well: besides adding its number, the
# extra mark shifts the output by a fixed amount. The update `c_t = f ⊙ c_{t−1} + i ⊙ g`
# makes adding the default: a write puts `i ⊙ g` on top of whatever the forget gate lets
# through of the stored value. To replace
# the stored number, the forget gate of the storing units would have to close at the very
# step the input gate opens, and nothing in this network's training ever asked for that.
# So the notes' weakness is something the gates allow, and a task in which only the latest
# mark counts would ask for it, but it is not what this LSTM learnt; here the extra mark
# still spoils the answer, by adding instead of replacing.

# %% [markdown]
# ## Summary
#
# - An LSTM step is one matrix multiply of `[x_t, h_{t-1}]` cut into four gates; its
#   memory `c_t = f ⊙ c_{t-1} + i ⊙ g` is updated by addition, so gradients can travel
#   along it as far as the forget gate lets them. Our from-scratch cells match Keras'
#   `LSTM`, `GRU` (both reset variants) and `SimpleRNN` to float precision.
# - Peepholes let the gates read the cell state; with zero peepholes it is an LSTM.
# - Parameters: vanilla 1×, GRU 3× (+3H with `reset_after`), LSTM 4× of `(D+H+1)·H`.
# - On the adding problem, with the same budget, the gated networks remember across the
#   longest distance we tried (T = 100) while the vanilla RNN's error stays at the level
#   of guessing; at T = 10 the vanilla RNN learns it too.
# - A convolution in front shortens the path instead: a per-step ReLU layer and a
#   `Conv1D` with `kernel_size = strides = k` hand the vanilla RNN one vector per window,
#   so it runs `T/k` steps, and it solves the long adding problem within the same budget
#   (at a lower learning rate, at which the plain vanilla RNN still fails). The price:
#   each window's vector must carry everything later steps need from that window.
# - On the recall task (T = 60, a marked symbol hidden among random symbols of the same
#   alphabet) the GRU and the LSTM (forget-gate bias started at 5) name the symbol almost
#   always, the vanilla RNN no better than chance, and so is the LSTM started from Keras'
#   default bias of 1: the highway has to be open from the start.
# - The gates cost time, measured above: a GRU or LSTM update costs more than a vanilla
#   one, and each of the `T` steps of a sequence pays for them.
# - They cost memory too: a training step keeps values of every step of every sequence
#   for backpropagation, about one state vector per step for the vanilla RNN and several
#   for the gated cells, so its memory grows with `T`; inference's hardly grows.
# - The trained LSTM writes to its memory at the marked steps and leaves it alone in
#   between. Given a third mark it never saw in training, its output follows the sum of
#   all three marked numbers: the first number was not overwritten. The overwriting the
#   notes warn about is something the gates allow, not something this network learnt.
#
# ## Exercises
#
# **Checked exercises:** [exercises/05_lstm_gru.ipynb](../exercises/05_lstm_gru.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/05_lstm_gru.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/05_lstm_gru.ipynb](../exercises/solutions/05_lstm_gru.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Which starting forget-gate bias is enough for the recall task? Call
#    `fit_recall("LSTM", prepare=lambda m: open_forget_gate(m, value))` for `value` in 2,
#    3 and 4. Then start it at 0 (`unit_forget_bias=False` in the LSTM layer): is the
#    adding problem at `T = 100` still solved within `MAX_STEPS` updates?
# 2. Train the `PeepholeLSTMCell` (wrapped in `keras.layers.RNN`) on the adding problem.
#    Do the peepholes help here? Plot its gates.
# 3. Extend `LENGTHS` to 200 (set `SCALE = "full"` on a GPU). Where does the GRU start
#    to need more updates than the LSTM?
# 4. Which heatmap in section 8 changes most at the marked steps? Explain it with the
#    equations of section 1.
# 5. Recall the *first* symbol instead (`recall_task(n, T, RECALL_SYMBOLS, seed=SEED,
#    marked=False)`: no mark, the answer is always at step 0, followed by random
#    symbols). Train the vanilla RNN of section 7 on it at `T = 30`, `45` and `60` with
#    the same `RECALL_STEPS` budget. Up to which length does it learn the task, and why
#    can a `tanh` network hold a symbol it never has to find at the shorter lengths but
#    not at the longer ones? (Hint: it only has to ignore everything after step 0, but
#    the gradient still has to travel back all `T` steps to reach step 0.)
# 6. Does the original GRU keep less for backpropagation? Add
#    `RECURRENT["GRU reset_after=False"] = lambda units: keras.layers.GRU(units, reset_after=False)`,
#    then `step_bytes["GRU reset_after=False"] = step_memory("GRU reset_after=False")`, and
#    run the cell that prints the memory kept per step again.
# 7. The convolution front end of section 6: replace its two layers by the single
#    `keras.layers.Conv1D(HIDDEN, K_WINDOW, strides=K_WINDOW, activation="relu")`, and
#    separately train the two-layer version at the lesson's `LR`. Which of them still
#    solves the task within `MAX_STEPS` updates, and for which `K_WINDOW` (5, 10, 25)?
#    Count how many filters the single layer would need to find a mark anywhere in its
#    window.
# 8. Put the third mark of section 8 after the second mark, or before the first, instead
#    of between them. Do the fitted weights change? What does that say about where in
#    the network the marked numbers are added up?
