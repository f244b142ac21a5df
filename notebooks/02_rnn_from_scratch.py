# %% [markdown]
# # 02 · A recurrent network from scratch
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/02_rnn_from_scratch.ipynb)
#
# **Goals.** Write the Elman RNN forward pass in NumPy, see the unrolled computational
# graph and why one set of weights serves every time step and every sequence length,
# derive backpropagation through time (BPTT) by hand and verify it with a numeric
# gradient check, check the initial loss of a language model, and show that Keras'
# `SimpleRNN` computes exactly the same function once it is given our weights.
#
# **Covers:** the RNN recurrence `h_t = f(x_t, h_{t-1})` with `tanh`, the tensor shapes
# `(batch, time, features)`, parameter sharing across time, BPTT (CS231n lecture 10, the
# "sequence modeling" chapter, the week-4 note, EECS498 lecture 12).

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
# ## 1. The recurrence
#
# An Elman RNN keeps one vector, the hidden state `h_t`, and updates it from the new input
# and its own previous value:
#
# $$h_t = \tanh(W_{xh}\,x_t + W_{hh}\,h_{t-1} + b), \qquad y_t = W_{hy}\,h_t + b_y .$$
#
# With `D` input features and `H` hidden units, `W_xh` is `H × D` and `W_hh` is `H × H`.
# Code works on a mini-batch of `N` row vectors at once, so it stores the transposes
# `Wx = W_xhᵀ` of shape `(D, H)` and `Wh = W_hhᵀ` of shape `(H, H)` and computes
# `h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)`. A batch of sequences has shape
# `(N, T, D)`; the hidden states of all steps, `(N, T, H)`. The first step needs an
# `h_0`: we start from zeros.
#
# Some libraries write the step with two biases, `tanh(W_xh x_t + b_ih + W_hh h_{t-1} + b_hh)`
# (PyTorch's `nn.RNN`, cuDNN). They only ever appear as their sum, so they are one bias
# `b = b_ih + b_hh` with one redundant parameter vector; converting such weights to ours
# is one of the checked exercises of this lesson.
#
# The step function, without its docstring and argument checks (`course_lib.show` leaves
# them out), is short enough to read in full:

# %%
import matplotlib.pyplot as plt
import numpy as np

from course_lib import gradcheck, show
from course_lib import numpy_rnn as nr

show.show(nr.rnn_step_forward)  # the code without its docstring and argument checks

rng = np.random.default_rng(SEED)
N, T, D, H = 3, 6, 4, 5
Wx = rng.normal(0, 0.5, (D, H))
Wh = rng.normal(0, 0.5, (H, H))
b = rng.normal(0, 0.1, H)
x = rng.normal(size=(N, T, D))
h0 = np.zeros((N, H))

h1, _ = nr.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
# the same step written with column vectors, one example at a time
h1_columns = np.stack([np.tanh(Wx.T @ x[i, 0] + Wh.T @ h0[i] + b) for i in range(N)])
print("h_1:", h1.shape, " row form == column form:", np.allclose(h1, h1_columns))
assert h1.shape == (N, H) and gradcheck.rel_error(h1, h1_columns) < 1e-12, (
    f"the row-vector step should give (N, H) = ({N}, {H}) states equal to the column form: got shape {h1.shape}, "
    f"relative error {gradcheck.rel_error(h1, h1_columns) if h1.shape == h1_columns.shape else float('nan'):.2e} (limit 1e-12)"
)

# %% [markdown]
# ## 2. The unrolled graph and weight sharing
#
# Unrolling the loop over time turns the RNN into a deep feed-forward graph with one
# layer per step. Every layer uses **the same** `Wx`, `Wh`, `b` (and the output layer the
# same `Why`): the figure writes the same name on the arrows of every step because they
# are one array each, not one per step. Only `x_t` and `h_t` change; the zero initial
# state `h_0` on the left is the only box without an input.

# %%
def draw_unrolled(ax, steps=4):
    """Boxes for x_t, h_t, y_t; arrows for Wx (up), Wh (right), Why (up)."""
    def box(x, y, text, color):
        ax.text(x, y, text, ha="center", va="center", fontsize=11,
                bbox=dict(boxstyle="round,pad=0.35", fc=color, ec="k"))

    def arrow(x0, y0, x1, y1, label, color="k"):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color=color, lw=1.5))
        ax.text((x0 + x1) / 2 + 0.08, (y0 + y1) / 2 + 0.06, label, fontsize=8, color=color)

    box(0, 1, "$h_0 = 0$", "#e0e0e0")
    for t in range(1, steps + 1):
        box(t, 0, f"$x_{t}$", "#f4b6b6")
        box(t, 1, f"$h_{t}$", "#b6e3b6")
        box(t, 2, f"$y_{t}$", "#b6c8f4")
        arrow(t, 0.2, t, 0.8, "Wx", "tab:red")
        arrow(t, 1.2, t, 1.8, "Why", "tab:blue")
        arrow(t - 0.78, 1, t - 0.22, 1, "Wh", "tab:green")
    ax.set_xlim(-0.5, steps + 0.5)
    ax.set_ylim(-0.5, 2.5)
    ax.axis("off")
    ax.set_title("an RNN unrolled over time: the same Wx, Wh, Why at every step")


fig, ax = plt.subplots(figsize=(7, 2.8))
draw_unrolled(ax)
plt.show()

# %% [markdown]
# Because the weights do not depend on `t`, the same three arrays process a sequence of
# any length: the number of parameters is `D·H + H·H + H` whether `T` is 3 or 500.
# `rnn_forward` is literally the step function called `T` times with the same arrays. We
# count the parameters the forward pass *actually used*: the distinct weight arrays stored
# in the caches of all `T` steps, and the size of the gradient BPTT returns for them.

# %%
n_params = Wx.size + Wh.size + b.size
for length in (3, 50, 500):
    xs = rng.normal(size=(2, length, D))
    hs, caches = nr.rnn_forward(xs, np.zeros((2, H)), Wx, Wh, b)
    used = {}  # the distinct weight arrays the T steps read, by identity
    for step in caches:  # a step's StepCache holds x, prev_h, Wx, Wh and next_h
        used[id(step.Wx)], used[id(step.Wh)] = step.Wx, step.Wh
    grads = nr.rnn_backward(np.ones_like(hs), caches)[2:]
    used_params = sum(arr.size for arr in used.values()) + b.size
    print(f"T={length:4d}: hidden states {hs.shape}, distinct weight arrays used {len(used)} + b, "
          f"parameters {used_params}, gradient entries {sum(g.size for g in grads)}")
    assert hs.shape == (2, length, H), f"at T={length} the hidden states should have shape (2, {length}, {H}): got {hs.shape}"
    assert len(used) == 2 and used_params == n_params == D * H + H * H + H, (
        "the parameter count does not grow with T: "
        f"at T={length} {len(used)} weight arrays and {used_params} parameters, expected 2 and {n_params}"
    )
    assert sum(g.size for g in grads) == n_params, (
        f"at T={length} BPTT should return one gradient entry per parameter: "
        f"got {sum(g.size for g in grads)}, expected {n_params}"
    )

h_all, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
prev = h0
for t in range(T):
    prev, _ = nr.rnn_step_forward(x[:, t], prev, Wx, Wh, b)
    assert np.array_equal(prev, h_all[:, t]), (
        "rnn_forward is the step repeated with shared weights: "
        f"h at step t={t} differs, {np.round(prev[0], 3)} vs {np.round(h_all[0, t], 3)}"
    )
print("rnn_forward == the step function applied", T, "times with the same weights")

# %% [markdown]
# ## 3. Backpropagation through time, by hand
#
# Backward through one step, with `a = x Wx + h_prev Wh + b` and `h = tanh(a)`, given
# `dh`, the gradient of the loss with respect to `h` (written `⊙` below: the elementwise
# product, entry by entry, of two arrays of the same shape):
#
# * through the `tanh`: `∂h/∂a = 1 − h²` entry by entry, so `da = dh ⊙ (1 − h²)`;
# * through the affine step: `a` changes by `Δx Wx` when `x` changes by `Δx`, so the loss
#   changes by `Σ da ⊙ (Δx Wx)`, which is `Σ (da Wxᵀ) ⊙ Δx`: hence `dx = da Wxᵀ`, and in the
#   same way `dh_prev = da Whᵀ`. For a weight the roles swap: `Σ da ⊙ (x ΔWx) = Σ (xᵀ da) ⊙ ΔWx`
#   gives `dWx = xᵀ da` and `dWh = h_prevᵀ da`; `b` is added to every row of the batch, so
#   `db = Σ_N da`. Each gradient has the shape of its variable, which is a quick check.
#
# The diagram draws the step forward in black and these gradients in red:

# %%
from course_lib import diagrams

diagrams.rnn_step_backward_diagram()
plt.show()

# %% [markdown]
#
# Two rules turn this into BPTT:
#
# * **copy nodes sum their gradients.** `h_t` feeds both the output `y_t` and the next
#   step, so its gradient is the upstream gradient from `y_t` **plus** the one coming
#   back from step `t+1`;
# * **shared weights sum their gradients.** `Wh` is used at every step, so `dWh` is the
#   sum of the per-step gradients `Σ_t h_{t-1}ᵀ da_t`.
#
# `rnn_backward` walks the steps from `T` down to 1 applying both rules. We check the
# second rule explicitly: the per-step contributions to `dWh` add up to the total.

# %%
show.show(nr.rnn_backward)

dh_up = rng.normal(size=h_all.shape)  # upstream gradient dL/dh_t from the outputs
dx, dh0, dWx, dWh, db = nr.rnn_backward(dh_up, cache)

per_step_dWh = []
carry = np.zeros((N, H))
for t in reversed(range(T)):
    step = nr.rnn_step_backward(dh_up[:, t] + carry, cache[t])  # a StepGrads: dx, dprev_h, dWx, dWh, db
    carry = step.dprev_h
    per_step_dWh.append(step.dWh)
print("‖dWh‖ of each step:", np.round([np.linalg.norm(g) for g in per_step_dWh[::-1]], 3))
assert gradcheck.rel_error(sum(per_step_dWh), dWh) < 1e-12, (
    "the shared Wh's gradient is the sum over steps: "
    f"relative error {gradcheck.rel_error(sum(per_step_dWh), dWh):.2e} (limit 1e-12)"
)
first_step = np.linalg.norm(per_step_dWh[-1])  # the list runs from step T down to step 1
assert first_step == 0.0, f"with h_0 = 0 the first step gives Wh no gradient: ‖dWh‖ of step 1 is {first_step}"

# %% [markdown]
# The first step's `dWh` is exactly 0: its contribution is `h_0ᵀ da_1`, and `h_0` is all
# zeros, so nothing of `Wh` was used at step 1 and the first step gives it no gradient
# (`Wx` and `b` still get one from it).

# %% [markdown]
# ## 4. Gradient check
#
# A hand-written backward pass is easy to get subtly wrong, so we compare it with a
# numeric gradient by centred differences, `(f(w + h) − f(w − h)) / 2h`, in float64.
# The loss is `L = Σ dh_up ⊙ h(x, h0, Wx, Wh, b)`, whose gradient with respect to every
# input and weight is exactly what `rnn_backward` returns. The relative error
# `‖a − n‖ / (‖a‖ + ‖n‖)` should be below 1e-7.

# %%
h0 = rng.normal(size=(N, H))  # a non-zero h0 so that dh0 is checked too


def forward():
    """All hidden states (N, T, H) for the current arrays, which numeric_gradient_array perturbs in place."""
    return nr.rnn_forward(x, h0, Wx, Wh, b)[0]


dx, dh0, dWx, dWh, db = nr.rnn_backward(dh_up, nr.rnn_forward(x, h0, Wx, Wh, b)[1])
errors = {
    name: gradcheck.rel_error(analytic, gradcheck.numeric_gradient_array(forward, arr, dh_up))
    for name, analytic, arr in [("x", dx, x), ("h0", dh0, h0), ("Wx", dWx, Wx), ("Wh", dWh, Wh), ("b", db, b)]
}
for name, err in errors.items():
    print(f"d{name:<3} relative error {err:.2e}")
assert max(errors.values()) < 1e-7, (
    "BPTT should agree with the numeric gradient (relative error < 1e-7): "
    f"worst d{max(errors, key=errors.get)} at {max(errors.values()):.2e}"
)

# %% [markdown]
# The check is only worth something if it catches mistakes. Drop the copy-node rule (use
# only the output's gradient at each step, forgetting the one from step `t+1`) and the
# error jumps by many orders of magnitude:

# %%
def rnn_backward_forgetting_the_carry(dh, caches):
    dWh_wrong = np.zeros_like(Wh)
    for t in reversed(range(len(caches))):
        dWh_wrong += nr.rnn_step_backward(dh[:, t], caches[t]).dWh  # no "+ carry"
    return dWh_wrong


wrong = rnn_backward_forgetting_the_carry(dh_up, nr.rnn_forward(x, h0, Wx, Wh, b)[1])
wrong_error = gradcheck.rel_error(wrong, gradcheck.numeric_gradient_array(forward, Wh, dh_up))
print(f"dWh without the carried gradient: relative error {wrong_error:.2e}")
assert wrong_error > 1e-3, (
    f"the gradient check must catch a missing BPTT term: relative error only {wrong_error:.2e} (should exceed 1e-3)"
)

# %% [markdown]
# The same numeric gradient settles section 1's remark on two biases. Write our `b` as
# `b_ih + b_hh` and perturb each of them: both gradients come out equal to `db`, because
# each enters the step only through the sum. Gradient descent therefore moves the two by
# the same amount at every update, their difference never changes, and the pair computes
# exactly what one bias does.

# %%
b_ih = rng.normal(size=H)  # any split of b: (H,)
b_hh = b - b_ih


def forward_two_biases():
    """All hidden states (N, T, H) with the bias written as b_ih + b_hh."""
    return nr.rnn_forward(x, h0, Wx, Wh, b_ih + b_hh)[0]


state_gap = np.abs(forward_two_biases() - forward()).max()
bias_errors = {name: gradcheck.rel_error(db, gradcheck.numeric_gradient_array(forward_two_biases, arr, dh_up))
               for name, arr in [("b_ih", b_ih), ("b_hh", b_hh)]}
print(f"max |h(b_ih + b_hh) − h(b)| = {state_gap:.1e}")
for name, err in bias_errors.items():
    print(f"dL/d{name} against db: relative error {err:.1e}")
assert state_gap < 1e-12 and max(bias_errors.values()) < 1e-7, (
    f"two biases compute what one does and each gets the gradient db: states differ by {state_gap:.1e}, "
    f"gradients by {bias_errors}")

# %% [markdown]
# ## 5. A whole RNN language model, and its initial loss
#
# Put the pieces together: an embedding lookup (`W_embed: (V, D)`), the RNN, a temporal
# affine layer to `V` scores per step, and the softmax cross-entropy summed over time
# (`course_lib.numpy_rnn.rnn_lm_loss`). Every parameter passes the gradient check.
#
# Before training, a network with small output weights predicts roughly the uniform
# distribution over `V` tokens, so its loss per step must be close to `log V`. This
# is the first thing to check on any new model: a very different number means a bug in
# the loss or the initialisation.

# %%
V, D_emb, H_lm, T_lm, N_lm = 30, 8, 16, 10, 4
params = nr.init_rnn_lm(V, D_emb, H_lm, seed=SEED)
ids = rng.integers(V, size=(N_lm, T_lm + 1))
inputs, targets = ids[:, :-1], ids[:, 1:]  # the target is the next token
loss, grads, _ = nr.rnn_lm_loss(params, inputs, targets)
print(f"initial loss per step {loss / T_lm:.4f}   log V = {np.log(V):.4f}")
assert abs(loss / T_lm - np.log(V)) < 0.05 * np.log(V), (
    f"the initial loss per step should be within 5% of log V = {np.log(V):.4f}: got {loss / T_lm:.4f}"
)

lm_errors = {}
for name, p in params.items():
    num = gradcheck.numeric_gradient(lambda: nr.rnn_lm_loss(params, inputs, targets)[0], p)
    lm_errors[name] = gradcheck.rel_error(grads[name], num)
print({k: f"{v:.1e}" for k, v in lm_errors.items()})
assert max(lm_errors.values()) < 1e-7, (
    "every language-model parameter should pass the gradient check (< 1e-7): "
    f"worst {max(lm_errors, key=lm_errors.get)} at {max(lm_errors.values()):.1e}"
)

# %% [markdown]
# **Sequences of different lengths: the mask.** A batch holds sequences of different
# lengths padded to a common `T`. The loss must ignore the padded steps, so
# `temporal_softmax_loss` takes a mask `(N, T)` and sums `−log p(target)` only where it
# is true (then divides by `N`):

# %%
show.show(nr.temporal_softmax_loss)

lengths = np.array([10, 7, 4, 1])  # real steps per sequence; the rest is padding
mask = np.arange(T_lm)[None, :] < lengths[:, None]  # (N, T) True on real steps
padded_in, padded_tg = inputs.copy(), targets.copy()
other_in, other_tg = inputs.copy(), targets.copy()
other_in[~mask] = rng.integers(V, size=(~mask).sum())  # change only what lies in the padding
other_tg[~mask] = rng.integers(V, size=(~mask).sum())
loss_m, grads_m, _ = nr.rnn_lm_loss(params, padded_in, padded_tg, mask=mask)
loss_o, grads_o, _ = nr.rnn_lm_loss(params, other_in, other_tg, mask=mask)
# the same loss computed sequence by sequence on the unpadded pieces
per_seq = [nr.rnn_lm_loss(params, inputs[i:i + 1, :L], targets[i:i + 1, :L])[0] for i, L in enumerate(lengths)]
grad_gap = max(gradcheck.rel_error(grads_m[k], grads_o[k]) for k in params)
unmasked_gap = nr.rnn_lm_loss(params, padded_in, padded_tg)[0] - loss_m  # what the padded steps would add
print(f"masked loss {loss_m:.6f}, after changing the padding {loss_o:.6f}, "
      f"sum of unpadded losses / N {sum(per_seq) / N_lm:.6f}")
print(f"gradient change from the padding: {grad_gap:.1e};  without the mask the {(~mask).sum()} padded steps "
      f"would add {unmasked_gap:.2f} to the loss")
assert abs(loss_m - loss_o) < 1e-12 and grad_gap < 1e-12, (
    "padded steps change neither the loss nor its gradient: "
    f"loss changed by {abs(loss_m - loss_o):.1e}, gradient by {grad_gap:.1e} (limit 1e-12)"
)
assert abs(loss_m - sum(per_seq) / N_lm) < 1e-10, (
    "the masked loss is the loss of the real steps only: "
    f"{loss_m:.6f} vs sum of unpadded losses / N {sum(per_seq) / N_lm:.6f}"
)
assert unmasked_gap > 0.5 * (~mask).sum() * np.log(V) / N_lm, (
    "without the mask the padding would leak into the loss: "
    f"it adds {unmasked_gap:.2f}, expected more than {0.5 * (~mask).sum() * np.log(V) / N_lm:.2f}"
)
mask_errors = {name: gradcheck.rel_error(grads_m[name], gradcheck.numeric_gradient(
    lambda: nr.rnn_lm_loss(params, padded_in, padded_tg, mask=mask)[0], p_)) for name, p_ in params.items()}
print("masked gradient check:", {k: f"{v:.1e}" for k, v in mask_errors.items()})
assert max(mask_errors.values()) < 1e-7, (
    "the masked loss should pass the gradient check (< 1e-7): "
    f"worst {max(mask_errors, key=mask_errors.get)} at {max(mask_errors.values()):.1e}"
)

# %% [markdown]
# ## 6. Parity with Keras `SimpleRNN`
#
# Keras stores a `SimpleRNN`'s weights as `[kernel, recurrent_kernel, bias]` with shapes
# `(D, H)`, `(H, H)` and `(H,)`, and computes `tanh(x @ kernel + h @ recurrent_kernel +
# bias)` — the same row-vector layout as our `Wx`, `Wh`, `b` (so `kernel = W_xhᵀ`).
# There is one bias (some libraries keep two, `b_ih + b_hh`, which add up to ours).
# Load our weights and compare outputs and gradients.

# %%
import keras
import tensorflow as tf

x_long = rng.normal(size=(N, 40, D))
h_np, cache_np = nr.rnn_forward(x_long, np.zeros((N, H)), Wx, Wh, b)

rnn = keras.layers.SimpleRNN(H, return_sequences=True)
rnn.build((None, None, D))
print([(w.path.split("/")[-1], tuple(w.shape)) for w in rnn.weights])
rnn.set_weights([Wx, Wh, b])
x_tf = tf.constant(x_long, tf.float32)
with tf.GradientTape() as tape:
    h_keras = rnn(x_tf)
    surrogate = tf.reduce_sum(h_keras * tf.constant(np.ones_like(h_np), tf.float32))
g_kernel, g_recurrent, g_bias = tape.gradient(surrogate, rnn.trainable_weights)

out_gap = float(np.max(np.abs(h_keras.numpy() - h_np)))
_, _, dWx_np, dWh_np, db_np = nr.rnn_backward(np.ones_like(h_np), cache_np)
grad_gap = max(gradcheck.rel_error(g_kernel.numpy(), dWx_np), gradcheck.rel_error(g_recurrent.numpy(), dWh_np),
               gradcheck.rel_error(g_bias.numpy(), db_np))
print(f"max |h_keras - h_numpy| over 40 steps = {out_gap:.1e}   gradient relative error = {grad_gap:.1e}")
assert out_gap <= 1e-5, (
    f"SimpleRNN with our weights computes our RNN (float32 precision): max |h_keras - h_numpy| = {out_gap:.1e} (limit 1e-5)"
)
assert grad_gap <= 1e-5, f"and TensorFlow's autodiff agrees with our BPTT: gradient relative error {grad_gap:.1e} (limit 1e-5)"

# %% [markdown]
# ## Summary
#
# - An Elman RNN is one `tanh` layer applied at every step to `[x_t, h_{t-1}]`; the
#   hidden states of a batch form an `(N, T, H)` array.
# - The same `Wx`, `Wh`, `b` are reused at every step, so any sequence length works and
#   the parameter count does not grow with `T`.
# - BPTT is ordinary backpropagation on the unrolled graph: gradients arriving at a copied
#   `h_t` add up, and the shared weights collect the sum of every step's gradient.
# - The numeric gradient check agreed to < 1e-7 and caught a missing BPTT term; the
#   initial loss of a small language model was `log V`.
# - A mask makes the loss skip padded steps: changing the padding changed neither the
#   loss nor its gradient, and the masked loss equalled the loss of the unpadded pieces.
# - Keras' `SimpleRNN` uses the same weight layout (`kernel = W_xhᵀ`) and matched our
#   NumPy forward and backward to float32 precision.
#
# ## Exercises
#
# **Checked exercises:** [exercises/02_rnn_from_scratch.ipynb](../exercises/02_rnn_from_scratch.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/02_rnn_from_scratch.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/02_rnn_from_scratch.ipynb](../exercises/solutions/02_rnn_from_scratch.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Make the gradient check fail on purpose in three ways (e.g. forget `1 − h²`, or use
#    `Wh` instead of `Whᵀ`) and note the relative errors you get.
# 2. With `W_embed` the identity matrix, show that `rnn_lm_loss` is an RNN on one-hot
#    vectors. What does the embedding buy when `V` is large?
