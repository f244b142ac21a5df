# %% [markdown]
# # 01 · Sequence tasks: one-to-one, one-to-many, many-to-one, many-to-many
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/01_sequence_tasks.ipynb)
#
# **Goals.** Meet the five shapes a sequence problem can take, build and train a small
# Keras model for each, and read off its input and output shapes. Then handle sequences
# of different lengths with padding and masking, and check that a masked model really
# ignores the padding.
#
# **Covers (seed topics):** the kinds of sequence processing (CS231n lecture 10; week-4
# note on RNN types): one-to-one, one-to-many (captioning), many-to-one (sentiment),
# many-to-many (translation; per-frame video labels).

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
# ## 1. Shapes first
#
# Keras (like this whole course) stores a batch of sequences as a 3-D array
# `(batch, time, features)`: `x[n, t]` is the feature vector of example `n` at step `t`.
# A recurrent layer reads the time axis one step at a time, carrying a hidden state `h_t`.
# With `return_sequences=False` (the default) it returns only the last state,
# `(batch, units)`; with `return_sequences=True` it returns every state,
# `(batch, time, units)`. Those two switches, plus where the input and output sit in
# time, give the five problem types:
#
# | type | input | output | example |
# |---|---|---|---|
# | one-to-one | `(batch, features)` | `(batch, classes)` | classify one image — no recurrence needed |
# | one-to-many | `(batch, features)` | `(batch, time, vocab)` | write a caption for an image |
# | many-to-one | `(batch, time, features)` | `(batch, classes)` | sentiment of a sentence |
# | many-to-many, aligned | `(batch, time, features)` | `(batch, time, classes)` | tag every frame / word |
# | many-to-many, seq2seq | `(batch, time_in, …)` | `(batch, time_out, vocab)` | translation: lengths differ |
#
# Video shows how one kind of data fits several rows: classifying a whole clip ("someone is
# swimming") is many-to-one, one label per frame (which frames show the swimmer underwater)
# is many-to-many aligned, and describing the clip in a sentence is seq2seq. What decides the
# type is the output the task asks for, not the input.
#
# The five models below are tiny and train in seconds; later lessons make each of them
# serious.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib import fitting
from course_lib.data.digits import load_digits

rng = np.random.default_rng(SEED)
(x_train, y_train), (x_test, y_test) = load_digits(seed=SEED)  # x: (n, 8, 8) in [0, 1]
print("digits:", x_train.shape, x_test.shape)

# %% [markdown]
# ## 2. One-to-one: a plain classifier
#
# One input vector, one output: a feed-forward network. It is here as the reference
# point: there is no time axis anywhere.

# %%
one_to_one = keras.Sequential(
    [keras.Input((64,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")],
    name="one_to_one",
)
one_to_one.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
fitting.build_optimizer(one_to_one)  # see lesson 00: fit then traces its step once
one_to_one.fit(x_train.reshape(-1, 64), y_train, epochs=30, batch_size=64, verbose=0)
_, acc_1to1 = one_to_one.evaluate(x_test.reshape(-1, 64), y_test, verbose=0)
print("input", one_to_one.input_shape, "-> output", one_to_one.output_shape, f"  test accuracy {acc_1to1:.3f}")
assert one_to_one.output_shape == (None, 10), (
    f"one-to-one maps a batch of vectors to 10 class probabilities: got shape {one_to_one.output_shape}"
)
assert acc_1to1 > 0.9, f"the plain classifier should read the digits (test accuracy > 0.9): got {acc_1to1:.3f}"

# %% [markdown]
# ## 3. One-to-many: spell the digit you see
#
# A miniature of image captioning: from **one** vector (the 8×8 image) produce a
# **sequence** (the digit's English name, one letter per step, then `<end>`). The image
# vector is encoded once and handed to the RNN at every step (`RepeatVector`); the RNN's
# state decides which letter comes next. Another common choice is to give the image as
# the initial state and feed the previous output as the next input; lesson 09's decoder
# does both (the image sets its initial state and also enters at every step).

# %%
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LETTERS = sorted(set("".join(NAMES)))
SPELL_VOCAB = ["<pad>", "<end>"] + LETTERS
PAD_ID, END_ID = SPELL_VOCAB.index("<pad>"), SPELL_VOCAB.index("<end>")  # the two special tokens
T_SPELL = max(map(len, NAMES)) + 1  # longest name + <end>


def spell(label: int) -> list[int]:
    """Token ids of a digit's name, then <end>, padded to T_SPELL."""
    ids = [SPELL_VOCAB.index(c) for c in NAMES[label]] + [END_ID]
    return ids + [PAD_ID] * (T_SPELL - len(ids))


def unspell(ids) -> str:
    out = []
    for i in ids:
        if i in (PAD_ID, END_ID):
            break
        out.append(SPELL_VOCAB[i])
    return "".join(out)


spell_train = np.array([spell(y) for y in y_train])  # (n, T_SPELL)
spell_test = np.array([spell(y) for y in y_test])
print(NAMES[7], "->", spell(7))

one_to_many = keras.Sequential(
    [
        keras.Input((64,)),                                   # (batch, 64)
        keras.layers.Dense(64, activation="relu"),            # (batch, 64)
        keras.layers.RepeatVector(T_SPELL),                   # (batch, time, 64)
        keras.layers.GRU(64, return_sequences=True),          # (batch, time, 64)
        keras.layers.Dense(len(SPELL_VOCAB), activation="softmax"),  # (batch, time, vocab)
    ],
    name="one_to_many",
)
one_to_many.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
fitting.build_optimizer(one_to_many)
one_to_many.fit(x_train.reshape(-1, 64), spell_train, epochs=40, batch_size=64, verbose=0)

spelled = one_to_many.predict(x_test.reshape(-1, 64), verbose=0).argmax(-1)  # (n, T_SPELL)
words = [unspell(s) for s in spelled]
acc_spell = np.mean([w == NAMES[y] for w, y in zip(words, y_test)])
print("input", one_to_many.input_shape, "-> output", one_to_many.output_shape)
print(f"whole name spelled right on {acc_spell:.1%} of test images; e.g.", words[:6])
assert one_to_many.output_shape == (None, T_SPELL, len(SPELL_VOCAB)), f"one-to-many emits a letter distribution per step: got {one_to_many.output_shape}"
assert acc_spell > 0.85, f"the one-to-many model should spell the whole name on more than 85% of test images: got {acc_spell:.1%}"

# %% [markdown]
# A third design needs no input at all after the image: the image becomes the GRU's
# **initial state** `h0` (through a `Dense` layer with `tanh`, the range of a GRU state)
# and every input step is a zero vector. The sequence then unfolds from the state alone,
# the way an RNN can generate from a single seed.

# %%
keras.utils.set_random_seed(SEED)  # the weights below start from the lesson's seed
image = keras.Input((64,), name="image")                                  # (batch, 64)
zero_steps = keras.Input((T_SPELL, 1), name="zeros")                      # (batch, time, 1), all zeros
h0 = keras.layers.Dense(64, activation="tanh")(image)                     # (batch, 64): the initial state
states = keras.layers.GRU(64, return_sequences=True)(zero_steps, initial_state=h0)  # (batch, time, 64)
letters = keras.layers.Dense(len(SPELL_VOCAB), activation="softmax")(states)         # (batch, time, vocab)
from_state = keras.Model([image, zero_steps], letters, name="one_to_many_from_state")
from_state.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
fitting.build_optimizer(from_state)
from_state.fit([x_train.reshape(-1, 64), np.zeros((len(x_train), T_SPELL, 1))], spell_train,
               epochs=40, batch_size=64, verbose=0)
spelled_h0 = from_state.predict([x_test.reshape(-1, 64), np.zeros((len(x_test), T_SPELL, 1))], verbose=0).argmax(-1)
acc_h0 = np.mean([unspell(s) == NAMES[y] for s, y in zip(spelled_h0, y_test)])
print(f"image as the initial state, zeros as inputs: whole name right on {acc_h0:.1%} of test images "
      f"(image at every step: {acc_spell:.1%})")
assert acc_h0 > 0.85, f"from the initial state alone the GRU should still spell over 85% of the names: got {acc_h0:.1%}"

# %% [markdown]
# ## 4. Variable lengths: padding
#
# Real sequences differ in length — sentences, recordings, sensor logs. A batch must be
# a rectangle, so shorter sequences are **padded**, here with zeros at the end
# (`keras.utils.pad_sequences`). The next two tasks use the same data: random numbers in
# [-1, 1] of length 5 to 30.
#
# * **many-to-one** — is the sum of the whole sequence positive? One label per sequence.
# * **many-to-many (aligned)** — at every step, is the running sum so far positive? One
#   label per step, aligned with the input.
#
# Neither can be solved by looking at one step: the network must accumulate.

# %%
def make_sums(n: int, min_len: int = 5, max_len: int = 30, pad_to: int = 30, padding: str = "post"):
    lengths = rng.integers(min_len, max_len + 1, size=n)
    seqs = [rng.uniform(-1, 1, size=L).astype("float32") for L in lengths]
    x = keras.utils.pad_sequences(seqs, maxlen=pad_to, dtype="float32", padding=padding)[..., None]
    running = np.cumsum(x[..., 0], axis=1)  # (n, time); padding adds 0, so it does not move
    y_last = np.array([s.sum() > 0 for s in seqs], dtype="float32")  # (n,)
    y_steps = (running > 0).astype("float32")  # (n, time)
    mask = np.arange(pad_to)[None, :] < lengths[:, None]  # (n, time): True on real steps
    return x, y_last, y_steps, mask, lengths


xs_train, ylast_train, ysteps_train, mask_train, _ = make_sums(4000)
xs_test, ylast_test, ysteps_test, mask_test, len_test = make_sums(1000)
print("x:", xs_train.shape, "(batch, time, features)   lengths 5..30, zero-padded at the end")

# %% [markdown]
# ## 5. Many-to-one: one label for a whole sequence
#
# `Masking(mask_value=0.0)` marks the steps whose features are all zero as padding; the
# GRU then skips them (its state is carried over unchanged), so the "last" state is the
# state after the last **real** step.

# %%
many_to_one = keras.Sequential(
    [
        keras.Input((None, 1)),                   # (batch, time, 1); any length
        keras.layers.Masking(mask_value=0.0),
        keras.layers.GRU(16),                     # (batch, 16): the last real state
        keras.layers.Dense(1, activation="sigmoid"),
    ],
    name="many_to_one",
)
many_to_one.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy", metrics=["accuracy"])
fitting.build_optimizer(many_to_one)
many_to_one.fit(xs_train, ylast_train, epochs=6, batch_size=128, verbose=0)
_, acc_m2o = many_to_one.evaluate(xs_test, ylast_test, verbose=0)
print("input", many_to_one.input_shape, "-> output", many_to_one.output_shape, f"  test accuracy {acc_m2o:.3f}")
assert many_to_one.output_shape == (None, 1), f"many-to-one gives one output per sequence: got shape {many_to_one.output_shape}"
assert acc_m2o > 0.9, f"the masked GRU should tell whether the whole sum is positive (accuracy > 0.9): got {acc_m2o:.3f}"

# %% [markdown]
# **Where does the state start?** Every model so far began from `h0 = 0`, the usual
# choice. The initial state can also be a parameter: one vector, the same for every
# sequence, trained with the rest (the loss's gradient reaches `h0` like any weight's;
# lesson 02 computes it as `dh0`). The same many-to-one model with a learned `h0`:

# %%
class LearnedInitialState(keras.layers.Layer):
    """A trainable h0 shared by all sequences: x (batch, time, features) -> (batch, units)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.h0 = self.add_weight(shape=(1, self.units), initializer="zeros", name="h0")  # starts at 0

    def call(self, x):
        return keras.ops.zeros_like(x[:, 0, :1]) + self.h0  # (batch, 1) + (1, units) -> (batch, units)


keras.utils.set_random_seed(SEED)
sums = keras.Input((None, 1))                                              # (batch, time, 1)
last = keras.layers.GRU(16)(keras.layers.Masking(mask_value=0.0)(sums),
                            initial_state=LearnedInitialState(16, name="learned_h0")(sums))  # (batch, 16)
learned_start = keras.Model(sums, keras.layers.Dense(1, activation="sigmoid")(last), name="many_to_one_learned_h0")
learned_start.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy", metrics=["accuracy"])
fitting.build_optimizer(learned_start)
learned_start.fit(xs_train, ylast_train, epochs=6, batch_size=128, verbose=0)
_, acc_learned_h0 = learned_start.evaluate(xs_test, ylast_test, verbose=0)
h0_norm = float(np.linalg.norm(learned_start.get_layer("learned_h0").h0.numpy()))
print(f"learned h0: ‖h0‖ = {h0_norm:.2f} after training (it started at 0), test accuracy {acc_learned_h0:.3f} "
      f"against {acc_m2o:.3f} from h0 = 0")
assert h0_norm > 0.05, f"training moves the learned h0 away from its start at 0: ‖h0‖ = {h0_norm:.3f}"
assert abs(acc_learned_h0 - acc_m2o) < 0.03, (
    f"here a learned h0 and h0 = 0 do equally well (within 0.03): {acc_learned_h0:.3f} vs {acc_m2o:.3f}")

# %% [markdown]
# The vector moved, so the gradient did reach it, but the accuracy stayed within the 0.03
# the assert allows. Zeros remain the default; a learned start is one more thing to try
# where outputs depend on the first steps, for example a language model whose state is
# reset at every chunk (lesson 03).

# %% [markdown]
# ## 6. Many-to-many, aligned: one label per step
#
# The same recurrent layer with `return_sequences=True` emits a state at every step, and
# a `Dense` layer is applied to each of them. Accuracy is measured on real steps only.

# %%
many_to_many = keras.Sequential(
    [
        keras.Input((None, 1)),
        keras.layers.Masking(mask_value=0.0),
        keras.layers.GRU(16, return_sequences=True),   # (batch, time, 16)
        keras.layers.Dense(1, activation="sigmoid"),   # (batch, time, 1): Dense acts per step
    ],
    name="many_to_many",
)
many_to_many.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
fitting.build_optimizer(many_to_many)
many_to_many.fit(xs_train, ysteps_train[..., None], epochs=6, batch_size=128, verbose=0)

p_steps = many_to_many.predict(xs_test, verbose=0)[..., 0]  # (n, time)
acc_m2m = np.mean((p_steps > 0.5)[mask_test] == ysteps_test[mask_test].astype(bool))
print("input", many_to_many.input_shape, "-> output", many_to_many.output_shape,
      f"  per-step accuracy on real steps {acc_m2m:.3f}")
assert many_to_many.output_shape == (None, None, 1), (
    f"aligned many-to-many gives one output per step: got shape {many_to_many.output_shape}"
)
assert acc_m2m > 0.9, f"the GRU should track the sign of the running sum (per-step accuracy > 0.9): got {acc_m2m:.3f}"

# %%
n = int(np.argmax(len_test > 20))
fig, ax = plt.subplots(figsize=(7, 2.6))
L = len_test[n]
ax.bar(range(L), xs_test[n, :L, 0], color="0.75", label="input x_t")
ax.plot(range(L), np.cumsum(xs_test[n, :L, 0]), "k.-", label="running sum")
ax.step(range(L), p_steps[n, :L], where="mid", color="C1", label="P(running sum > 0)")
ax.axhline(0, color="k", lw=0.5)
ax.set(xlabel="time step t", title="many-to-many (aligned): a prediction at every step")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# ### Video: one clip, a label for the clip and one per frame
#
# Section 1's video example, in miniature. `tasks.moving_dot_clips` makes clips of 10
# frames of 8×8 pixels: one dot keeps its row and moves one pixel left or right per frame,
# turning back at the edges. Each frame, flattened to 64 numbers, is one step's input
# `(batch, 10, 64)`. The same clips carry two labels: for the whole clip, whether the dot
# ends to the right of where it started (many-to-one), and for each frame, whether the dot
# moved right to get there (many-to-many, aligned). Neither can be read off one frame:
# a still image shows where the dot is, not where it is going. A third model sees each
# frame alone (a `Dense` layer applied per step, no recurrence) and tries the per-frame
# label.

# %%
from course_lib.data import tasks

FRAMES = 10
clips, ends_right, moves_right = tasks.moving_dot_clips(3000, FRAMES, seed=SEED)  # (3000, 10, 8, 8)
frames = clips.reshape(len(clips), FRAMES, -1)  # (clips, frames, 64): one flattened frame per step
train_clips, test_clips = slice(0, 2500), slice(2500, None)


def fit_video_model(hidden, labels):
    """frames (batch, 10, 64) -> hidden layers -> Dense(1): P(label = 1); trained on the first 2,500 clips."""
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input((FRAMES, 64)), hidden, keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    fitting.build_optimizer(model)
    model.fit(frames[train_clips], labels[train_clips], epochs=5, batch_size=64, verbose=0)
    return model, model.predict(frames[test_clips], verbose=0)[..., 0]  # (500,) or (500, 10)


clip_model, p_clip = fit_video_model(keras.layers.GRU(16), ends_right)
frame_model, p_frame = fit_video_model(keras.layers.GRU(16, return_sequences=True), moves_right[..., None])
still_model, p_still = fit_video_model(keras.layers.Dense(16, activation="relu"), moves_right[..., None])
acc_clip = np.mean((p_clip > 0.5) == ends_right[test_clips])
frame_right = (p_frame > 0.5) == moves_right[test_clips]  # (500, 10)
still_right = (p_still > 0.5) == moves_right[test_clips]
print(f"whole clip, many-to-one {clip_model.output_shape}: test accuracy {acc_clip:.3f}")
print(f"per frame, many-to-many {frame_model.output_shape}: frames 1-9 {frame_right[:, 1:].mean():.3f}, "
      f"frame 0 {frame_right[:, 0].mean():.3f}")
print(f"per frame, each frame alone {still_model.output_shape}: frames 1-9 {still_right[:, 1:].mean():.3f}")
assert acc_clip > 0.95 and frame_right[:, 1:].mean() > 0.95, (
    f"a GRU labels the clip and every frame after the first: clip {acc_clip:.3f}, frames {frame_right[:, 1:].mean():.3f}")
assert frame_right[:, 0].mean() < 0.7 and still_right[:, 1:].mean() < 0.7, (
    f"one frame does not show the motion: frame 0 {frame_right[:, 0].mean():.3f}, "
    f"frames seen alone {still_right[:, 1:].mean():.3f} (need < 0.7)")

# %%
fig, axes = plt.subplots(1, FRAMES, figsize=(10, 1.6))
for t, ax in enumerate(axes):
    ax.imshow(clips[2500, t], cmap="gray_r")
    ax.set_title(f"{'right' if p_frame[0, t] > 0.5 else 'left'}", fontsize=8)
    ax.axis("off")
plt.suptitle(f"a test clip; above each frame the GRU's per-frame label; whole clip: "
             f"{'ends right' if p_clip[0] > 0.5 else 'ends left'} of its start", fontsize=9)
plt.show()

# %% [markdown]
# The recurrent models label the clip and every frame but the first almost perfectly. At
# frame 0 the per-frame GRU has seen one image, and the model that sees each frame alone
# is in that position at every frame: both stay near a coin toss. One image shows where
# the dot is, not where it goes (except at the two edge columns, where it can only move
# one way). The input never changed; the label asked for decided the problem type.

# %% [markdown]
# ## 7. Masking really ignores the padding
#
# A claim worth testing rather than believing: pad the same sequence to 30 and to 60
# steps. With masking, the many-to-one model must give **the same** output. Without it,
# the extra zeros are fed through the GRU like real inputs and move the state. The
# unmasked twin below has exactly the same weights; only the `Masking` layer is gone.

# %%
x_short = xs_test[:200]  # padded to 30 steps
x_long = np.concatenate([x_short, np.zeros((200, 30, 1), "float32")], axis=1)  # 60 steps

masked_30 = many_to_one.predict(x_short, verbose=0)
masked_60 = many_to_one.predict(x_long, verbose=0)

unmasked = keras.Sequential(
    [keras.Input((None, 1)), keras.layers.GRU(16), keras.layers.Dense(1, activation="sigmoid")]
)
unmasked.set_weights(many_to_one.get_weights())
unmasked_30 = unmasked.predict(x_short, verbose=0)
unmasked_60 = unmasked.predict(x_long, verbose=0)

gap_masked = np.abs(masked_30 - masked_60).max()
gap_unmasked = np.abs(unmasked_30 - unmasked_60).max()
print(f"largest change from 30 extra padding steps: masked {gap_masked:.2e}, unmasked {gap_unmasked:.2e}")
assert gap_masked < 1e-5, f"a masked model must not see the padding: output changed by {gap_masked:.2e} (limit 1e-5)"
assert gap_unmasked > 1e-2, f"without a mask, the padding changes the prediction: changed by only {gap_unmasked:.2e} (<= 1e-2)"

# %% [markdown]
# ## 8. Many-to-many, sequence to sequence: lengths differ
#
# When the output is not aligned with the input — translation, summarisation — an
# **encoder** RNN reads the whole input into its final state, and a **decoder** RNN
# starts from that state and writes the output one token at a time. The toy task: read
# 3 to 8 digits and write the *distinct* digits in increasing order, then `<end>`:
# `7 2 7 9 2 → 2 7 9 <end>`. Input and output lengths differ and vary.
#
# While training, the decoder is fed the true previous token (*teacher forcing*); at test
# time it is fed its own previous prediction. Lesson 07 treats all of this properly;
# here it is just the shape of the model.

# %%
PAD, START, END = 10, 11, 12  # digits are tokens 0..9
T_IN, T_OUT = 8, 11  # at most 8 input digits; at most 10 distinct digits + <end>


def make_distinct(n: int):
    lengths = rng.integers(3, T_IN + 1, size=n)
    src = np.full((n, T_IN), PAD)
    tgt = np.full((n, T_OUT), PAD)
    for i, L in enumerate(lengths):
        digits = rng.integers(0, 10, size=L)
        src[i, :L] = digits
        out = sorted(set(digits.tolist())) + [END]
        tgt[i, : len(out)] = out
    dec_in = np.concatenate([np.full((n, 1), START), tgt[:, :-1]], axis=1)  # shifted right
    return src, dec_in, tgt


src_train, dec_train, tgt_train = make_distinct(6000)
src_test, _, tgt_test = make_distinct(500)

enc_tokens = keras.Input((T_IN,), dtype="int32", name="source")
dec_tokens = keras.Input((None,), dtype="int32", name="previous_target")
enc_embed = keras.layers.Embedding(13, 16)
dec_embed = keras.layers.Embedding(13, 16)
_, enc_state = keras.layers.GRU(64, return_state=True)(enc_embed(enc_tokens))  # (batch, 64)
decoder_gru = keras.layers.GRU(64, return_sequences=True, return_state=True)
dec_seq, _ = decoder_gru(dec_embed(dec_tokens), initial_state=enc_state)  # (batch, time_out, 64)
readout = keras.layers.Dense(13, activation="softmax")
seq2seq = keras.Model([enc_tokens, dec_tokens], readout(dec_seq), name="seq2seq")
seq2seq.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
fitting.build_optimizer(seq2seq)
seq2seq.fit([src_train, dec_train], tgt_train, epochs=8, batch_size=128, verbose=0)
print("inputs", [tuple(i.shape) for i in seq2seq.inputs], "-> output", seq2seq.output.shape)

# %% [markdown]
# The inference loop feeds the decoder one token at a time, starting from `<start>` and
# the encoder's state, and stops at `<end>`:

# %%
encoder = keras.Model(enc_tokens, enc_state)
prev_token = keras.Input((1,), dtype="int32")
state_in = keras.Input((64,))
step_seq, step_state = decoder_gru(dec_embed(prev_token), initial_state=state_in)
decoder_step = keras.Model([prev_token, state_in], [readout(step_seq)[:, 0], step_state])


def translate_distinct(src):
    state = encoder.predict(src, verbose=0)
    token = np.full((len(src), 1), START)
    out = np.full((len(src), T_OUT), PAD)
    for t in range(T_OUT):
        probs, state = decoder_step.predict([token, state], verbose=0)
        token = probs.argmax(-1)[:, None]
        out[:, t] = token[:, 0]
    return out


def until_end(ids):
    ids = list(ids)
    return ids[: ids.index(END)] if END in ids else ids


pred = translate_distinct(src_test)
exact = np.mean([until_end(p) == until_end(t) for p, t in zip(pred, tgt_test)])
for s, p in zip(src_test[:4], pred[:4]):
    print(" ".join(str(d) for d in s if d != PAD), "->", " ".join(map(str, until_end(p))))
print(f"exact match on held-out inputs: {exact:.1%}")
assert seq2seq.output.shape[-1] == 13, (
    f"the decoder outputs a distribution over 13 tokens per step: got shape {seq2seq.output.shape}"
)
assert exact > 0.8, (
    f"the encoder-decoder should write the sorted distinct digits exactly on more than 80% of inputs: got {exact:.1%}"
)

# %% [markdown]
# ## Summary
#
# | type | Keras pattern | shapes seen here |
# |---|---|---|
# | one-to-one | `Dense` stack | `(batch, 64) → (batch, 10)` |
# | one-to-many | vector → `RepeatVector` → RNN(`return_sequences=True`) | `(batch, 64) → (batch, 6, vocab)` |
# | many-to-one | RNN → last state → `Dense` | `(batch, time, 1) → (batch, 1)` |
# | many-to-many aligned | RNN(`return_sequences=True`) → `Dense` per step | `(batch, time, 1) → (batch, time, 1)` |
# | seq2seq | encoder RNN state → decoder RNN | `(batch, 8) + (batch, time_out) → (batch, time_out, vocab)` |
#
# - The task's output decides the type, not the input: the same video clips were
#   many-to-one (a label per clip) and many-to-many aligned (a label per frame), and a
#   model that sees one frame at a time cannot tell the motion.
# - A one-to-many model can take its input as the initial state and then run on zero
#   inputs; the state can also start from a learned vector instead of zeros, which on the
#   sums task stayed within the assert's 0.03 of the accuracy from zeros.
# - Variable-length data is padded into a rectangle; a mask tells recurrent layers which
#   steps are real. We checked it: 30 extra padding steps changed the masked model's output
#   by less than 1e-5 and the unmasked twin's by far more.
# - Training a decoder uses teacher forcing; generating with it needs a separate loop that
#   feeds back its own predictions.
#
# ## Exercises
#
# **Checked exercises:** [exercises/01_sequence_tasks.ipynb](../exercises/01_sequence_tasks.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/01_sequence_tasks.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/01_sequence_tasks.ipynb](../exercises/solutions/01_sequence_tasks.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Pad at the front (`make_sums(..., padding="pre")`) and retrain the many-to-one model
#    without `Masking`; compare with post-padding without `Masking` and with the masked
#    model. Why can an RNN *trained* on padded data learn to ignore the padding, and why
#    is pre-padding still the safer default when it cannot (for example a model that never
#    saw padding during training, like section 7's unmasked twin)?
# 2. Give the one-to-many model the image as its *first input only* (the image's vector at
#    step 1, zeros after) and a zero initial state. Does it still spell? Lesson 09's decoder
#    feeds its image in both other ways: compare the three.
# 3. In the seq2seq task, ask for the digits in the order they first appear instead of
#    sorted. Is it harder? Why would attention (lesson 08) help?
# 4. Replace `GRU` by `SimpleRNN` in the many-to-one model and let the sequences be up to
#    200 steps long (`make_sums(n, max_len=200, pad_to=200)`). What happens to the
#    accuracy, and to the GRU's? (Lesson 04 explains it.)
