# %% [markdown]
# # 04 · Gradient flow through time
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/04_gradient_flow.ipynb)
#
# **Goals.** Measure how the gradient that step `T` sends back to step `t` shrinks or grows
# with the distance `T − t`, and connect the rate to the largest singular value of `W_hh`
# and to the derivative of `tanh`; watch a real training run blow up and rescue it with
# gradient clipping (by the optimizer and by hand); and see that an LSTM's additive cell
# state lets far more gradient reach the start of a long sequence than a vanilla RNN.
#
# **Covers:** vanishing and exploding gradients, the `tanh`/`sigmoid` derivatives, gradient
# clipping (the "sequence modeling" chapter, the RNN/LSTM/GRU study note, EECS498 lecture
# 12 on gradient flow and the LSTM "gradient highway").

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
# ## 1. The activation's derivative is at most 1 (or ¼)
#
# Backpropagating through one RNN step multiplies the gradient by the derivative of the
# activation. `tanh'(a) = 1 − tanh(a)²` is 1 at `a = 0` and falls below 0.1 once
# `|a| > 2`; the logistic sigmoid's derivative `σ(a)(1 − σ(a))` is never more than ¼.
# A saturated unit passes almost no gradient back.

# %%
import matplotlib.pyplot as plt
import numpy as np

from course_lib import numpy_rnn as nr
from course_lib import plots

a = np.linspace(-5, 5, 1001)
sigmoid = 1 / (1 + np.exp(-a))
d_tanh, d_sigmoid = 1 - np.tanh(a) ** 2, sigmoid * (1 - sigmoid)

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(a, np.tanh(a), label="tanh")
ax.plot(a, sigmoid, label="sigmoid")
ax.plot(a, d_tanh, "--", label="tanh'")
ax.plot(a, d_sigmoid, "--", label="sigmoid'")
ax.set_xlabel("pre-activation a")
ax.legend()
plt.show()

print(f"max tanh' = {d_tanh.max():.3f}   max sigmoid' = {d_sigmoid.max():.3f}   tanh'(2) = {1 - np.tanh(2) ** 2:.3f}")
assert abs(d_tanh.max() - 1) < 1e-9 and abs(d_sigmoid.max() - 0.25) < 1e-9, (
    f"tanh' should peak at exactly 1 and sigmoid' at exactly 1/4: got max tanh' {d_tanh.max():.3f} "
    f"({abs(d_tanh.max() - 1):.1e} off), max sigmoid' {d_sigmoid.max():.3f} ({abs(d_sigmoid.max() - 0.25):.1e} off)")
assert d_tanh[np.abs(a) > 2].max() < 0.1, f"tanh' should fall below 0.1 once |a| > 2: got up to {d_tanh[np.abs(a) > 2].max():.3f}"

# %% [markdown]
# The two curves are one function, rescaled: `tanh(a) = 2σ(2a) − 1`, a sigmoid stretched
# from (0, 1) to (−1, 1) and squeezed along `a` by half. Differentiating both sides gives
# `tanh'(a) = 4σ'(2a)`, which is why the peaks differ by exactly a factor of 4. The gated
# cells of lesson 05 use both for that reason: σ where a value must be a fraction between 0
# and 1 (a gate), `tanh` where it should be centred on 0 (a candidate, an output).

# %%
sigmoid_2a = 1 / (1 + np.exp(-2 * a))
identity_gap = np.abs(np.tanh(a) - (2 * sigmoid_2a - 1)).max()
slope_gap = np.abs(d_tanh - 4 * sigmoid_2a * (1 - sigmoid_2a)).max()
print(f"max |tanh(a) − (2σ(2a) − 1)| = {identity_gap:.1e};  max |tanh'(a) − 4σ'(2a)| = {slope_gap:.1e}")
assert identity_gap < 1e-12 and slope_gap < 1e-12, (
    f"tanh(a) = 2σ(2a) − 1 and tanh'(a) = 4σ'(2a) hold to rounding: off by {identity_gap:.1e} and {slope_gap:.1e}")

# %% [markdown]
# ## 2. ‖∂h_T/∂h_t‖ against the distance T − t
#
# With `h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)` the chain rule gives
#
# $$\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \operatorname{diag}(1 - h_k^2)\, W_{hh},
# \qquad \Big\lVert \frac{\partial h_T}{\partial h_t} \Big\rVert \le \big(\sigma_{\max}(W_{hh})\big)^{T-t},$$
#
# since every `tanh'` is at most 1. We build `W_hh = ρ Q` with `Q` a random orthogonal
# matrix, so *every* singular value equals `ρ`, and feed tiny inputs so that the units
# stay in `tanh`'s linear region (`tanh' ≈ 1`). Then the bound is tight and the gradient
# norm is `ρ^(T−t)`: exponential decay for `ρ < 1`, exponential growth for `ρ > 1`.
#
# A fourth run keeps `ρ = 1.2` but uses inputs of ordinary size: the units saturate, the
# `tanh'` factors are small, and the gradient vanishes *despite* `σ_max > 1`. A large
# `W_hh` is necessary for explosion, not sufficient.

# %%
rng = np.random.default_rng(SEED)
H, D, T = 32, 8, 50
q, r = np.linalg.qr(rng.normal(size=(H, H)))
Q = q * np.sign(np.diag(r))  # a random orthogonal matrix
Wx = rng.normal(size=(D, H)) / np.sqrt(D)


def jacobian_norms(Wh, x):
    """‖∂h_T/∂h_t‖₂ for t = T, T-1, ..., 1 (index = distance T - t), in float64."""
    h, _ = nr.rnn_forward(x, np.zeros((1, H)), Wx, Wh, np.zeros(H))
    J = np.eye(H)  # ∂h_T/∂h_T, in the row-vector layout: dh_prev = (dh ⊙ (1 - h²)) @ Whᵀ
    norms = [1.0]
    for t in range(T - 1, 0, -1):
        J = J @ (np.diag(1 - h[0, t] ** 2) @ Wh.T)
        norms.append(np.linalg.norm(J, 2))
    return np.array(norms)


runs = {
    "ρ = 0.8, small inputs": (0.8, 1e-6),
    "ρ = 1.0, small inputs": (1.0, 1e-6),
    "ρ = 1.2, small inputs": (1.2, 1e-6),
    "ρ = 1.2, unit inputs (saturated)": (1.2, 1.0),
}
norms = {}
for label, (rho, x_scale) in runs.items():
    Wh = rho * Q
    assert abs(np.linalg.svd(Wh, compute_uv=False).max() - rho) < 1e-9, f"{label}: σ_max(W_hh) should be ρ, got {np.linalg.svd(Wh, compute_uv=False).max():.12g}"
    norms[label] = jacobian_norms(Wh, x_scale * rng.normal(size=(1, T, D)))

distance = np.arange(T)
ax = plots.plot_gradient_norms(norms, xlabel="distance T − t", ylabel="‖∂h_T/∂h_t‖",
                         title="vanishing and exploding gradients in a tanh RNN")
plt.show()

for label, (rho, _) in runs.items():
    slope = np.polyfit(distance, np.log(norms[label]), 1)[0]
    print(f"{label:34s} norm at distance 40: {norms[label][40]:9.2e}   log-slope {slope:+.3f}   log ρ {np.log(rho):+.3f}")
    assert np.all(norms[label] <= rho ** distance * (1 + 1e-9)), f"the bound σ_max^(T-t) holds ({label}): max norm / ρ^(T-t) = {np.max(norms[label] / rho ** distance):.6f}"

n08, n10, n12, n12sat = (norms[k] for k in runs)
assert n08[40] < 1e-3 and abs(np.polyfit(distance, np.log(n08), 1)[0] - np.log(0.8)) < 0.01, (
    f"decay like 0.8^(T-t): norm at distance 40 {n08[40]:.2e}, log-slope {np.polyfit(distance, np.log(n08), 1)[0]:+.3f} vs {np.log(0.8):+.3f}")
assert 0.5 < n10[40] < 2, f"ρ = 1 keeps the norm near 1: got {n10[40]:.2e} at distance 40"
assert n12[40] > 1e2 and abs(np.polyfit(distance, np.log(n12), 1)[0] - np.log(1.2)) < 0.01, (
    f"growth like 1.2^(T-t): norm at distance 40 {n12[40]:.2e}, log-slope {np.polyfit(distance, np.log(n12), 1)[0]:+.3f} vs {np.log(1.2):+.3f}")
assert n12sat[40] < 1e-2 * n12[40] and n12sat[40] < 1, f"saturation makes it vanish even with ρ > 1: {n12sat[40]:.2e} vs {n12[40]:.2e} at distance 40"

# %% [markdown]
# ## 3. Exploding gradients in a real training run, and clipping
#
# An RNN with ReLU units and an identity recurrent matrix (the "IRNN") is a natural
# integrator — a good start for a task like *output the scaled mean of 50 random inputs*.
# But a ReLU does not saturate, so nothing caps the products of section 2, and here the
# trouble starts at once: at initialisation the gradient norm ‖g‖ is already in the
# hundreds (an identity `W_hh` passes every one of the 50 steps' gradients back undamped
# and they add up). The largest gradients of the whole run come in its first steps, not
# on some unlucky batch later. A plain SGD step of length `lr · ‖g‖` (several units)
# pushes `W_hh`'s largest singular value far above 1, and then the forward pass itself
# explodes like `ρ^t` along the 50 steps (section 2, in the forward direction): on the
# next batch the loss is astronomically large or overflows to `inf`, and from there on
# it is huge or NaN. The right panel shows this forward explosion: the mean ‖h_t‖ along a validation
# batch with the weights after one step (the clipped and the initial curve lie almost on
# top of each other).
#
# **Clipping by global norm** rescales the whole gradient when its norm `‖g‖` (over all
# variables together) exceeds a threshold `c`: `g ← g · c / ‖g‖`. The direction is kept,
# only the step length is capped. In Keras it is one optimizer argument,
# `global_clipnorm=c` (`clipnorm=c` clips each variable's gradient separately). We write
# the training loop ourselves so that the rescale is visible, record `‖g‖` at every
# step, and then check that the optimizer's `global_clipnorm` does exactly the same.

# %%
import keras
import tensorflow as tf

T_TASK, N_TRAIN, BATCH, EPOCHS, LR, CLIP = 50, 2048, 64, 3, 0.02, 1.0
task_rng = np.random.default_rng(SEED)
x_task = task_rng.uniform(-1, 1, (N_TRAIN + 512, T_TASK, 1)).astype("float32")
y_task = (x_task[:, :, 0].mean(axis=1, keepdims=True) * np.sqrt(T_TASK)).astype("float32")
x_tr, y_tr, x_va, y_va = x_task[:N_TRAIN], y_task[:N_TRAIN], x_task[N_TRAIN:], y_task[N_TRAIN:]
baseline = float(np.var(y_va))  # MSE of always predicting the mean


# %%
def make_irnn():
    keras.utils.set_random_seed(SEED)
    return keras.Sequential([
        keras.Input((T_TASK, 1)),
        keras.layers.SimpleRNN(32, activation="relu", recurrent_initializer=keras.initializers.Identity()),
        keras.layers.Dense(1),
    ])


def train(clip=None, optimizer_clip=None, steps=None):
    """Plain SGD; clip: manual g <- g*c/||g||; optimizer_clip: Keras' global_clipnorm."""
    model = make_irnn()
    opt = keras.optimizers.SGD(LR, global_clipnorm=optimizer_clip)
    opt.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        norm = tf.linalg.global_norm(grads)
        if clip is not None:
            scale = tf.minimum(1.0, clip / norm)  # rescale only when ||g|| > c
            grads = [g * scale for g in grads]
        opt.apply(grads, model.trainable_variables)
        return loss, norm

    losses, grad_norms = [], []
    order = np.random.default_rng(SEED).permutation(N_TRAIN)
    for _ in range(EPOCHS):
        for i in range(0, N_TRAIN, BATCH):
            idx = order[i:i + BATCH]
            loss, norm = step(x_tr[idx], y_tr[idx])
            losses.append(float(loss))
            grad_norms.append(float(norm))
            if steps is not None and len(losses) == steps:
                return model, np.array(losses), np.array(grad_norms)
    return model, np.array(losses), np.array(grad_norms)


def val_mse(model):
    pred = model.predict(x_va, verbose=0, batch_size=512)
    return float(np.mean((pred - y_va) ** 2))


# %%
plain, loss_plain, gnorm_plain = train()
clipped, loss_clip, gnorm_clip = train(clip=CLIP)
mse_plain, mse_clip = val_mse(plain), val_mse(clipped)
diverged = ~np.isfinite(loss_plain) | (loss_plain > 1e3 * baseline)  # inf, NaN or astronomically large
first_bad = int(np.argmax(diverged))  # the first such step


# %%
def hidden_norms(model, x):
    """‖h_t‖ averaged over a batch, t = 1..T, computed step by step in float32 as Keras does."""
    Wx_, Wh_, b_ = model.layers[0].get_weights()
    h = np.zeros((x.shape[0], Wh_.shape[0]), np.float32)
    out = []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(x.shape[1]):
            h = np.maximum(x[:, t] @ Wx_ + h @ Wh_ + b_, 0)
            out.append(np.linalg.norm(h, axis=1).mean())
    return np.array(out)


one_plain, _, _ = train(steps=1)  # the weights after a single SGD step
one_clip, _, _ = train(clip=CLIP, steps=1)
after_one = {"no clipping": one_plain, "clipped": one_clip, "initial weights": make_irnn()}
rho = {name: np.linalg.svd(m.layers[0].get_weights()[1], compute_uv=False).max() for name, m in after_one.items()}
h_norms = {name: hidden_norms(m, x_va[:64]) for name, m in after_one.items()}


# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
for ax, (plain_curve, clip_curve, ylabel, title) in zip(axes, [
        (gnorm_plain, gnorm_clip, "‖g‖ before clipping", "gradient norm"),
        (loss_plain, loss_clip, "training MSE", "loss")]):
    finite = np.isfinite(plain_curve)
    ax.plot(np.flatnonzero(finite), plain_curve[finite], "o-", ms=4, color="C0", label="no clipping")
    ax.plot(clip_curve, color="C1", label=f"clipped at {CLIP}")
    top = 10 * np.max(np.concatenate([plain_curve[finite], clip_curve]))
    mark = plain_curve[first_bad] if finite[first_bad] else top  # a non-finite value is drawn at the top
    what = "huge" if finite[first_bad] else "inf/NaN, drawn at the top"
    ax.plot([first_bad], [mark], "X", color="red", ms=10, label=f"no clipping, step {first_bad}: {what}")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
axes[1].axhline(baseline, color="gray", ls=":", label="predict the mean")
for ax in axes[:2]:
    ax.legend(fontsize=7)
plots.plot_gradient_norms({f"{name}: σ_max(W_hh) = {rho[name]:.2f}": v for name, v in h_norms.items()}, ax=axes[2],
                    x=np.arange(1, T_TASK + 1), xlabel="time step t", ylabel="mean ‖h_t‖ (float32)",
                    title="forward pass after ONE SGD step")
overflow_t = np.flatnonzero(~np.isfinite(h_norms["no clipping"]))
if overflow_t.size:
    axes[2].axvline(overflow_t[0] + 1, color="red", ls="--", lw=1)
    axes[2].text(overflow_t[0] + 1, 1, f" overflow at t={overflow_t[0] + 1}", color="red", fontsize=8)
plt.tight_layout()
plt.show()


# %%
print(f"baseline MSE {baseline:.3f}")
print(f"no clipping : ‖g‖ at step 0 = {gnorm_plain[0]:.3g}; loss {loss_plain[:first_bad + 2]} at steps "
      f"0..{first_bad + 1}; validation MSE {mse_plain:.3g}")
print(f"clipping    : validation MSE {mse_clip:.3g}; largest ‖g‖ before clipping {gnorm_clip.max():.3g} "
      f"at step {gnorm_clip.argmax()}, median over the run {np.median(gnorm_clip):.3g}")
print("σ_max(W_hh): " + ", ".join(f"{k} {v:.2f}" for k, v in rho.items()))
print("mean ‖h_50‖ after one step: " + ", ".join(f"{k} {v[-1]:.3g}" for k, v in h_norms.items()))
assert not np.isfinite(mse_plain) or mse_plain > 100 * baseline, (
    f"without clipping the run diverges: got validation MSE {mse_plain:.3g} (baseline {baseline:.3f})")
assert diverged.any() and 1 <= first_bad <= 5, (
    f"it blows up within a few steps: diverged at any step: {diverged.any()}, first diverged step {first_bad}")
assert not diverged[:first_bad].any() and loss_plain[0] < 10 * baseline, (
    f"it started out finite and sane: loss at step 0 {loss_plain[0]:.3g} (baseline {baseline:.3f}), "
    f"diverged steps before step {first_bad}: {np.flatnonzero(diverged[:first_bad]).tolist()}")
assert np.isfinite(mse_clip) and mse_clip < 0.5 * baseline, (
    f"with clipping it learns the task: got validation MSE {mse_clip:.3g} (need < 0.5 x baseline {baseline:.3f})")
assert gnorm_clip.max() > 10 * CLIP, (
    f"clipping did have large gradients to cap: largest ‖g‖ before clipping {gnorm_clip.max():.3g} (clip at {CLIP})")
assert gnorm_plain[0] == gnorm_clip[0] and np.argmax(gnorm_clip) < 3, (
    f"the largest gradient comes at the start: ‖g‖ at step 0 {gnorm_plain[0]:.3g} (no clipping) vs "
    f"{gnorm_clip[0]:.3g} (clipped); largest ‖g‖ of the clipped run at step {np.argmax(gnorm_clip)}")
assert rho["no clipping"] > 2 and abs(rho["clipped"] - 1) < 0.1 and abs(rho["initial weights"] - 1) < 1e-6, (
    f"one plain SGD step pushes σ_max(W_hh) far above 1, a clipped step keeps it near the initial 1: got "
    f"{rho['no clipping']:.2f} (no clipping), {rho['clipped']:.2f} (clipped), {rho['initial weights']:.7f} (initial)")
h_plain, h_clip, h_init = h_norms.values()
assert not np.all(np.isfinite(h_plain)) or h_plain[-1] > 1e6 * h_clip[-1], (
    f"one plain step: the forward pass explodes: mean ‖h_50‖ {h_plain[-1]:.3g} vs {h_clip[-1]:.3g} after a clipped step")
assert np.all(np.isfinite(h_clip)) and h_clip[-1] < 10 * h_init[-1], (
    f"one clipped step: it stays bounded: mean ‖h_50‖ {h_clip[-1]:.3g} vs {h_init[-1]:.3g} with the initial weights")

# %% [markdown]
# Keras' `global_clipnorm` is the same rescale. Train 30 steps both ways from the same
# initial weights on the same batches: the weights agree to float32 precision.

# %%
manual, _, _ = train(clip=CLIP, steps=30)
builtin, _, _ = train(optimizer_clip=CLIP, steps=30)
weight_gap = max(float(np.max(np.abs(a - b))) for a, b in zip(manual.get_weights(), builtin.get_weights()))
moved = max(float(np.max(np.abs(a - b))) for a, b in zip(manual.get_weights(), make_irnn().get_weights()))
print(f"max |manual - global_clipnorm| weight difference after 30 steps: {weight_gap:.1e} (weights moved by up to {moved:.2f})")
assert weight_gap < 1e-4 and moved > 1e-3, (
    f"global_clipnorm should give the same weights as the manual rescale: max difference {weight_gap:.1e} "
    f"(need < 1e-4), weights moved by up to {moved:.2g} (need > 1e-3)")

# %% [markdown]
# Clipping is a heuristic, not a different gradient: the clipped step points exactly
# where the gradient points, but its length is no longer the learning rate times the
# gradient's. Take the gradient of the first batch at the initial weights and clip it
# with TensorFlow's `tf.clip_by_global_norm`:

# %%
first = make_irnn()
with tf.GradientTape() as tape:
    first_loss = tf.reduce_mean(tf.square(first(x_tr[:BATCH]) - y_tr[:BATCH]))
g_first = tape.gradient(first_loss, first.trainable_variables)
g_clipped, g_norm = tf.clip_by_global_norm(g_first, CLIP)
flat, flat_clipped = (np.concatenate([np.ravel(v) for v in grads]) for grads in (g_first, g_clipped))
cosine = flat @ flat_clipped / (np.linalg.norm(flat) * np.linalg.norm(flat_clipped))
print(f"‖g‖ = {float(g_norm):.1f}, ‖clipped g‖ = {np.linalg.norm(flat_clipped):.3f}, cosine between them {cosine:.6f}")
assert cosine > 0.999999 and abs(np.linalg.norm(flat_clipped) - CLIP) < 1e-3 and float(g_norm) > 10 * CLIP, (
    f"clipping keeps the direction and caps the length: cosine {cosine:.6f}, norms {float(g_norm):.1f} -> "
    f"{np.linalg.norm(flat_clipped):.3f}")

# %% [markdown]
# ## 4. The LSTM's additive path
#
# An LSTM carries a cell state updated by addition, `c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t`, so
# the gradient along the cell path is multiplied by the forget gate `f_t` at each step —
# not by `W_hh` and a `tanh'`. Keras initialises the forget gate's bias to 1
# (`unit_forget_bias=True`), so `f ≈ σ(1) ≈ 0.73` at the start of training, and training
# can push it towards 1 to remember longer.
#
# We feed the same 100-step random sequences to an untrained `SimpleRNN`, `LSTM` and `GRU`
# (32 units, Keras' default initialisation) and measure `‖∂L/∂x_t‖`, how much gradient
# reaches the input at step `t` from a loss on the last hidden state. We also try an
# LSTM whose forget bias starts at 3 (`f ≈ 0.95`) to show that the forget gate sets the
# rate.
#
# The GRU needs a word of warning, because lesson 05 shows it solving 100-step tasks. Its
# carry path `h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃_t` is multiplied by the update gate `z`,
# and Keras initialises the GRU's biases to 0, so at the start `z ≈ σ(0) = 0.5`: each
# step halves what is carried (`0.5^100 ≈ 10^-30`), and an *untrained* GRU passes even
# less gradient to t = 0 than a `SimpleRNN`. The highway is there, but closed: to learn
# lesson 05's long tasks, training has to move the update gate of the units that must
# remember towards `z ≈ 1`. We imitate such an opened gate by setting the update-gate bias
# to 3 (`z ≈ σ(3) ≈ 0.95`) in a fifth layer.

# %%
T_LONG, N_SEQ, D_IN, UNITS = 100, 16, 8, 32
keras.utils.set_random_seed(SEED)
x_long = tf.constant(np.random.default_rng(SEED).normal(size=(N_SEQ, T_LONG, D_IN)).astype("float32"))
u = tf.constant(np.random.default_rng(SEED + 1).normal(size=(N_SEQ, UNITS)).astype("float32"))

lstm_fb3 = keras.layers.LSTM(UNITS)
lstm_fb3.build((None, None, D_IN))
bias = lstm_fb3.cell.bias.numpy()  # Keras' gate order: input, forget, cell, output
bias[UNITS:2 * UNITS] = 3.0
lstm_fb3.cell.bias.assign(bias)

gru_zb3 = keras.layers.GRU(UNITS)
gru_zb3.build((None, None, D_IN))
bias = gru_zb3.cell.bias.numpy()  # shape (2, 3·units): input and recurrent biases, gate order z, r, h̃
bias[0, :UNITS] = 3.0
gru_zb3.cell.bias.assign(bias)

layers = {
    "SimpleRNN": keras.layers.SimpleRNN(UNITS),
    "LSTM (forget bias 1, default)": keras.layers.LSTM(UNITS),
    "LSTM (forget bias 3)": lstm_fb3,
    "GRU": keras.layers.GRU(UNITS),
    "GRU (update bias 3)": gru_zb3,
}
input_grads = {}
for name, layer in layers.items():
    with tf.GradientTape() as tape:
        tape.watch(x_long)
        loss = tf.reduce_sum(layer(x_long) * u)
    input_grads[name] = np.linalg.norm(tape.gradient(loss, x_long).numpy(), axis=(0, 2))

plots.plot_gradient_norms(input_grads, xlabel="input time step t", ylabel="‖∂L/∂x_t‖",
                    title=f"gradient reaching step t from a loss at step {T_LONG}")
plt.show()

g = {k: v[0] for k, v in input_grads.items()}
for name, value in g.items():
    print(f"{name:30s} ‖∂L/∂x_0‖ = {value:.1e}   ratio to SimpleRNN = {value / g['SimpleRNN']:.1e}")
assert g["LSTM (forget bias 1, default)"] > 1e3 * g["SimpleRNN"], f"LSTM: orders of magnitude more gradient at t=0: {g['LSTM (forget bias 1, default)']:.1e} vs SimpleRNN {g['SimpleRNN']:.1e}"
assert g["LSTM (forget bias 3)"] > 1e3 * g["LSTM (forget bias 1, default)"], (
    f"a more open forget gate carries more: {g['LSTM (forget bias 3)']:.1e} with forget bias 3 vs {g['LSTM (forget bias 1, default)']:.1e} with 1")
assert g["GRU"] < 1e-2 * g["LSTM (forget bias 1, default)"], f"an untrained GRU's update gate (≈0.5) does not carry far: {g['GRU']:.1e} vs LSTM {g['LSTM (forget bias 1, default)']:.1e}"
assert g["GRU"] < 1e-3 * g["SimpleRNN"], f"an untrained GRU carries even less than a SimpleRNN: {g['GRU']:.1e} vs SimpleRNN {g['SimpleRNN']:.1e}"
assert g["GRU (update bias 3)"] > 1e6 * g["GRU"] and g["GRU (update bias 3)"] > 1e3 * g["SimpleRNN"], (
    f"an open update gate carries: {g['GRU (update bias 3)']:.1e} with update bias 3 vs GRU {g['GRU']:.1e}, SimpleRNN {g['SimpleRNN']:.1e}")

# %% [markdown]
# ### The same product in depth: ReLU, residual and highway layers
#
# A deep feed-forward network multiplies one Jacobian per *layer* on the way back, just
# as the RNN multiplies one per step, and it met the same problem and the same fixes.
# We push one input through 50 random layers of width 64 and measure the largest
# stretch `‖∂y/∂x‖` (the spectral norm of the product of Jacobians) for four layer types:
# a sigmoid layer `σ(Wx)` (`σ' ≤ ¼` at every layer); a ReLU layer with He's scale
# `√(2/n)` (its derivative is 0 or 1); a residual layer `x + σ(Wx)` (ResNet: the identity
# is always in the Jacobian); and a highway layer `carry · x + (1 − carry) · σ(Wx)` with the
# carry gate held at `σ(3) ≈ 0.95` (Srivastava et al., 2015). The highway layer is the
# LSTM's cell-state update across depth instead of time, with `carry` in the role of `f`,
# so its stretch should fall like `carry^50`, the product of the forget gates.

# %%
def input_jacobian_norm(kind, depth=50, width=64, seed=SEED):
    """‖∂y/∂x‖ (spectral norm) of `depth` random layers of one kind, at a random input."""
    rng = np.random.default_rng(seed)
    x, jacobian = rng.normal(size=width), np.eye(width)
    carry = 1 / (1 + np.exp(-3.0))
    for _ in range(depth):
        W = rng.normal(size=(width, width)) / np.sqrt(width)
        if kind == "ReLU":
            a = np.sqrt(2) * W @ x
            y, layer = np.maximum(a, 0), (a > 0)[:, None] * np.sqrt(2) * W
        else:
            s = 1 / (1 + np.exp(-(W @ x)))
            branch = (s * (1 - s))[:, None] * W  # ∂σ(Wx)/∂x
            y, layer = {"sigmoid": (s, branch), "residual": (x + s, np.eye(width) + branch),
                        "highway": (carry * x + (1 - carry) * s, carry * np.eye(width) + (1 - carry) * branch)}[kind]
        x, jacobian = y, layer @ jacobian
    return np.linalg.norm(jacobian, 2)


stretch = {kind: input_jacobian_norm(kind) for kind in ("sigmoid", "ReLU", "residual", "highway")}
carry_product = (1 / (1 + np.exp(-3.0))) ** 50
for kind, value in stretch.items():
    print(f"{kind:>8}: ‖∂y/∂x‖ through 50 layers = {value:.1e}")
print(f"highway / carry^50 = {stretch['highway'] / carry_product:.2f} (carry^50 = {carry_product:.3f})")
assert stretch["sigmoid"] < 1e-20 and all(0.1 < stretch[k] < 100 for k in ("ReLU", "residual")), (
    f"50 sigmoid layers vanish, ReLU and residual layers keep the gradient's scale: {stretch}")
assert 0.5 < stretch["highway"] / carry_product < 2, (
    f"the highway layers' stretch follows the product of the carry gates, like the LSTM's ∏ f: "
    f"{stretch['highway']:.3f} vs carry^50 = {carry_product:.3f}")

# %% [markdown]
# ## Summary
#
# - Backpropagation through `T − t` steps multiplies `T − t` Jacobians
#   `diag(tanh') W_hh`, so the gradient norm behaves like `ρ^(T−t)`: it vanished for
#   `ρ = 0.8`, stayed flat for `ρ = 1` and exploded for `ρ = 1.2` in the linear regime,
#   always below the bound `σ_max(W_hh)^(T−t)`.
# - `tanh' ≤ 1` and `σ' ≤ ¼`; saturated units made the gradient vanish even with
#   `ρ = 1.2`.
# - A ReLU RNN trained with plain SGD diverged after its very first step (‖g‖ ≈ 400 at
#   initialisation pushed `σ_max(W_hh)` far above 1, and the forward pass overflowed);
#   clipping the global gradient norm to 1 (`g ← g·c/‖g‖`, Keras' `global_clipnorm`) let
#   the same run learn the task. The clipped gradient keeps the gradient's direction
#   exactly; only its length is capped, a heuristic rather than a different gradient.
# - An LSTM's additive cell state let orders of magnitude more gradient reach the start of
#   a 100-step sequence than a `SimpleRNN`, and the forget-gate bias sets how much.
# - The same product runs through the layers of a deep network: 50 sigmoid layers
#   vanished, ReLU and residual layers kept the gradient's scale, and highway layers, the
#   LSTM's update across depth, passed the product of their carry gates.
# - An untrained GRU (`z ≈ 0.5`) carried even less than a `SimpleRNN`; with its update
#   gate opened by hand (`z ≈ 0.95`, its bias set to 3) it carried
#   many orders of magnitude more.
#
# ## Exercises
#
# **Checked exercises:** [exercises/04_gradient_flow.ipynb](../exercises/04_gradient_flow.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/04_gradient_flow.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/04_gradient_flow.ipynb](../exercises/solutions/04_gradient_flow.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. In section 2, use `ρ = 1.05` and `T = 200`. At which distance does the gradient
#    exceed 100? Compare with `log(100) / log(1.05)`.
# 2. Repeat the clipping experiment with `clipnorm=1.0` (per variable) instead of
#    `global_clipnorm` (copy `train` and build the optimizer as
#    `keras.optimizers.SGD(LR, clipnorm=1.0)`). Does it still train? How do the two differ
#    when one variable's gradient is much larger than the others'?
# 3. Set the GRU's update-gate bias to −3 instead of +3 and predict the curve before
#    measuring it. Then train a GRU on lesson 05's adding task and print the mean of
#    `σ(update-gate bias)` before and after: did training open the gate? (Keras' GRU
#    has two update-gate biases, `bias[0, :units]` and `bias[1, :units]`; use their sum.)
# 4. Train the identity-initialised RNN of section 3 (`make_irnn`) with Adam and no
#    clipping, at `LR` and at `1e-3`. Why can a single huge gradient not make Adam take a
#    huge step, and why can the run still blow up at the larger learning rate?
