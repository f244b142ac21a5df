# %% [markdown]
# # 06 · Deep and bidirectional RNNs
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/06_deep_and_bidirectional.ipynb)
#
# **Goals.** Stack recurrent layers, read off the shapes of their outputs and states,
# and measure what every layer costs in training memory and time and what it buys in
# accuracy; build a bidirectional RNN and see on a tagging task why reading the future
# helps — and why a language model cannot do it; classify real handwritten digits read
# row by row;
# forecast the real sunspot series and beat the naive baselines on held-out years.
# At full scale: IMDB movie-review sentiment with masking and a stacked bidirectional LSTM.
#
# **Covers:** multi-layer RNNs and the state-shape tables, bidirectional RNNs
# (the "sequence modeling" chapter, the week-4 note), many-to-one and many-to-many uses
# on real data, autoregressive models (EECS498 lecture 12).

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
# At full scale, section 4 also trains on the IMDB movie reviews; they are fetched here, before
# anything trains, so a missing file stops the lesson in its first minute. At lesson
# scale this cell does nothing.

# %%
if SCALE == "full":
    from course_lib.data.imdb import fetch_imdb

    print("IMDB reviews in", fetch_imdb())

# %% [markdown]
# ## 1. Stacking recurrent layers
#
# A deep RNN feeds the whole output sequence of one recurrent layer into the next, so
# every layer but the last needs `return_sequences=True`. At each time step the input
# goes up through the layers; along time each layer carries its own state. The output of
# the stack is the top layer's sequence, `(batch, time, hidden)`; the states of all
# layers together form a tensor of shape `(#layers, batch, hidden)` (for an LSTM, one
# such tensor for `h` and one for `c`). We build three LSTM layers with
# `return_state=True` and check those shapes, and that each layer has its own weights.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib import fitting

N, T, D, H, LAYERS = 16, 10, 4, 8, 3
rng = np.random.default_rng(SEED)
x = rng.normal(size=(N, T, D)).astype("float32")  # x: (batch, time, features)

inputs = keras.Input((T, D))
seq, states_h, states_c = inputs, [], []
for layer_index in range(LAYERS):
    seq, h, c = keras.layers.LSTM(H, return_sequences=True, return_state=True, name=f"lstm_{layer_index}")(seq)
    states_h.append(h)
    states_c.append(c)
deep = keras.Model(inputs, [seq, *states_h, *states_c])
out, *states = deep(x)
h_all = np.stack([np.asarray(s) for s in states[:LAYERS]])  # (#layers, batch, hidden)
c_all = np.stack([np.asarray(s) for s in states[LAYERS:]])
print("output", tuple(out.shape), " h of all layers", h_all.shape, " c of all layers", c_all.shape)
assert tuple(out.shape) == (N, T, H), f"the stack outputs the top layer's sequence {(N, T, H)}: got {tuple(out.shape)}"
assert h_all.shape == c_all.shape == (LAYERS, N, H), (
    f"states are (#layers, batch, hidden) {(LAYERS, N, H)}: got h {h_all.shape}, c {c_all.shape}")
assert np.allclose(h_all[-1], np.asarray(out)[:, -1]), (  # the top layer's last state is the last output
    f"the top layer's last state should be the last output: off by {np.abs(h_all[-1] - np.asarray(out)[:, -1]).max():.2e}")

lstm_layers = [deep.get_layer(f"lstm_{i}") for i in range(LAYERS)]
kernels = [layer.cell.kernel for layer in lstm_layers]
print("kernel shapes:", [tuple(k.shape) for k in kernels])
assert len({id(k) for k in kernels}) == LAYERS, (  # three distinct variables
    f"each layer has its own kernel: got {len({id(k) for k in kernels})} distinct of {LAYERS}")
assert tuple(kernels[0].shape) == (D, 4 * H) and tuple(kernels[1].shape) == (H, 4 * H), (
    f"kernels are (inputs, 4·hidden), {(D, 4 * H)} then {(H, 4 * H)}: got {tuple(kernels[0].shape)}, {tuple(kernels[1].shape)}")
assert not np.allclose(np.asarray(kernels[1]), np.asarray(kernels[2])), (
    f"layers 1 and 2 have their own weights: kernels differ by at most "
    f"{np.abs(np.asarray(kernels[1]) - np.asarray(kernels[2])).max():.2e}")
assert deep.count_params() == sum(4 * (d + H + 1) * H for d in [D, H, H]), (
    f"each layer has 4·(inputs + hidden + 1)·hidden parameters, {sum(4 * (d + H + 1) * H for d in [D, H, H])} in all: "
    f"got {deep.count_params()}")

# %% [markdown]
# ### What each layer costs
#
# A layer adds its own weights, its own sequential work and its own training memory.
# Layer `l` at step `t` needs layer `l − 1` at step `t` and itself at step `t − 1`, so
# every layer adds `T` steps of work to a forward pass (Keras runs the layers one after
# another; the longest chain of dependent steps grows only to `T + L − 1`, which is what
# lets GNMT run its layers at once on different GPUs). And in training every layer keeps
# its own values at every step for backpropagation through time (lesson 05 measured what
# one layer keeps per step), so a stack's training memory grows as layers × length ×
# batch × units. We measure one gradient of GRU stacks of one to five layers (32 units
# each) on a batch of 64 sequences of 50 steps, with `course_lib.memory` (Linux only, as
# in lesson 05): the extra memory it needs, and its time.

# %%
from course_lib import memory

DEPTHS, COST_UNITS = (1, 2, 3, 4, 5), 32
x_cost = rng.normal(size=(64, 50, D)).astype("float32")  # (batch, time, features)
depth_bytes, depth_ms = {}, {}
if memory.can_measure_peak():
    for depth in DEPTHS:
        stack = keras.Sequential([keras.Input((None, D)),
                                  *[keras.layers.GRU(COST_UNITS, return_sequences=True) for _ in range(depth)],
                                  keras.layers.Dense(1)])
        depth_bytes[depth] = memory.training_step_memory(stack, x_cost, repeats=3)  # traces once, then measures
        depth_ms[depth] = 1000 * memory.training_step_seconds(stack, x_cost, repeats=5)  # the same gradient, timed
        print(f"{depth} layer(s): {stack.count_params():6,d} parameters, gradient memory "
              f"{depth_bytes[depth] / 2**20:5.1f} MB, {depth_ms[depth]:4.0f} ms per gradient")
else:
    print("course_lib.memory cannot measure peak memory on this system (it needs Linux): skip to section 2")

# %%
if depth_bytes:
    fig, (ax_mem, ax_time) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax_mem.plot(DEPTHS, [depth_bytes[d] / 2**20 for d in DEPTHS], "o-")
    ax_mem.set(xlabel="GRU layers", ylabel="MB", title="Training memory of one gradient", ylim=(0, None))
    ax_time.plot(DEPTHS, [depth_ms[d] for d in DEPTHS], "o-", color="C1")
    ax_time.set(xlabel="GRU layers", ylabel="ms", title="Time of one gradient (this machine)", ylim=(0, None))
    for ax in (ax_mem, ax_time):
        ax.set_xticks(DEPTHS)
    plt.tight_layout()
    plt.show()
    mb = np.array([depth_bytes[d] for d in DEPTHS]) / 2**20
    slope, intercept = np.polyfit(DEPTHS, mb, 1)
    r2 = 1 - np.sum((mb - (slope * np.array(DEPTHS) + intercept)) ** 2) / np.sum((mb - mb.mean()) ** 2)
    print(f"a straight line through the memory: {slope:.1f} MB per layer, R² = {r2:.3f}")
    # every layer adds about the same memory: the stack's memory grows linearly with depth
    # (a peak-memory reading can be off by a MB or so: R² > 0.9 leaves room for one noisy point)
    assert r2 > 0.9 and slope > 0.5 * mb[0], (
        f"memory should grow linearly, each layer adding over half of 1 layer's {mb[0]:.1f} MB: R² = {r2:.3f} (needs > 0.9), {slope:.1f} MB/layer")
    assert mb[-1] > 3.5 * mb[0], (
        f"{DEPTHS[-1]} layers should need over 3.5 times the memory of 1: got {mb[-1]:.1f} MB vs {mb[0]:.1f} MB")

# %% [markdown]
# Memory grows in about equal steps per layer, and the time grows with it (the timings
# are this machine's, printed, not asserted). What the layers buy is capacity: at each
# step the input goes through several non-linear transformations before it reaches the
# output. That pays off on large data sets: Sutskever et al. (2014) translated with four
# LSTM layers, Graves et al. (2013) lowered the phoneme error rate on TIMIT by going
# from one bidirectional LSTM layer to five, and GNMT (Wu et al., 2016) stacks eight
# encoder and eight decoder layers, with residual connections from the third layer up:
# without them, its authors found stacks deeper than about four hard to train. Memory
# and the difficulty of training a deep stack are the limits. Section 4 measures what the
# layers buy on a small real task; the other tasks of this lesson need one layer.

# %% [markdown]
# ## 2. Bidirectional: one RNN forward, one backward
#
# `keras.layers.Bidirectional(layer)` makes a copy of `layer` that reads the sequence
# from the last step to the first (`go_backwards=True`), runs both, reverses the backward
# outputs back into time order and concatenates the two at every step: the output is
# `(batch, time, 2·hidden)`, and the two directions do **not** share weights. With
# `return_state=True` it returns the states of both directions; over a stack of `L`
# bidirectional layers the states form `(2·L, batch, hidden)`.

# %%
inputs = keras.Input((T, D))
seq, bi_states = inputs, []
for layer_index in range(LAYERS):
    bi = keras.layers.Bidirectional(
        keras.layers.LSTM(H, return_sequences=True, return_state=True), merge_mode="concat", name=f"bi_{layer_index}"
    )
    seq, h_fw, c_fw, h_bw, c_bw = bi(seq)
    bi_states += [h_fw, h_bw]
deep_bi = keras.Model(inputs, [seq, *bi_states])
out_bi, *hs = deep_bi(x)
h_bi = np.stack([np.asarray(h) for h in hs])  # (2·#layers, batch, hidden)
print("bidirectional stack output", tuple(out_bi.shape), " h of all layers and directions", h_bi.shape)
assert tuple(out_bi.shape) == (N, T, 2 * H), (
    f"concat merging gives (batch, time, 2·hidden) {(N, T, 2 * H)}: got {tuple(out_bi.shape)}")
assert h_bi.shape == (2 * LAYERS, N, H), (
    f"the states of a bidirectional stack are (2·L, batch, hidden) {(2 * LAYERS, N, H)}: got {h_bi.shape}")

# What the backward half is: the backward layer run over the sequence in reverse order.
bi0 = deep_bi.get_layer("bi_0")
first_out = np.asarray(bi0(x)[0])
backward_seq = np.asarray(bi0.backward_layer(x)[0])  # go_backwards=True: steps T-1 ... 0
forward_seq = np.asarray(bi0.forward_layer(x)[0])
assert np.allclose(first_out[..., :H], forward_seq, atol=1e-6), (
    f"the forward half is the LSTM read left to right: off by {np.abs(first_out[..., :H] - forward_seq).max():.2e}")
assert np.allclose(first_out[..., H:], backward_seq[:, ::-1], atol=1e-6), (
    f"the backward half is the backward LSTM re-reversed: off by {np.abs(first_out[..., H:] - backward_seq[:, ::-1]).max():.2e}")
assert bi0.forward_layer.cell.kernel is not bi0.backward_layer.cell.kernel, (
    f"the two directions do not share weights: both use {bi0.forward_layer.cell.kernel.name!r}")
print("forward half = the LSTM read left to right; backward half = the LSTM read right to left, re-reversed")

# %% [markdown]
# ## 3. When the label depends on the future
#
# A many-to-many tagging task built so that the answer at step `t` needs a *later* input:
# the input is a sequence of digits 0–9 and the tag at step `t` is 1 when the **next**
# digit is larger than the current one (the last step, with no next digit, is tagged 0).
#
# A unidirectional RNN at step `t` has only seen `x_1 … x_t`. The best it can possibly do
# is guess from the current digit: after a 2 the next digit is larger with probability
# 7/10, so it says "1". Averaged over digits that ceiling is **75%** per step (a little
# more, because the last step is always 0). A bidirectional RNN also sees `x_{t+1}` from
# its backward half and can be right every time.
# `course_lib.data.tasks.rising_tags` generates the sequences and their tags, and
# `rising_tags_causal_ceiling` is that best causal accuracy.

# %%
from course_lib.data.tasks import rising_tags, rising_tags_causal_ceiling

T_TAG = 20
x_tag, y_tag = rising_tags(6000, T_TAG, seed=SEED)  # x: (n, T) digits; y: (n, T) 1 where the next is larger
x_tag_test, y_tag_test = rising_tags(2000, T_TAG, seed=SEED + 1)
print("digits:", x_tag_test[0, :10], "\ntags:  ", y_tag_test[0, :10])
causal_ceiling = rising_tags_causal_ceiling(T_TAG)  # (0.75·(T−1) + 1)/T: the best any left-to-right model can do


def tagger(*bidirectional):
    """One GRU layer per argument, bottom first: True = bidirectional. Returns (test accuracy, model)."""
    keras.utils.set_random_seed(SEED)
    rnns = [keras.layers.GRU(32, return_sequences=True) for _ in bidirectional]
    model = keras.Sequential([
        keras.Input((T_TAG,), dtype="int32"),
        keras.layers.Embedding(10, 8),
        *[keras.layers.Bidirectional(rnn) if bi else rnn for rnn, bi in zip(rnns, bidirectional)],
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    fitting.build_optimizer(model)  # Adam's variables now: fit traces its step once (lesson 00)
    model.fit(x_tag, y_tag[..., None], batch_size=64, epochs=2, verbose=0)
    return model.evaluate(x_tag_test, y_tag_test[..., None], batch_size=1000, verbose=0)[1], model


(acc_uni, _), (acc_bi, single_bi) = tagger(False), tagger(True)
print(f"per-step accuracy: unidirectional {acc_uni:.3f} (ceiling {causal_ceiling:.3f}), bidirectional {acc_bi:.3f}")
assert acc_bi > 0.97, (
    f"the bidirectional RNN, seeing the next digit, should tag almost every step right (> 0.97): got {acc_bi:.3f}")
assert acc_uni < causal_ceiling + 0.02, (  # it cannot beat the ceiling ...
    f"a left-to-right RNN cannot beat the causal ceiling {causal_ceiling:.3f}: got {acc_uni:.3f}")
assert acc_uni > causal_ceiling - 0.05, (  # ... and it learns what the past allows
    f"a left-to-right RNN should get within 0.05 of the ceiling {causal_ceiling:.3f}: got {acc_uni:.3f}")
assert acc_bi - acc_uni > 0.15, (
    f"reading the future should add over 0.15: bidirectional {acc_bi:.3f}, unidirectional {acc_uni:.3f}")

# %% [markdown]
# **Bidirectional in only some layers.** In a stack, the layers above a bidirectional
# layer already receive, at step `t`, a backward state that has read `x_T … x_t`. So one
# bidirectional layer at the bottom is enough to give every layer above it the future.
# Large translation encoders use exactly this: GNMT (Wu et al., 2016) makes only the
# bottom encoder layer bidirectional. A bidirectional layer has its first output only
# after it has read the whole sequence; a unidirectional layer can work on step `t` as
# soon as the layer below has produced it. So the unidirectional layers above the
# bottom one run at the same time, each a few steps behind the one below, each on its
# own GPU.
# We measure a two-layer stack, bidirectional at the bottom and unidirectional on top,
# against the one-layer models above.

# %%
acc_mixed, mixed = tagger(True, False)
print(f"per-step accuracy: bidirectional bottom + unidirectional top {acc_mixed:.3f} ({mixed.count_params():,} "
      f"parameters); one bidirectional layer {acc_bi:.3f} ({single_bi.count_params():,} parameters)")
kinds = [type(layer).__name__ for layer in mixed.layers]
print("layers, bottom first:", kinds)
assert kinds[1:3] == ["Bidirectional", "GRU"], f"the bidirectional layer is the bottom one: layers {kinds}"
assert acc_mixed > 0.97, (
    f"the top layer gets the future through the bottom layer's backward half: accuracy {acc_mixed:.3f} (needs > 0.97)")
assert acc_mixed - acc_uni > 0.15, (
    f"bidirectional bottom + GRU top should beat left-to-right by over 0.15: {acc_mixed:.3f} vs {acc_uni:.3f}")

# %% [markdown]
# **Why a language model cannot be bidirectional.** A language model is *autoregressive*:
# it predicts `x_{t+1}` from `x_1 … x_t`, and when it generates text the future does not
# exist yet — each new token is sampled and then fed back in. A backward RNN would have
# to read tokens that have not been written. Trained bidirectionally on complete text,
# the backward half sees the answer `x_{t+1}` and can copy it, as in the tagging task.
#
# We measure it with two character language models of Python's documentation (the text
# of lesson 03), one unidirectional and one bidirectional, trained alike. Each is scored
# twice on held-out text: with the whole chunk as input (how it was trained), and the
# way generation works — to predict character `t + 1` the model gets characters `1 … t`
# and blanks after them, because the rest has not been written yet.

# %%
from course_lib.data import text as textdata

lm_text = textdata.python_docs_text(60_000)
lm_vocab = textdata.CharVocab(lm_text)
BLANK = lm_vocab.size  # an extra id for "not written yet"
T_LM = 24
ids = lm_vocab.encode(lm_text)
chunks = ids[: len(ids) // (T_LM + 1) * (T_LM + 1)].reshape(-1, T_LM + 1)
lm_train, lm_test = chunks[:-200], chunks[-200:]


def char_lm(bidirectional):
    keras.utils.set_random_seed(SEED)
    rnn = keras.layers.GRU(64, return_sequences=True)
    model = keras.Sequential([
        keras.Input((T_LM,), dtype="int32"),
        keras.layers.Embedding(lm_vocab.size + 1, 16),
        keras.layers.Bidirectional(rnn) if bidirectional else rnn,
        keras.layers.Dense(lm_vocab.size),
    ])
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    fitting.build_optimizer(model).fit(lm_train[:, :-1], lm_train[:, 1:], batch_size=64, epochs=3, verbose=0)
    return model


def causal_loss(model, chunks):
    """Mean loss of predicting x_{t+1} from x_1..x_t only: one pass per t, the rest blank."""
    x, y = chunks[:, :-1], chunks[:, 1:]
    rows = np.repeat(x, T_LM, axis=0)  # row t of each chunk keeps x_1..x_t
    t = np.tile(np.arange(T_LM), len(x))
    rows[np.arange(T_LM)[None, :] > t[:, None]] = BLANK
    logits = model.predict(rows, batch_size=1024, verbose=0)[np.arange(len(rows)), t]
    loss = keras.losses.sparse_categorical_crossentropy(y.reshape(-1), logits, from_logits=True)
    return float(np.mean(keras.ops.convert_to_numpy(loss)))


lm_scores = {}
for name, bidirectional in (("unidirectional", False), ("bidirectional", True)):
    model = char_lm(bidirectional)
    full = model.evaluate(lm_test[:, :-1], lm_test[:, 1:], batch_size=200, verbose=0)
    lm_scores[name] = (full, causal_loss(model, lm_test))
    print(f"{name:15s}: held-out loss {full:.2f} nats/char with the whole chunk as input, "
          f"{lm_scores[name][1]:.2f} when it may read only the past")
(uni_full, uni_causal), (bi_full, bi_causal) = lm_scores["unidirectional"], lm_scores["bidirectional"]
assert abs(uni_full - uni_causal) < 0.05, f"a left-to-right model never used the future anyway: {uni_full:.2f} vs {uni_causal:.2f}"
assert bi_full < 0.5 * uni_full, f"reading the future, the bidirectional model looks far better: {bi_full:.2f} vs {uni_full:.2f}"
assert bi_causal > uni_causal + 0.3, f"without the future it is worse than the honest model: {bi_causal:.2f} vs {uni_causal:.2f}"

# %% [markdown]
# With the whole chunk as input, the bidirectional model's loss is far below the
# unidirectional one's: it reads the next character from the backward half. Asked the
# way a generator asks — only the past — it is worse than the unidirectional model,
# which never relied on the future. A bidirectional model cannot generate text;
# bidirectional RNNs are for tasks where the whole input is available before any output
# is needed: tagging, classification, the encoder of a translation model (lesson 07).

# %% [markdown]
# ## 4. Many-to-one on real data: handwritten digits read row by row
#
# scikit-learn ships 1,797 real 8×8 scans of handwritten digits. We read each image as a
# sequence of 8 time steps, one pixel row (8 grey levels) per step, and classify the
# digit from the final state of a GRU: the network must accumulate the strokes row after
# row. The test set is a stratified quarter of the images that the model never sees.

# %%
from course_lib.data.digits import load_digits

(xd_train, yd_train), (xd_test, yd_test) = load_digits(test_fraction=0.25, seed=SEED)
print("train", xd_train.shape, "test", xd_test.shape, "(images, rows = time steps, pixels per row)")
keras.utils.set_random_seed(SEED)
digit_rnn = keras.Sequential([
    keras.Input((8, 8)),
    keras.layers.GRU(64),
    keras.layers.Dense(10),
])
digit_rnn.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
fitting.build_optimizer(digit_rnn)
digit_rnn.fit(xd_train, yd_train, batch_size=64, epochs=20, verbose=0)  # the test set is only scored at the end
digit_acc = digit_rnn.evaluate(xd_test, yd_test, verbose=0)[1]
print(f"test accuracy, digits read row by row: {digit_acc:.3f}")
assert digit_acc >= 0.95, f"a GRU reading the rows should classify >= 95% of the test scans: got {digit_acc:.3f}"

# %%
logits = digit_rnn.predict(xd_test[:12], verbose=0)
fig, axes = plt.subplots(1, 12, figsize=(12, 1.6))
for ax, image, label, guess in zip(axes, xd_test, yd_test, logits.argmax(axis=1)):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(f"{guess}" + ("" if guess == label else f" ({label})"), fontsize=9)
    ax.axis("off")
plt.suptitle("GRU predictions on test digits (true label in brackets when wrong)", fontsize=9)
plt.show()

# %% [markdown]
# ### What depth buys: a narrow stack on the digits
#
# Section 1 measured what every layer costs. What it buys, on this task: we give a
# *narrow* GRU (8 units, against the 64 above) one to five layers and the same budget
# (25 epochs, batches of 128, Adam at 0.02), and score each on the test scans. As in
# GNMT (whose residual connections start at its third layer), every layer between the
# first and the top adds its input to its output (a residual connection,
# `keras.layers.Add`; one and two layers have none). The input then passes by unchanged,
# the layer only learns a correction to it, and the gradient reaches the lower layers
# directly (exercise 6 takes the connections out).

# %%
import time

NARROW, DEPTH_EPOCHS = 8, 25


def residual_stack(depth, units=NARROW, residual=True):
    """x: (batch, 8 rows, 8 pixels) -> logits (batch, 10), from `depth` stacked GRU layers."""
    inputs = keras.Input((8, 8))
    seq = inputs
    for layer_index in range(depth):
        top = layer_index == depth - 1
        out = keras.layers.GRU(units, return_sequences=not top)(seq)  # (batch, 8, units), the top (batch, units)
        seq = keras.layers.Add()([seq, out]) if residual and 0 < layer_index and not top else out
    return keras.Model(inputs, keras.layers.Dense(10)(seq))


def train_on_digits(model):
    """The same budget for every model: returns (test cross-entropy, test accuracy, training seconds)."""
    model.compile(keras.optimizers.Adam(0.02), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=10)
    fitting.build_optimizer(model)
    start = time.perf_counter()
    model.fit(xd_train, yd_train, batch_size=128, epochs=DEPTH_EPOCHS, verbose=0)
    seconds = time.perf_counter() - start
    return *model.evaluate(xd_test, yd_test, batch_size=500, verbose=0), seconds


depth_loss, depth_acc, depth_params = {}, {}, {}
for depth in DEPTHS:
    keras.utils.set_random_seed(SEED)
    stack = residual_stack(depth)
    depth_loss[depth], depth_acc[depth], seconds = train_on_digits(stack)
    depth_params[depth] = stack.count_params()
    print(f"{depth} layer(s) of {NARROW}: {depth_params[depth]:5,d} parameters, test cross-entropy "
          f"{depth_loss[depth]:.3f}, accuracy {depth_acc[depth]:.3f}, trained in {seconds:4.1f} s (this machine)")
deep_loss, deep_acc = (np.mean([scores[d] for d in (3, 4, 5)]) for scores in (depth_loss, depth_acc))
print(f"3-5 layers on average: cross-entropy {deep_loss / depth_loss[1]:.0%} of one layer's, "
      f"accuracy {deep_acc - depth_acc[1]:+.3f}; one wide layer of 64 units: accuracy {digit_acc:.3f}")
assert deep_loss < 0.7 * depth_loss[1], (  # the mean: no depth picked on the test set
    f"depth pays on the narrow stack: cross-entropy {deep_loss:.3f} vs one layer's {depth_loss[1]:.3f} (needs < 70%)")
assert deep_acc > depth_acc[1] + 0.01, (
    f"3-5 narrow layers should beat one by over 0.01 in accuracy: {deep_acc:.3f} vs {depth_acc[1]:.3f}")
assert digit_acc > deep_acc, (
    f"the parameters of one wide layer buy more than narrow depth here: {digit_acc:.3f} vs {deep_acc:.3f}")

# %% [markdown]
# Depth pays on the narrow stack: three to five layers reach a much lower test
# cross-entropy than one layer and a higher accuracy (averaged over the three depths, so
# that no depth is picked on the test set), and two layers already get part of the way.
# Every layer adds training time (printed) and memory (section 1). It also adds
# parameters, and part of what the layers buy here is those parameters: the one wide
# layer of 64 units above scores better than these stacks do on average (and the next
# cell compares the stacks with one layer that has as many parameters). The curve is not
# smooth either, and one run on under two thousand scans is not enough to rank the
# depths past three layers, so the asserts use the mean of three to five layers and pick
# no depth on the test set, while the cost keeps growing. That is the practice the lecture
# notes describe: a few stacked layers (three to five) pay, more mostly cost memory and
# time. Exercise 6 removes the residual connections.
#
# **Depth or parameters?** To tell the two apart, one more model gets the same budget: a
# single GRU layer (`residual_stack(1, …)`, so a plain GRU and its `Dense` layer), made
# just wide enough (19 units) to have as many parameters as the stacks of three to five
# layers have on average, which is exactly the four-layer stack's count.

# %%
# one GRU layer of u units on 8 inputs plus Dense(10): 3·(8u + u² + 2u) + 10u + 10 = 3u² + 40u + 10
EQUAL_UNITS = 19  # 1,853 parameters; u ≈ 18.8 would give 1,818
deep_params = np.mean([depth_params[d] for d in (3, 4, 5)])
keras.utils.set_random_seed(SEED)
single = residual_stack(1, units=EQUAL_UNITS)
assert abs(single.count_params() - deep_params) < 0.05 * deep_params, (
    f"about the stacks' parameters: {single.count_params():,d} vs {deep_params:,.0f}")
single_loss, single_acc, single_seconds = train_on_digits(single)
print(f"1 layer of {EQUAL_UNITS}: {single.count_params():,d} parameters, test cross-entropy {single_loss:.3f}, "
      f"accuracy {single_acc:.3f}, trained in {single_seconds:.1f} s (this machine, tracing included)")
print(f"3-5 layers of {NARROW} on average: {deep_params:,.0f} parameters, test cross-entropy {deep_loss:.3f}, "
      f"accuracy {deep_acc:.3f}; the single layer minus the stacks: "
      f"{round((single_acc - deep_acc) * len(yd_test)):+d} test scans of {len(yd_test)}")
assert single_acc > deep_acc - 0.02, (
    f"one wider layer is no more than 2 points behind the stacks of equal size: {single_acc:.3f} vs {deep_acc:.3f}")
assert single_loss < 1.2 * deep_loss, (
    f"... and has about as low a cross-entropy: {single_loss:.3f} vs {deep_loss:.3f} (needs < 1.2 x)")
assert single_acc > depth_acc[1] + 0.02, (
    f"the parameters themselves pay: {single_acc:.3f} vs one layer of {NARROW} units {depth_acc[1]:.3f} (needs +0.02)")

# %% [markdown]
# At equal parameters the stacks bought nothing measurable. The single layer of 19 units
# (1,853 parameters) scored 0.953, with a test cross-entropy of 0.186; the stacks of three
# to five layers, with 1,818 parameters on average, scored 0.944 and 0.191 on average, 4
# test scans of 450 fewer. (The four-layer stack alone, the best of them on this seed,
# kept a lower cross-entropy, 0.146.) The single layer also trained faster than the
# four-layer stack (both times are printed above; the seconds depend on the machine): a
# stack adds a pass over the rows for each layer. So on these scans most of what the narrow stacks gained over one narrow
# layer came with their parameters, and one wider layer buys the same parameters for
# less time. Depth may pay on tasks that need features built on features (large
# translation models use four to eight layers), but the test of this cell, against a
# wider layer with the same parameters, is the one to run before believing it for a
# new task.

# %% [markdown]
# ### Padding and masking, the tool for text
#
# Real text comes in different lengths. We pad with a reserved id 0 and let
# `Embedding(mask_zero=True)` produce a mask: the recurrent layer then skips padded steps
# (it carries its state over them unchanged), and `Bidirectional` makes the backward
# direction start at the last *real* token. So a padded review gives exactly the same
# output as the same review unpadded — we check it on a small stacked bidirectional LSTM,
# the model used on IMDB at full scale.

# %%
# the IMDB model of the full-scale run: Embedding(mask_zero) -> 2 × Bidirectional(LSTM) -> Dense
from course_lib import full_scale

keras.utils.set_random_seed(SEED)
toy = full_scale.review_classifier(50)
review = np.array([[5, 17, 3, 42, 8]], "int32")
padded = np.concatenate([review, np.zeros((1, 7), "int32")], axis=1)
p_short, p_padded = float(toy(review)[0, 0]), float(toy(padded)[0, 0])
unmasked = keras.Sequential([keras.layers.Embedding(50, 32)] + toy.layers[1:])
p_unmasked = float(unmasked(padded)[0, 0])
print(f"P(positive): unpadded {p_short:.6f}, padded+masked {p_padded:.6f}, padded without mask {p_unmasked:.6f}")
assert abs(p_short - p_padded) < 1e-5, (
    f"masked, the padded review should give the unpadded output: {p_padded:.6f} vs {p_short:.6f}")
assert abs(p_short - p_unmasked) > 1e-4, (
    f"without the mask the padding should change the output: {p_unmasked:.6f} vs {p_short:.6f}")

# %%
if SCALE == "full":
    # IMDB: 25,000 training and 25,000 test reviews, downloaded once (84 MB, sha256 pinned),
    # the same model (64 units) trained for 3 epochs in a resumable run under the data
    # cache (on Colab, set COURSE_DATA_DIR to a Drive folder): after a disconnect, run
    # this cell again and it continues from the last completed epoch.
    from course_lib import plots

    imdb = full_scale.imdb_sentiment(epochs=3, seed=SEED, max_tokens=20_000, seq_len=300, embed=64, units=64)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    plots.plot_learning_curves(imdb.history, ax=axes[0], title="IMDB: loss")
    plots.plot_learning_curves(imdb.history, ax=axes[1], metric="accuracy", title="IMDB: accuracy")
    plt.show()
    print(f"IMDB test accuracy: {imdb.test_accuracy:.3f}")
    assert imdb.test_accuracy > 0.85, (
        f"the stacked bidirectional LSTM should score > 0.85 on IMDB: got {imdb.test_accuracy:.3f}")

# %% [markdown]
# ## 5. Forecasting a real series: the sunspot cycle
#
# statsmodels ships the yearly mean sunspot number from 1700 to 2008. Solar activity
# rises and falls with a cycle of roughly 11 years, but its length (9–14 years) and its
# peaks vary. We forecast next year's value from the past `WINDOW` years, train on the
# years up to 1968 and test on the 40 held-out years 1969–2008 (their inputs reach back
# into the training years, but no test target was ever trained on).
#
# Two naive forecasts set the bar:
# * **last value**: next year = this year;
# * **seasonal**: next year = the value one cycle (11 years) earlier.
#
# The windows are cut by `course_lib.data.series.window_dataset`, a `tf.data` pipeline
# (`Dataset.window` + `flat_map`).

# %%
from course_lib.data.series import load_sunspots, make_windows, window_dataset

years, spots = load_sunspots()
WINDOW, CYCLE, TEST_YEARS = 24, 11, 40
split = len(spots) - TEST_YEARS
scale = spots[:split].max()  # scale with training statistics only
series = spots / scale

train_ds = window_dataset(series[:split], WINDOW, batch_size=32, shuffle=True, seed=SEED)
x_fc_test, y_fc_test = make_windows(series[split - WINDOW:], WINDOW)  # targets: the 40 test years
assert len(y_fc_test) == TEST_YEARS and np.allclose(y_fc_test, series[split:]), (
    f"the test targets are the last {TEST_YEARS} years of the series: got {len(y_fc_test)} targets, "
    f"first {np.round(y_fc_test[:3], 3)} vs {np.round(series[split:split + 3], 3)}")

keras.utils.set_random_seed(SEED)
forecaster = keras.Sequential([keras.Input((WINDOW, 1)), keras.layers.LSTM(32), keras.layers.Dense(1)])
forecaster.compile(keras.optimizers.Adam(0.005), "mse")
fitting.build_optimizer(forecaster)
forecaster.fit(train_ds, epochs=60, shuffle=False, verbose=0)  # the dataset shuffles itself

pred = forecaster.predict(x_fc_test, verbose=0)[:, 0] * scale
truth = y_fc_test * scale
last_value = x_fc_test[:, -1, 0] * scale
seasonal = x_fc_test[:, -CYCLE, 0] * scale


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


rmse_lstm, rmse_last, rmse_season = rmse(pred, truth), rmse(last_value, truth), rmse(seasonal, truth)
print(f"test RMSE 1969–2008: LSTM {rmse_lstm:.1f}, last value {rmse_last:.1f}, seasonal (11 y) {rmse_season:.1f}")

fig, ax = plt.subplots(figsize=(9, 3.4))
test_years = years[split:]
ax.plot(years[split - 60:], spots[split - 60:], color="black", label="observed")
ax.plot(test_years, pred, "o-", markersize=3, label=f"LSTM (RMSE {rmse_lstm:.1f})")
ax.plot(test_years, last_value, "--", label=f"last value ({rmse_last:.1f})")
ax.plot(test_years, seasonal, ":", label=f"11 years earlier ({rmse_season:.1f})")
ax.axvline(years[split] - 0.5, color="grey")
ax.set(xlabel="year", ylabel="sunspot number", title="One-year-ahead forecasts on held-out years")
ax.legend(fontsize=8)
plt.show()
assert rmse_lstm < 0.85 * rmse_last, (
    f"the LSTM should beat the last-value forecast by 15%: RMSE {rmse_lstm:.1f} vs {rmse_last:.1f}")
assert rmse_lstm < 0.85 * rmse_season, (
    f"the LSTM should beat the seasonal (11 y) forecast by 15%: RMSE {rmse_lstm:.1f} vs {rmse_season:.1f}")

# %% [markdown]
# ## Summary
#
# - A stacked RNN passes full sequences between layers (`return_sequences=True`); each
#   layer has its own weights, and the states of an `L`-layer stack are
#   `(L, batch, hidden)` — `(2·L, batch, hidden)` when bidirectional, with outputs
#   `(batch, time, 2·hidden)` under concat merging.
# - Every layer costs the same again: its training memory (each layer keeps its values at
#   every step for backpropagation) and its time grow linearly with the depth, measured
#   for one to five GRU layers. What depth buys, on the digits: a narrow (8-unit)
#   residual stack of three to five layers beats one layer clearly, but mostly through
#   the parameters every layer adds: one GRU layer with as many parameters matched the
#   stacks' accuracy and cross-entropy and trained in less than half the time of the
#   four-layer stack. One run cannot rank the depths past three layers.
# - A bidirectional layer is two RNNs with separate weights, one reading backwards. It
#   wins whenever the answer at step `t` depends on later inputs (here: per-step
#   accuracy near 100% against a 76% ceiling for any left-to-right model), and it is
#   ruled out for autoregressive models such as language models. In a stack, one
#   bidirectional layer at the bottom is enough: the unidirectional layer above it got
#   the future through it and tagged as well as the bidirectional model (GNMT's encoder).
# - A GRU reading 8×8 digits row by row classifies held-out scans with ≥ 95% accuracy;
#   masking lets one model read padded text exactly as if it were unpadded.
# - An LSTM forecaster beats both naive forecasts (last value, one cycle ago) of the
#   sunspot series on 40 held-out years.
#
# ## Exercises
#
# **Checked exercises:** [exercises/06_deep_and_bidirectional.ipynb](../exercises/06_deep_and_bidirectional.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/06_deep_and_bidirectional.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/06_deep_and_bidirectional.ipynb](../exercises/solutions/06_deep_and_bidirectional.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Read the digits column by column instead of row by row. Does the accuracy change?
# 2. In the tagging task, tag step `t` with "the digit two steps *earlier* was larger".
#    Does the bidirectional model still win, and why (not)?
# 3. Use `merge_mode="sum"` in section 2: what are the output and state shapes now?
# 4. Forecast 3 years ahead (`horizon=3` in `window_dataset`/`make_windows`; start the
#    test windows `horizon - 1` years earlier so the targets stay 1969–2008, and move the
#    seasonal baseline's index with the horizon). How do the baselines and the LSTM
#    compare?
# 5. At full scale, replace the stacked bidirectional LSTM by one unidirectional LSTM on
#    IMDB: pass `build=lambda v: keras.Sequential([keras.layers.Embedding(v, 64,
#    mask_zero=True), keras.layers.LSTM(64), keras.layers.Dense(1, activation="sigmoid")])`
#    and a new `run_root` to `full_scale.imdb_sentiment`. How much accuracy does reading
#    backwards buy for sentiment?
# 6. Train the depth sweep of section 4 again without its residual connections
#    (`residual_stack(depth, residual=False)`, the same budget; keep a copy of the
#    results first, `residual_acc = dict(depth_acc)`, and note that one and two layers
#    come out as before, having no connection to remove). Do four and five layers
#    still help, or do the deeper plain stacks fall behind, as GNMT's authors found for
#    stacks deeper than about four?
