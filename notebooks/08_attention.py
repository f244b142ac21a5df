# %% [markdown]
# # 08 · Attention: a new context vector at every step
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/08_attention.ipynb)
#
# **Goals.** Write Bahdanau (additive) attention from its equations and check it against
# Keras' `AdditiveAttention`; give lesson 07's date translator an attention decoder; look
# at the attention weights as heatmaps and score them against the true word alignment;
# show that attention removes the fixed-vector bottleneck (quality no longer falls with
# the input's length); save the trained translator as a `.keras` file and use it again.
#
# **Covers:** attention in sequence-to-sequence models (Bahdanau et al., 2014), alignment
# heatmaps, why a single context vector limits long inputs, and the Keras layer that
# implements the same score.

# %% tags=["parameters"]
SCALE = "lesson"  # "lesson": small, offline, about a minute on a CPU. "full": real datasets, use a GPU.
SEED = 0
ANKI_PATH = None  # full scale: a spa-eng.zip / spa.txt you downloaded; None downloads TensorFlow's copy
ANKI_SHA256 = None  # optional: the SHA-256 of your copy, checked on every run

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

info = setup_notebook(seed=SEED, scale=SCALE)
SCALE = info.scale
print(info)

if SCALE == "full":  # find (or download) the Anki file now, before anything trains
    import os

    from course_lib.data import anki

    anki_file = anki.locate_anki(ANKI_PATH or os.environ.get("ANKI_PATH"))
    print("Anki sentence pairs:", anki_file)

# %% [markdown]
# ## 1. The same task as lesson 07
#
# Dates in Korean, French, German, Spanish, Japanese and English, to be written in
# English; one to three dates per input. Because each source and its target are written
# from the same dates, we also know the **true alignment**: which source token each
# English token translates (`March` ← `3월`, `2021` ← `2021년`). English commas have no
# counterpart and are not scored. `dates.load_task` gives exactly lesson 07's pairs and
# vocabularies for the same seed.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib.data import dates

task = dates.load_task(SCALE, seed=SEED)  # "full": more pairs, up to 5 dates, with weekdays
train, test, MAX_DATES = task.train, task.test, task.max_dates
src_vocab, tgt_vocab = task.source_vocab, task.target_vocab
train_arrays, test_arrays = task.train_arrays, task.test_arrays
k = int(np.flatnonzero(test.lang == "ko")[0])
print(test.source_tokens[k], "->", test.target_tokens[k])
print("true alignment (source index of each English token, -1 = none):", test.alignment[k].tolist())

# %% [markdown]
# ## 2. Bahdanau attention from its equations
#
# The decoder's previous state `s` (the **query**) scores every encoder state `h_i`
# (the **values**) with a one-hidden-layer network, the scores become weights by a
# softmax over the source positions, and the context is the weighted average:
#
# $$e_i = v^\top \tanh(W s + U h_i), \qquad \alpha_i = \frac{\exp e_i}{\sum_j \exp e_j}, \qquad c = \sum_i \alpha_i h_i .$$
#
# Padded source positions are not words: they get a score of −∞ before the softmax, so
# their weight is exactly 0. First in NumPy, for a batch of random queries and values
# and random parameters `W`, `U`, `v`:

# %%
rng = np.random.default_rng(SEED)
batch, S, Dq, Dv, A = 3, 6, 5, 4, 8
query = rng.normal(size=(batch, Dq)).astype("float32")  # s: one query per example
values = rng.normal(size=(batch, S, Dv)).astype("float32")  # h_1..h_S
mask = np.arange(S)[None, :] < np.array([[6], [4], [2]])  # 6, 4 and 2 real positions
W = rng.normal(size=(Dq, A)).astype("float32") / np.sqrt(Dq)
U = rng.normal(size=(Dv, A)).astype("float32") / np.sqrt(Dv)
v = rng.normal(size=A).astype("float32") / np.sqrt(A)

e = np.tanh((query @ W)[:, None, :] + values @ U) @ v  # (batch, S) scores e_i
e = np.where(mask, e, -np.inf)  # padding: -inf, so exp(e) = 0
alpha = np.exp(e - e.max(axis=1, keepdims=True))
alpha /= alpha.sum(axis=1, keepdims=True)  # (batch, S) weights
c = np.einsum("bs,bsd->bd", alpha, values)  # (batch, Dv) contexts
print("weights:\n", np.round(alpha, 3))
print("sum over positions:", alpha.sum(axis=1))
assert np.allclose(alpha.sum(axis=1), 1.0, atol=1e-6), f"weights sum to 1: got sums {alpha.sum(axis=1)}"
assert np.all(alpha[~mask] == 0.0), (
    f"padded positions get exactly 0: got weights {alpha[~mask]} at padding")

# %% [markdown]
# `course_lib.attention.BahdanauAttention` is the same computation as a Keras layer (its
# weights are `W`, `U`, `v`). Given our parameters, it must give the same weights and
# contexts, with exact zeros at padding:

# %%
from course_lib.attention import BahdanauAttention

layer = BahdanauAttention(A)
layer(query, values)  # builds the weights
layer.set_weights([W, U, v])
context, weights = (np.asarray(a) for a in layer(query, values, values_mask=mask))
print(f"largest difference from the NumPy weights: {np.abs(weights - alpha).max():.1e}, "
      f"contexts: {np.abs(context - c).max():.1e}")
assert np.allclose(weights, alpha, atol=1e-6) and np.allclose(context, c, atol=1e-5), (
    f"layer = equations: weights differ by {np.abs(weights - alpha).max():.1e} (atol 1e-6), "
    f"contexts by {np.abs(context - c).max():.1e} (atol 1e-5)")
assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6) and np.all(weights[~mask] == 0.0), (
    f"the layer's weights sum to 1, with exact zeros at padding: got sums {weights.sum(axis=1)}, "
    f"weights {weights[~mask]} at padding")

# %% [markdown]
# **The Keras layer.** `keras.layers.AdditiveAttention` computes
# `sum(scale * tanh(query + key))`: the same score without the two projections. With
# `W = U = I` (so the query and the values must have the same size) and `v = scale` the
# two layers agree exactly, padding mask included.

# %%
dim = 6
queries = rng.normal(size=(batch, 3, dim)).astype("float32")  # 3 queries per example
vals = rng.normal(size=(batch, S, dim)).astype("float32")
keras_att = keras.layers.AdditiveAttention(use_scale=True)
k_context, k_weights = keras_att([queries, vals], mask=[None, mask], return_attention_scores=True)
ours = BahdanauAttention(dim)
ours(queries, vals)
ours.set_weights([np.eye(dim), np.eye(dim), np.asarray(keras_att.scale)])
o_context, o_weights = ours(queries, vals, values_mask=mask)
gap = max(np.abs(np.asarray(k_context) - np.asarray(o_context)).max(), np.abs(np.asarray(k_weights) - np.asarray(o_weights)).max())
print(f"largest difference from keras.layers.AdditiveAttention: {gap:.2e}")
assert gap < 1e-5, (
    "with W = U = I and v = scale our layer agrees with keras.layers.AdditiveAttention: "
    f"largest difference {gap:.2e} (should be < 1e-5)")

# %% [markdown]
# ## 3. The attention decoder
#
# The decoder of lesson 07 read one fixed context `c` at every step. The attention
# decoder computes a new one, `c_t`, from its previous state `s_{t-1}` and *all* the
# encoder states, then reads `[embedding of y_{t-1}, c_t]`. The loop over target steps
# runs inside the layer (`keras.ops.scan`), so the training model still takes the whole
# teacher-forced target at once. One step of it, drawn with the symbols of section 2:

# %%
from course_lib import diagrams, seq2seq, show, translation

diagrams.attention_step_diagram()
plt.show()

# %% [markdown]
# We train it, and lesson 07's plain encoder–decoder again, with lesson 07's settings
# (`seq2seq.SETTINGS`: the same sizes, seed, optimizer, batch size and training pairs,
# through the same `build_seq2seq` and `fit_seq2seq`). The plain model gets all of lesson
# 07's epochs, so it is lesson 07's model; the attention model gets only a third of them.

# %%
settings = seq2seq.SETTINGS[SCALE]
EPOCHS_ATTENTION = max(1, settings.epochs // 3)
print(settings)


def train_model(attention, epochs):
    parts = seq2seq.build_seq2seq(len(src_vocab), len(tgt_vocab), embed_dim=settings.embed_dim, units=settings.units,
                                  attention=attention, seed=SEED,
                                  source_len=train_arrays["source"].shape[1],
                                  target_len=train_arrays["target_in"].shape[1])
    start = time.time()
    losses = seq2seq.fit_seq2seq(parts["model"], train_arrays, settings, epochs=epochs)
    print(f"{'attention' if attention else 'plain'}: {epochs} epochs in {time.time() - start:.0f} s, "
          f"loss per epoch {np.round(losses, 3)}")
    return parts, losses


att, att_loss = train_model(True, EPOCHS_ATTENTION)
plain, plain_loss = train_model(False, settings.epochs)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, settings.epochs + 1), plain_loss, "o-", label="plain encoder–decoder")
ax.plot(range(1, EPOCHS_ATTENTION + 1), att_loss, "s-", label="with attention")
ax.set(xlabel="epoch", ylabel="masked cross-entropy", yscale="log", title="training loss")
ax.legend()
plt.show()
assert EPOCHS_ATTENTION < settings.epochs, (
    f"the attention model trains for fewer epochs than the plain one: {EPOCHS_ATTENTION} vs {settings.epochs}")
assert att_loss[-1] < 0.5 * plain_loss[-1], (
    f"attention reaches a far lower loss in fewer epochs: {att_loss[-1]:.3f} after {EPOCHS_ATTENTION} epochs, "
    f"not below half the plain model's {plain_loss[-1]:.3f} after {settings.epochs}")

# %% [markdown]
# **One step by hand.** The layer runs its step inside `ops.scan` (shown below). Here is the first
# decoding step of one test source computed in NumPy from the trained weights: the
# attention of section 2 over the encoder states `h_i` (query: the encoder's final state
# `s_0`), the context `c_1`, then the GRU step of lesson 05 § 4 on the input
# `x = [embedding of <start>, c_1]`: gates `z` and `r`, candidate `s̃ = tanh(x W_h + b_h +
# r ⊙ (s_0 U_h + b'_h))` (Keras' `reset_after=True`; these `W_h`, `U_h` are the GRU's own
# weights, not section 2's attention matrices) and `s_1 = z ⊙ s_0 + (1 − z) ⊙ s̃`; then the
# output layer on `[s_1, c_1]`. The decoder's own `step`, which calls the layer, must agree.

# %%
from scipy.special import expit as sigmoid
from scipy.special import softmax

# k: section 1's Korean example. h_i (1, S, units), s_0 (1, units), src_mask (1, S)
h_i, s_0, src_mask = translation.encode(att["encoder"], test_arrays["source"][k : k + 1])
decoder = att["decoder"]
W_att, U_att, v_att = decoder.attention.get_weights()
e_1 = np.tanh((s_0 @ W_att)[:, None, :] + h_i @ U_att) @ v_att  # (1, S) scores, as e in section 2
alpha_1 = softmax(np.where(src_mask, e_1, -np.inf), axis=-1)  # (1, S)
c_1 = np.einsum("bs,bsd->bd", alpha_1, h_i)  # (1, units)
x_1 = np.concatenate([decoder.embedding.get_weights()[0][[tgt_vocab.START_ID]], c_1], axis=-1)
kernel, recurrent_kernel, bias = decoder.cell.get_weights()  # z, r, s̃ side by side; bias rows: b, b'
xz, xr, xs = np.split(x_1 @ kernel + bias[0], 3, axis=-1)
hz, hr, hs = np.split(s_0 @ recurrent_kernel + bias[1], 3, axis=-1)
z, r = sigmoid(xz + hz), sigmoid(xr + hr)
s_1 = z * s_0 + (1 - z) * np.tanh(xs + r * hs)
W_out, b_out = decoder.out.get_weights()
logits_1 = np.concatenate([s_1, c_1], axis=-1) @ W_out + b_out  # (1, V)
step_logits, step_state, step_weights = (keras.ops.convert_to_numpy(a) for a in decoder.step(
    np.array([tgt_vocab.START_ID]), s_0, (h_i, src_mask)))
gap = max(np.abs(logits_1 - step_logits).max(), np.abs(s_1 - step_state).max(), np.abs(alpha_1 - step_weights).max())
print("source:", test.source_tokens[k])
print("attention of the first step:", np.round(alpha_1[0, : len(test.source_tokens[k])], 3))
print(f"first word: {tgt_vocab.tokens[int(logits_1.argmax())]!r}; "
      f"NumPy against decoder.step: largest difference {gap:.1e}")
assert gap < 1e-4, f"the NumPy step computes what the layer computes: largest difference {gap:.1e} (should be < 1e-4)"

# %% [markdown]
# The layer's `call` runs that step for every target position: `ops.scan` carries the
# state `s` from one step to the next and stacks each step's state, context and weights.
# The carry also holds the last context and weights only because `scan` returns what it
# carries; the step reads nothing but `s` from it.

# %%
show.show(seq2seq.AttentionDecoder.call)  # without the argument checks

# %% [markdown]
# ## 4. What the decoder looks at
#
# Each row of a heatmap is one English output token; its cells are the attention weights
# over the source tokens while that token was produced (teacher-forced: the decoder read
# the true previous tokens). Red squares mark the true alignment. Korean and Japanese
# tokens appear in their own script (`setup_notebook` gives the figures a font with
# Hangul and kanji). The weights come from the second model `seq2seq.build_seq2seq` returns
# when `attention=True`: `att["attention_model"]` shares every layer with the trained
# `att["model"]` and takes the same inputs (source and teacher-forced target), but outputs
# the attention weights of every decoder step, `(batch, T, S)`, instead of the logits.

# %%
from course_lib import metrics, plots

att_weights = np.asarray(att["attention_model"].predict([test_arrays["source"], test_arrays["target_in"]], verbose=0))
picks = [int(np.flatnonzero((test.lang == lang) & (test.n_dates == n))[0]) for lang, n in
         (("ko", 1), ("ja", 1), ("de", 1), ("es", 2))]
fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), gridspec_kw={"width_ratios": [1, 1, 1, 2.2]})
for ax, i in zip(axes, picks):
    src, tgt = test.source_tokens[i], test.target_tokens[i] + ["<end>"]
    plots.plot_attention_heatmap(att_weights[i, : len(tgt), : len(src)], src, tgt, ax,
                           true_alignment=test_arrays["alignment"][i, : len(tgt)], title=test.lang[i])
fig.tight_layout()
plt.show()

# %% [markdown]
# The red squares show the reordering the model has to learn: for Korean and Japanese the
# first English token (the month) comes from the second source token and the year from
# the first; for German and Spanish the day and the month swap places. The dark cells
# mostly sit on the red squares. Over the whole test set, score the **alignment
# accuracy** — the share of English tokens whose most-attended source token is the true
# one. For comparison, a monotone "diagonal" alignment (target position t looks at source
# position t·S/T) is what a model that does not reorder would do.

# %%
aligned = metrics.alignment_accuracy(att_weights, test_arrays["alignment"])
per_lang = {lang: metrics.alignment_accuracy(att_weights[test.lang == lang],
                                             test_arrays["alignment"][test.lang == lang])
            for lang in dates.LANGUAGES}
src_len = (test_arrays["source"] != src_vocab.PAD_ID).sum(1)
tgt_len = (test_arrays["target_out"] != tgt_vocab.PAD_ID).sum(1)
t_idx = np.arange(test_arrays["target_out"].shape[1])[None, :]
diagonal = np.minimum((t_idx * src_len[:, None]) // tgt_len[:, None], src_len[:, None] - 1)
diag_w = np.eye(test_arrays["source"].shape[1])[diagonal]  # one-hot "weights" of the diagonal guess
diagonal_acc = metrics.alignment_accuracy(diag_w, test_arrays["alignment"])
print(f"alignment accuracy: {aligned:.3f} (diagonal baseline {diagonal_acc:.3f})")
print("per language:", {lang: round(a, 3) for lang, a in per_lang.items()})
assert aligned >= 0.8, (
    f"attention finds the true source token for most English tokens: alignment accuracy {aligned:.3f} (< 0.8)")
assert min(per_lang.values()) >= 0.7, (
    f"in every language: alignment accuracy {min(per_lang.values()):.3f} "
    f"for {min(per_lang, key=per_lang.get)!r} (< 0.7)")
assert aligned >= diagonal_acc + 0.4, (
    f"far better than not reordering: alignment accuracy {aligned:.3f}, "
    f"diagonal baseline {diagonal_acc:.3f} (should be at least 0.4 higher)")

# %% [markdown]
# **One word, several source words.** Most English tokens have one counterpart, and their
# row of weights is one dark cell. The English comma has none: no source language
# writes it after the day. Where does its attention go? Compare, over the test set, how
# much weight the most-attended source token gets, and how many source tokens get at
# least 0.1 of the weight, for commas and for tokens with a counterpart.

# %%
real_out = test_arrays["target_out"] != tgt_vocab.PAD_ID  # (N, T) English tokens, <end> included
is_comma = real_out & (test_arrays["target_out"] == tgt_vocab.token_ids([","])[0])
is_comma &= test_arrays["alignment"] < 0  # commas without a counterpart (at full scale a weekday's may have one)
has_source = real_out & (test_arrays["alignment"] >= 0)
top_weight = att_weights.max(axis=-1)  # (N, T)
spread = (att_weights >= 0.1).sum(axis=-1)  # (N, T) source tokens with at least 0.1 of the weight
for name, where in (("comma", is_comma), ("aligned token", has_source)):
    print(f"{name:>13}: top source token gets {top_weight[where].mean():.2f} of the weight on average; "
          f"{np.mean(spread[where] >= 2):.0%} attend to two or more source tokens (>= 0.1 each)")
assert top_weight[is_comma].mean() < top_weight[has_source].mean() - 0.2, (
    f"a token without a counterpart spreads its attention: top weight {top_weight[is_comma].mean():.2f} for commas "
    f"vs {top_weight[has_source].mean():.2f} for aligned tokens (should be at least 0.2 lower)")
rows, cols = np.nonzero(is_comma)  # each sits between two English tokens (here the day and the year)
on_neighbours = np.zeros(len(rows))
for side in (cols - 1, cols + 1):  # the source token each neighbour translates, if it has one
    source_of = test_arrays["alignment"][rows, side]
    on_neighbours += np.where(source_of >= 0, att_weights[rows, cols, np.maximum(source_of, 0)], 0.0)
print(f"a comma's weight on the source tokens its two English neighbours translate: "
      f"{on_neighbours.mean():.2f} on average")
assert 0.3 < on_neighbours.mean() < 0.7, (
    f"about half of a comma's weight goes to its neighbours' source tokens: {on_neighbours.mean():.2f} "
    f"(expected between 0.3 and 0.7)")
assert np.mean(spread[is_comma] >= 2) > np.mean(spread[has_source] >= 2) + 0.4, (
    f"most commas attend to several source tokens, most aligned tokens to one: {np.mean(spread[is_comma] >= 2):.0%} "
    f"of commas vs {np.mean(spread[has_source] >= 2):.0%} of aligned tokens (should be over 40 points more)")

# %% [markdown]
# So one output word *can* read several source words at once: the softmax does not have
# to pick one. A token with a counterpart puts almost all its weight on it; the comma,
# which has none, splits its weight between source tokens, about half of it (at this
# scale) on the day before it and the year after it. What it reads barely matters
# for the comma itself — it always follows the day — but the same mechanism lets a
# translator read a two-word phrase for one output word, which dates seldom need.

# %% [markdown]
# ## 5. Quality against length: the bottleneck is gone
#
# Decode the test set greedily with both models and score exact match by the number of
# dates in the input, as in Bahdanau et al. (2014, Fig. 2): the plain encoder–decoder
# (their *RNNencdec*) gets worse as inputs get longer, the attention model (*RNNsearch*)
# does not. (`translation.greedy_translate` is lesson 07's `decoding.generate`, greedy;
# `metrics.score_by_group` scores each number of dates separately.)

# %%

max_len = test_arrays["target_out"].shape[1]
scores = {}
for name, parts in (("plain encoder–decoder", plain), ("with attention", att)):
    ids, _ = translation.greedy_translate(parts["encoder"], parts["decoder"], test_arrays["source"], max_len)
    pred = tgt_vocab.decode(ids)
    counts, scores[name] = metrics.score_by_group(metrics.exact_match, pred, test.target_tokens, test.n_dates)
    tokens = metrics.token_accuracy(pred, test.target_tokens)
    print(f"{name:>22}: exact match by number of dates {np.round(scores[name], 3)}, token accuracy {tokens:.3f}")

fig, ax = plt.subplots(figsize=(5.5, 3.2))
for (name, em), marker in zip(scores.items(), "os"):
    ax.plot(counts, em, marker + "-", label=name)
ax.set(xlabel="dates in the input", ylabel="exact match", xticks=counts, ylim=(-0.02, 1.02),
       title="translation quality against input length")
ax.legend(loc="lower left")
plt.show()
att_em, plain_em = scores["with attention"], scores["plain encoder–decoder"]
assert att_em[-1] >= 0.9, (
    f"attention translates even the longest inputs: exact match {att_em[-1]:.3f} with {counts[-1]} dates (< 0.9)")
assert att_em[-1] >= plain_em[-1] + 0.5, (
    f"clearly above the plain model on the longest inputs: exact match {att_em[-1]:.3f} "
    f"vs plain {plain_em[-1]:.3f} (should be at least 0.5 higher)")
assert att_em[-1] >= att_em[0] - 0.1, (
    f"and hardly degrades with length: exact match {att_em[0]:.3f} with {counts[0]} date(s), "
    f"{att_em[-1]:.3f} with {counts[-1]} (should drop by at most 0.1)")

# %% [markdown]
# ## 6. Save the translator, load it, translate a string
#
# `translation.Translator` wraps the vocabularies (as `StringLookup` layers), the encoder
# and the attention decoder in one Keras model whose call is the greedy loop: string
# tokens in, string tokens out. It saves as a single `.keras` file; loading it with
# `safe_mode=True` (the default) rebuilds it from its config — no Python code is
# unpickled, which is why every course_lib layer is registered as serializable.

# %%
import datetime
import tempfile
from pathlib import Path

translator = translation.Translator(att["encoder"], att["decoder"], src_vocab.tokens, tgt_vocab.tokens, max_len=max_len)
sample = [test.source_tokens[i] for i in range(50)]
before = translator.translate(sample)  # the first call also builds the model
path = Path(tempfile.mkdtemp()) / "date_translator.keras"
translator.save(path)
reloaded = keras.saving.load_model(path, safe_mode=True)
print(f"saved {path.name}: {path.stat().st_size / 1024:.0f} KiB")

style = dates.TASK_SIZES[SCALE]["style"]  # the date style this scale trained on
day = datetime.date(2021, 3, 3)
sentences = [dates.format_date_fields(day, lang, style)[0] for lang in ("ko", "fr", "de", "es", "ja")]
expected = dates.format_date_fields(day, "en", style)[0]
outputs = [dates.detokenize(t) for t in reloaded.translate([dates.tokenize(s) for s in sentences])]
for sentence, out in zip(sentences, outputs):
    print(f"{sentence:>22} -> {out}")
assert outputs == [expected] * len(sentences), (
    f"the reloaded translator writes {expected!r} for the date in every language: got {outputs}")
assert reloaded.translate(sample) == before, (
    "the reloaded model translates the same: "
    f"{sum(a != b for a, b in zip(reloaded.translate(sample), before))} of {len(before)} translations differ")
assert metrics.exact_match(before, test.target_tokens[:50]) >= 0.9, (
    "the saved translator gets the first 50 test inputs right: "
    f"exact match {metrics.exact_match(before, test.target_tokens[:50]):.3f} (< 0.9)")

# %% [markdown]
# ## 7. Full scale: English–Spanish sentences (Anki / Tatoeba)
#
# At `SCALE = "full"` the same models translate real Spanish sentences into English,
# scored with BLEU (sacrebleu) on a held-out split. The setup cell already found the
# file: with `ANKI_PATH = None` it downloads TensorFlow's fixed copy of `spa-eng.zip`
# (two columns, English and Spanish), which has no published checksum, so the course
# pins its size and records its SHA-256 on the first download, then checks it on every
# run. You can also download manythings.org's current file
# (https://www.manythings.org/anki/, three columns with the Tatoeba attribution) and set
# `ANKI_PATH` to it (and `ANKI_SHA256` to the checksum of your copy).
#
# The whole run is `course_lib.full_scale.anki_translation`: tokenise, build the two
# vocabularies from the training split, train the attention model resumably, reload its
# best epoch from `best.keras` (safe mode) and translate the held-out 10 %. The cell
# plots its learning curve and, as in section 4, where it looked while translating three
# long held-out sentences.

# %%
if SCALE == "full":
    from course_lib import full_scale

    # 60,000 pairs, Bahdanau attention (GRU 256), 10 epochs in a resumable run under the
    # data cache: after a disconnect, run the cell again and it continues.
    spanish = full_scale.anki_translation(anki_file, epochs=10, seed=SEED, limit=60_000, embed_dim=128,
                                          units=256, sha256=ANKI_SHA256 or os.environ.get("ANKI_SHA256"))
    plots.plot_learning_curves(spanish.history, title="Spanish -> English: loss per epoch")
    plt.show()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    longest = np.argsort([-len(s) for s in spanish.sources[:300]])[:3]  # three long held-out sentences
    for ax, i in zip(axes, longest):
        weights, source, output = full_scale.translation_attention(spanish, int(i))
        plots.plot_attention_heatmap(weights, source, output, ax)
    plt.tight_layout()
    plt.show()
    for i in longest:
        print(" ".join(spanish.sources[i]), "->", spanish.hypotheses[i], "| reference:", spanish.references[i])
    print(f"BLEU on the held-out split: {spanish.bleu:.1f}")
    assert spanish.bleu > 10, f"the attention model translates real sentences: BLEU {spanish.bleu:.1f} (should be > 10)"

# %% [markdown]
# ## Summary
#
# * Bahdanau attention scores every encoder state against the decoder's previous state
#   (`v·tanh(W s + U h_i)`), turns the scores into weights with a masked softmax (padding
#   gets exactly 0) and hands the decoder a new weighted average `c_t` at every step.
#   Keras' `AdditiveAttention` is the same score with `W = U = I`.
# * Trained on the same data, the attention model's weights line up with the true word
#   alignment — including the reorderings between languages — without ever being told it.
# * One decoder step is a few lines of NumPy (attention, context, a GRU step, the output
#   layer); the layer runs that step for every target position inside `ops.scan`.
# * A word without a counterpart (the English comma) spreads its weight over several
#   source words; a word with one looks almost only at it.
# * The fixed-vector bottleneck is gone: translation quality no longer falls with the
#   number of dates, where the plain encoder–decoder of lesson 07, trained with the same
#   settings (`seq2seq.SETTINGS`) and three times as many epochs, collapses.
# * The trained translator is one `.keras` file, loaded in safe mode and used on raw text.
#
# ## Exercises
#
# **Checked exercises:** [exercises/08_attention.ipynb](../exercises/08_attention.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/08_attention.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/08_attention.ipynb](../exercises/solutions/08_attention.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Make the encoder bidirectional (a subclass of `seq2seq.Encoder` whose GRU is wrapped
#    in `keras.layers.Bidirectional`, half the units each way, the two final states
#    concatenated). Does alignment accuracy rise or fall, and why? Where are the
#    remaining misalignments (look at the `;` between dates)?
# 2. Replace the additive score by a dot product `s·h_i` (Luong et al., 2015): a layer
#    with `BahdanauAttention`'s interface and an `AttentionDecoder` subclass that uses it.
#    What changes in accuracy, speed and the heatmaps?
# 3. Test both models on inputs with more dates than they were trained on
#    (`dates.make_date_pairs(300, n_dates=4, style="long")` and `dates.encode_pairs` with
#    the lesson's vocabularies). Which one degrades more gracefully, and what does the
#    attention model write after the third date?
# 4. Use the attention weights to copy numbers: when the model is about to output a number
#    and the most-attended source token is one, output that source number instead (a
#    greedy loop over the decoder's `start` and `step`, whose third output is each step's
#    attention; `decoding.generate(..., return_attention=True)` keeps them). Which errors
#    does that remove in a model trained for a single epoch?
# 5. With `SCALE = "full"`, plot heatmaps for Spanish sentences and find cases where one
#    English word attends to two Spanish words.
