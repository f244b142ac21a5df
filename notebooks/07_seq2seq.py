# %% [markdown]
# # 07 · Sequence to sequence: the encoder–decoder
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/07_seq2seq.ipynb)
#
# **Goals.** Translate dates written in Korean, French, German, Spanish, Japanese and
# English into English with an RNN encoder–decoder: the encoder squeezes the whole input
# into one context vector, the decoder writes the output one token at a time. Train it
# with teacher forcing and a masked loss, decode it with greedy search and beam search,
# and measure the weakness that motivates attention (lesson 08): one fixed-size vector
# for the whole input gets worse as the input gets longer. Then measure why decoders are
# trained with teacher forcing, against free running and scheduled sampling, on a
# language model.
#
# **Covers:** many-to-many sequence models with different input and output lengths,
# teacher forcing, `<start>`/`<end>` tokens and padding, greedy vs beam decoding, the
# context-vector bottleneck that Bahdanau et al. (2014) set out to remove, and teacher
# forcing against free running and scheduled sampling (Bengio et al., 2015).

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
# ## 1. The task: dates in six languages, written in English
#
# The Unicode CLDR tables that `babel` ships know how every language writes a date: its
# month names and its word order. Each example below is one (or a few) random dates
# written in a random source language; the target is the same dates in English. The
# source and target orders differ — Korean and Japanese put the year first, French,
# German and Spanish the day first, English the month first — so the model has to
# reorder, not just look words up.
#
# Longer inputs hold several dates joined by `;`. They let us measure, later, how
# translation quality depends on the input's length. `dates.load_task` draws the
# training and test pairs and builds the vocabularies; lesson 08 loads the same task.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from course_lib.data import dates

task = dates.load_task(SCALE, seed=SEED)  # "full": more pairs, up to 5 dates, with weekdays
train, test, MAX_DATES = task.train, task.test, task.max_dates
print(f"{len(train)} training pairs, {len(test)} test pairs, 1 to {MAX_DATES} dates each")
for lang in dates.LANGUAGES:
    i = int(np.flatnonzero((train.lang == lang) & (train.n_dates == 1))[0])
    print(f"{lang}: {train.source[i]:<32} -> {train.target[i]}")
i = int(np.flatnonzero(train.n_dates == MAX_DATES)[0])
print(f"\n{MAX_DATES} dates ({train.lang[i]}): {train.source[i]}\n  -> {train.target[i]}")

# %% [markdown]
# **Tokens and ids.** A token is a word, a number (Korean and Japanese number-plus-unit
# pieces such as `2021년` or `3月` stay together) or a punctuation mark. Keras'
# `StringLookup` layer maps tokens to integer ids; `course_lib.vocabulary.Vocabulary`
# gives the same ids (its `lookup_layer` is that layer) with four reserved ones: 0 =
# padding, 1 = unknown, 2 = `<start>`, 3 = `<end>`, named `PAD_ID`, `UNK_ID`, `START_ID`
# and `END_ID` so that no code writes the numbers.
# The decoder reads `<start>` before its first word and must write `<end>` after its last
# one; that is how an output's length is chosen by the model.

# %%
src_vocab, tgt_vocab = task.source_vocab, task.target_vocab
print("source vocabulary:", len(src_vocab), "tokens   target vocabulary:", len(tgt_vocab), "tokens")
example = train.target_tokens[0]
ids = tgt_vocab.encode([example], end=True)
print(example, "->", ids[0].tolist())
assert tgt_vocab.decode(ids) == [example], (
    f"ids -> tokens must give the tokens back: got {tgt_vocab.decode(ids)!r} for {example!r}")
assert dates.detokenize(example) == train.target[0], (
    f"tokens -> text must give the text back: got {dates.detokenize(example)!r}, expected {train.target[0]!r}")
assert all(tgt_vocab.decode(tgt_vocab.encode(train.target_tokens[:500], end=True))[k] == train.target_tokens[k] for k in range(500)), (
    f"ids -> tokens must give the first 500 targets back: "
    f"{sum(d != t for d, t in zip(tgt_vocab.decode(tgt_vocab.encode(train.target_tokens[:500], end=True)), train.target_tokens))} differ")

train_arrays, test_arrays = task.train_arrays, task.test_arrays  # dates.encode_pairs of each split
print({k: v.shape for k, v in train_arrays.items()})

# %% [markdown]
# ## 2. The encoder–decoder
#
# * **Encoder**: an embedding and a GRU read the source ids. Its last hidden state is the
#   **context vector** `c`: everything the decoder will ever know about the input.
# * **Decoder**: another GRU, started from `s0 = c`, that reads the previous target token
#   and, at every step, the same `c` again (as in Cho et al., 2014); a dense layer on
#   `[s_t, c]` gives scores (logits) for the next token.
#
# Why two networks rather than one RNN that reads the source and then keeps writing? Their
# jobs differ: the encoder reads one vocabulary and only has to summarise, the decoder
# writes another, feeding back its own tokens. Separate weights let each specialise, and
# the source and target can have their own embeddings and lengths. Sutskever et al. (2014)
# give two more reasons for their two LSTMs: more parameters at almost no extra
# computation, and an easy way to train on several language pairs at once.
#
# Both live in `course_lib.seq2seq` because lesson 08 reuses them; here is their
# forward pass. The sizes and training settings are `seq2seq.SETTINGS[SCALE]` (a
# `seq2seq.TrainingSettings`) for this task, which lesson 08 uses too, so the two
# lessons' plain models are the same model.

# %%
import inspect

import keras

from course_lib import seq2seq, show

show.show(seq2seq.Encoder.call)  # without the argument checks
show.show(seq2seq.Decoder.call)

settings = seq2seq.SETTINGS[SCALE]
print(settings)
parts = seq2seq.build_seq2seq(len(src_vocab), len(tgt_vocab), embed_dim=settings.embed_dim, units=settings.units,
                              seed=SEED,
                              source_len=train_arrays["source"].shape[1], target_len=train_arrays["target_in"].shape[1])
model, encoder, decoder = parts["model"], parts["encoder"], parts["decoder"]
outputs, context = encoder(train_arrays["source"][:4])
print("encoder outputs:", tuple(outputs.shape), " context c:", tuple(context.shape))
logits = model([train_arrays["source"][:4], train_arrays["target_in"][:4]])
print("logits:", tuple(logits.shape), "= (batch, target steps, target vocabulary)")
assert tuple(context.shape) == (4, settings.units), (
    f"the context vector is (batch, units) {(4, settings.units)}: got {tuple(context.shape)}")
assert tuple(logits.shape) == (4, train_arrays["target_in"].shape[1], len(tgt_vocab)), (
    f"logits are (batch, target steps, target vocabulary) "
    f"{(4, train_arrays['target_in'].shape[1], len(tgt_vocab))}: got {tuple(logits.shape)}")
model.summary()

# %% [markdown]
# ## 3. Teacher forcing and a loss that ignores padding
#
# During training the decoder does not read its own guesses: at step t it reads the
# *true* token t−1 (**teacher forcing**). So the decoder input is the target shifted right
# by one, starting with `<start>`, and the thing to predict is the target followed by
# `<end>`:

# %%
row = 0
decoder_input = test_arrays["target_in"][row]
print("decoder input :", tgt_vocab.decode(decoder_input[None])[0], decoder_input[:8].tolist(), "...")
print("to predict    :", test_arrays["target_out"][row][:8].tolist(),
      f"...  ({tgt_vocab.END_ID} = <end>, {tgt_vocab.PAD_ID} = padding)")
real = test_arrays["target_out"][row] != tgt_vocab.PAD_ID
assert np.array_equal(decoder_input[1 : real.sum()], test_arrays["target_out"][row][: real.sum() - 1]), (
    f"the decoder input is the target shifted right by one: "
    f"{test_arrays['target_in'][row][:8].tolist()} vs {test_arrays['target_out'][row][:8].tolist()}")

# %% [markdown]
# Inputs of different lengths are padded with `PAD_ID` (id 0) into one array. The padding
# positions are not words: the loss must skip them, or a model would be rewarded for
# predicting padding after the end. `masked_loss` averages the cross-entropy over the real
# tokens only; Keras' `SparseCategoricalCrossentropy(ignore_class=tgt_vocab.pad_id)` does
# the same. To see the difference, make the untrained model say "padding" loudly at the
# padded positions: the masked loss does not move, the unmasked one drops. (An untrained
# model is close to guessing uniformly, so its masked loss starts near ln V.)

# %%
batch_out = test_arrays["target_out"][:256]
logits = np.array(model([test_arrays["source"][:256], test_arrays["target_in"][:256]]))
says_pad = logits.copy()
pad = tgt_vocab.pad_id
says_pad[batch_out == pad, pad] += 10.0  # a large score for padding where the target is padding
plain_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
keras_masked = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=pad)
rows = {"untrained": logits, "says padding at padding": says_pad}
for name, lg in rows.items():
    print(f"{name:>24}: masked {float(seq2seq.masked_loss(batch_out, lg)):.3f}   "
          f"Keras ignore_class {float(keras_masked(batch_out, lg)):.3f}   counting padding {float(plain_ce(batch_out, lg)):.3f}")
print(f"ln V = {np.log(len(tgt_vocab)):.3f}")
masked = float(seq2seq.masked_loss(batch_out, logits))
assert abs(masked - float(keras_masked(batch_out, logits))) < 1e-4, (
    f"masked_loss should equal Keras' ignore_class loss: {masked:.5f} vs {float(keras_masked(batch_out, logits)):.5f}")
assert abs(float(seq2seq.masked_loss(batch_out, says_pad)) - masked) < 1e-4, (
    f"padding does not count: masked loss {float(seq2seq.masked_loss(batch_out, says_pad)):.5f} vs {masked:.5f}")
assert float(plain_ce(batch_out, says_pad)) < float(plain_ce(batch_out, logits)) - 1.0, (
    f"unmasked, padding is rewarded: "
    f"{float(plain_ce(batch_out, says_pad)):.3f} vs {float(plain_ce(batch_out, logits)):.3f} (needs 1.0 lower)")
assert abs(masked - np.log(len(tgt_vocab))) < 0.3, (
    f"an untrained model's masked loss should be near ln V = {np.log(len(tgt_vocab)):.3f}: got {masked:.3f}")

# %% [markdown]
# ## 4. Training
#
# `seq2seq.fit_seq2seq` compiles the model with the settings' optimizer and Keras' masked
# cross-entropy, creates Adam's variables before training (`build_optimizer`, lesson 00: the
# training step is then traced once, not twice), then calls `model.fit` on the
# teacher-forced arrays:

# %%
source = inspect.getsource(seq2seq.fit_seq2seq)
print(source[source.index("    model.compile") :])
start = time.time()
losses = seq2seq.fit_seq2seq(model, train_arrays, settings)
print(f"trained {settings.epochs} epochs in {time.time() - start:.0f} s; loss per epoch:", np.round(losses, 3))
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, settings.epochs + 1), losses, "o-")
ax.set(xlabel="epoch", ylabel="masked cross-entropy", title="training loss")
plt.show()
assert losses[-1] < 0.3 * losses[0], (
    f"the model learns: loss {losses[0]:.3f} in the first epoch, {losses[-1]:.3f} in the last (needs < 30%)")

# %% [markdown]
# **Where does the decoder start?** Ours starts from the context itself, `s0 = c`. Cho et
# al. (2014) computed the start instead, `s0 = tanh(W_s c)`: a learned layer between the
# encoder's last state and the decoder's first. Train that variant with the same settings
# and seed — the same `Encoder` and `Decoder` classes, a `Dense` layer between them — and
# compare the two on the test pairs with teacher forcing: the masked loss, and the share of
# target tokens predicted right.

# %%
keras.utils.set_random_seed(SEED)
source_in = keras.Input((train_arrays["source"].shape[1],), dtype="int32", name="source")
target_in = keras.Input((train_arrays["target_in"].shape[1],), dtype="int32", name="target_in")
_, c_d = seq2seq.Encoder(len(src_vocab), settings.embed_dim, settings.units, name="encoder")(source_in)  # c
s0 = keras.layers.Dense(settings.units, activation="tanh", name="s0_from_c")(c_d)  # s0 = tanh(W_s c)
logits_d, _ = seq2seq.Decoder(len(tgt_vocab), settings.embed_dim, settings.units, name="decoder")(target_in, s0, c_d)
dense_start = keras.Model([source_in, target_in], logits_d, name="seq2seq_dense_start")
dense_losses = seq2seq.fit_seq2seq(dense_start, train_arrays, settings)


def teacher_forced_scores(m):
    """Masked test loss and token accuracy of a training model, reading the true previous tokens."""
    test_logits = m.predict([test_arrays["source"], test_arrays["target_in"]], batch_size=500, verbose=0)
    real = test_arrays["target_out"] != tgt_vocab.PAD_ID
    right = (test_logits.argmax(-1) == test_arrays["target_out"])[real].mean()
    return float(seq2seq.masked_loss(test_arrays["target_out"], test_logits)), float(right)


start_scores = {"s0 = c": teacher_forced_scores(model), "s0 = tanh(W_s c)": teacher_forced_scores(dense_start)}
for (name, (loss, right)), train_losses in zip(start_scores.items(), (losses, dense_losses)):
    print(f"{name:>16}: last training loss {train_losses[-1]:.3f}, test loss {loss:.3f}, "
          f"test tokens right {right:.3f}")
(_, copy_right), (_, dense_right) = start_scores.values()
assert dense_losses[-1] < 0.95 * losses[-1], (
    f"after the same {settings.epochs} epochs a learned start fits the training pairs better: last training loss "
    f"{dense_losses[-1]:.3f} with "
    f"s0 = tanh(W_s c), {losses[-1]:.3f} with s0 = c (should be below 95% of it)")
assert dense_right > copy_right, (
    f"... and predicts more test tokens right: {dense_right:.3f} vs {copy_right:.3f}")

# %% [markdown]
# The learned start did better here, after the same number of epochs: a lower training
# loss, and more test tokens right (both losses were still falling, so it may partly be a
# faster start rather than a better end point). The decoder reads `c` at every step either
# way, so the dense layer adds no information. A likely reason is that it frees the
# decoder's *first state*: with `s0 = c` the decoder must begin from exactly the vector the
# encoder ended on, which then has to serve both as the encoder's summary and as a good
# starting state for writing; `W_s` lets the two differ. The rest
# of this lesson and lesson 08 keep `s0 = c`, the simpler model: section 6's bottleneck
# is about what `c` can hold, which a layer on top of `c` cannot add to.

# %% [markdown]
# ## 5. Inference: greedy search and beam search
#
# At test time there is no true previous token: the decoder must read its own output.
# So inference is a different loop from training. Every decoder in the course has the same
# two methods for it, the *decoder protocol*: `start(inputs)` gives the state before the
# first step and what every step reads (here `translation.encode` runs the encoder once and
# the decoder starts from its final state), and `step(tokens, state, context)` gives the
# scores of the next token and the new state. `course_lib.decoding.generate` runs a
# search over them (with `greedy_decode` or `beam_search`, which only need a step function
# `(previous tokens, state) -> (log-probabilities of the next token, new state)`):
#
# * **greedy** — at each step take the most probable token;
# * **beam search** — keep the `k` most probable partial translations (by the sum of
#   their log-probabilities), extend each by every token, keep the best `k` again; a
#   hypothesis that wrote `<end>` is finished and keeps its score.
#
# Greedy can lock itself into a prefix that looked best for one step; beam search looks
# at more candidates. As long as greedy's prefix stays in the beam, beam search returns a
# sequence at least as probable as greedy's: greedy's own, where it stays the best in
# the beam, or a more probable one. It is not guaranteed: the greedy prefix can drop out of
# the beam (at some step `k` other prefixes score higher), and those prefixes may all end
# lower than greedy's sequence would have. We count how often each happens.

# %%
from course_lib import decoding, metrics, translation

max_len = test_arrays["target_out"].shape[1]
encoded = translation.encode(encoder, test_arrays["source"])  # (outputs, final state, source mask)
greedy_out = decoding.generate(decoder, encoded, vocab=tgt_vocab, max_len=max_len)
beam_out = decoding.generate(decoder, encoded, vocab=tgt_vocab, max_len=max_len, beam_width=4)
greedy_logp, beam_logp = greedy_out.log_prob, beam_out.log_prob
greedy, beam = tgt_vocab.decode(greedy_out.tokens), tgt_vocab.decode(beam_out.tokens)
for k in range(3):
    print(f"{test.source[k]}\n   greedy: {dates.detokenize(greedy[k])}\n   beam  : {dates.detokenize(beam[k])}\n   truth : {test.target[k]}")
better = beam_logp > greedy_logp + 1e-6
worse = beam_logp < greedy_logp - 1e-6
print(f"\nbeam log-prob higher than greedy's on {better.sum()} of {len(test)} examples, lower on {worse.sum()}, "
      f"mean {beam_logp.mean():.3f} vs {greedy_logp.mean():.3f}")
for j in np.flatnonzero(worse)[:2]:
    print(f"  beam lost: {dates.detokenize(beam[j])} ({beam_logp[j]:.2f}) vs greedy {dates.detokenize(greedy[j])} ({greedy_logp[j]:.2f})")
print(f"exact match: greedy {metrics.exact_match(greedy, test.target_tokens):.3f}   beam {metrics.exact_match(beam, test.target_tokens):.3f}")
assert worse.mean() <= 0.02, (
    f"beam search is almost never less probable than greedy: lower on {worse.sum()} of {len(test)} ({worse.mean():.3f} > 0.02)")
assert better.mean() >= 0.05, (
    f"and finds a more probable translation on many examples: higher on {better.sum()} of {len(test)} ({better.mean():.3f} < 0.05)")
assert beam_logp.mean() > greedy_logp.mean(), (
    f"beam search should have the higher mean log-prob: {beam_logp.mean():.3f} vs greedy {greedy_logp.mean():.3f}")

# %% [markdown]
# ## 6. The bottleneck: quality against input length
#
# The whole input has to fit in `c`, a vector of the same size however long the input is.
# Score the greedy translations by how many dates the input holds: exact match (the whole
# output right) and token accuracy (share of target tokens right at their position).
# `metrics.score_by_group` computes a metric separately on each group of examples.

# %%
counts, em = metrics.score_by_group(metrics.exact_match, greedy, test.target_tokens, test.n_dates)
_, tok = metrics.score_by_group(metrics.token_accuracy, greedy, test.target_tokens, test.n_dates)
assert counts.tolist() == list(range(1, MAX_DATES + 1)), (
    f"the test set has every number of dates from 1 to {MAX_DATES}: got {counts.tolist()}")
src_len = np.array([len(t) for t in test.source_tokens])
for k, e, t in zip(counts, em, tok):
    lengths = src_len[test.n_dates == k]
    print(f"{k} date(s), {lengths.min()}-{lengths.max()} source tokens: exact match {e:.3f}   token accuracy {t:.3f}")

fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(counts, em, "o-", label="exact match")
ax.plot(counts, tok, "s--", label="token accuracy")
ax.set(xlabel="dates in the input", ylabel="accuracy", xticks=counts, ylim=(-0.02, 1.02),
       title="RNN encoder–decoder: longer inputs, worse translations")
ax.legend()
plt.show()

assert em[0] >= 0.9, f"short inputs (one date) are translated almost perfectly: exact match {em[0]:.3f}"
assert em[-1] <= em[0] - 0.5, (
    f"the longest inputs are translated much worse: exact match {em[-1]:.3f} vs {em[0]:.3f} (needs 0.5 lower)")
assert np.all(np.diff(tok) < 0), f"token accuracy falls with every extra date: got {np.round(tok, 3)}"

# %% [markdown]
# ## 7. Is it the bottleneck?
#
# Section 6 fits the bottleneck story, but other things also make long inputs look worse:
#
# * **Length of the output.** Exact match needs every token right, and a three-date
#   output has three times as many tokens: with the same error rate per token it would
#   fall anyway.
# * **Compounding errors.** In greedy decoding the decoder reads its own outputs, so one
#   early mistake can derail everything after it, and long outputs give it more room.
# * **Short training.** The model had 6 epochs and its loss was still falling. Long
#   inputs might just need more training, or a larger model.
# * **Generalisation.** It might have learnt the long training pairs but not new ones.
#
# A test that removes the first two: score only the **first date** of each output. It is
# the same job in every input (the same few tokens), and it is written first, so there
# are no earlier mistakes to compound. What changes with more dates is only how much else
# the encoder's last state must carry: after reading the first date it reads one or two
# more. And to rule out the fourth, score the *training* pairs too, with teacher forcing
# (the decoder reads the true previous tokens), and their loss by number of dates.

# %%
def first_date(tokens):
    return tokens[: tokens.index(";")] if ";" in tokens else tokens


_, first_em = metrics.score_by_group(metrics.exact_match, [first_date(g) for g in greedy],
                             [first_date(t) for t in test.target_tokens], test.n_dates)

n_check = 3000  # training pairs, teacher-forced
out, groups = train_arrays["target_out"][:n_check], train.n_dates[:n_check]
tf_logits = model.predict([train_arrays["source"][:n_check], train_arrays["target_in"][:n_check]], batch_size=500,
                          verbose=0)
guess = tf_logits.argmax(-1)
first_len = [len(first_date(t)) for t in train.target_tokens[:n_check]]
first_right = np.array([np.array_equal(guess[i, :n], out[i, :n]) for i, n in enumerate(first_len)])
tf_first = np.array([first_right[groups == k].mean() for k in counts])
train_loss = np.array([float(seq2seq.masked_loss(out[groups == k], tf_logits[groups == k])) for k in counts])
for k, a, b, c in zip(counts, first_em, tf_first, train_loss):
    print(f"{k} date(s): first date right {a:.3f} (test, greedy)   {b:.3f} (training, teacher-forced)   "
          f"training loss {c:.3f}")

fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(counts, first_em, "o-", label="test pairs, greedy")
ax.plot(counts, tf_first, "s--", label="training pairs, teacher-forced")
ax.set(xlabel="dates in the input", ylabel="first date exactly right", xticks=counts, ylim=(-0.02, 1.02),
       title="the same first date, more dates after it")
ax.legend(loc="lower left")
plt.show()

assert first_em[0] >= 0.9 and first_em[-1] <= first_em[0] - 0.4, (
    f"the first date suffers from the dates after it: right {first_em[0]:.3f} with one date, {first_em[-1]:.3f} with {counts[-1]}")
assert first_em[-1] < 0.5, f"right for only a minority of the longest inputs: got {first_em[-1]:.3f}"
assert losses[-1] < losses[-2], f"the training loss was still falling: last two epochs {losses[-2]:.3f}, {losses[-1]:.3f}"
assert tf_first[-1] <= tf_first[0] - 0.4, (
    f"on training pairs too, with teacher forcing: "
    f"first date right {tf_first[0]:.3f} with one date, {tf_first[-1]:.3f} with {counts[-1]}")
assert train_loss[-1] >= train_loss[0] + 0.3, (
    f"long training pairs are not fitted: training loss {train_loss[0]:.3f} with one date, {train_loss[-1]:.3f} with {counts[-1]}")

# %% [markdown]
# The first date, the same few tokens written first, is right for almost every one-date
# input and for only a minority of three-date inputs; on the training pairs, with teacher
# forcing, it is the same picture, and the loss on long training pairs stays far above the
# loss on short ones. So neither the output's length, nor compounding errors, nor a gap
# between training and test explains the decline: the later dates push the first one out
# of the fixed-size state. What this experiment cannot exclude is the third point: a
# larger state or longer training would raise these curves (exercise 1); the limit is that
# one vector of fixed size must hold an input of any length. Lesson 08 trains with the
# same settings and an attention decoder, for fewer epochs, and it fits every length.

# %% [markdown]
# ## 8. Why teacher forcing? A decoder fed its own guesses
#
# Section 3 trained the decoder on the true previous token. The alternative is to train
# it the way it is used: feed it its own previous guess (**free running**). The argument
# for teacher forcing is about the start of training: an untrained decoder guesses noise,
# and a decoder that reads noise has nothing to learn the next token from. **Scheduled
# sampling** (Bengio et al., 2015) goes between the two: at every step a coin decides
# whether the decoder reads the true token or one drawn from its own prediction, and the
# chance of the true one falls as training goes on (here linearly from 1 to 0: one of
# their schedules, with its floor set to 0).
#
# A decoder without an encoder is lesson 03's language model, the extreme case: nothing
# but the previous characters says what comes next. So we train
# `teacher_forcing.SampledLanguageModel`, an embedding, a GRU of 64 units and a dense
# layer, on lesson 03's text (Python's own documentation), three times from the same
# initial weights and with the same 200 updates of 64 windows of 32 characters. Its
# training step unrolls the GRU one step at a time and flips the coin at every step,
# under each of `teacher_forcing.SCHEDULES`; only the schedule differs. Each model is
# scored the usual way for a language model: the cross-entropy of the true next character
# of held-out text, reading the true previous characters (nats per character, against
# the unigram baseline that knows only character frequencies).

# %%
from course_lib import teacher_forcing
from course_lib.data import text as textdata

corpus = textdata.python_docs_text(max_chars=200_000)
chars = textdata.CharVocab(corpus)
lm_train_text, lm_val_text = textdata.split_text(corpus, val_fraction=0.1)
lm_train, lm_val = chars.encode(lm_train_text), chars.encode(lm_val_text)
LM_UPDATES, LM_BATCH, LM_LEN, LM_CHECKS = 200, 64, 32, 4
x_lm, y_lm = textdata.random_windows(lm_train, LM_UPDATES * LM_BATCH, LM_LEN, seed=SEED)
x_val, y_val = textdata.random_windows(lm_val, 1000, LM_LEN, seed=SEED + 1)
unigram = chars.unigram_nll(lm_train, lm_val)
chunk = LM_UPDATES * LM_BATCH // LM_CHECKS  # windows between two measurements

lm_curves, lm_share, lm_seconds = {}, {}, {}
for schedule in teacher_forcing.SCHEDULES:
    keras.utils.set_random_seed(SEED)
    lm = teacher_forcing.SampledLanguageModel(chars.size, embed_dim=32, units=64, schedule=schedule,
                                              total_updates=LM_UPDATES, seed=SEED)
    lm.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0))
    start, curve, shares = time.time(), [], []
    for k in range(LM_CHECKS):  # the optimizer's update count, and so the schedule, carries on
        part = slice(k * chunk, (k + 1) * chunk)
        logs = lm.fit(x_lm[part], y_lm[part], batch_size=LM_BATCH, shuffle=False, verbose=0).history
        shares.append(logs["teacher_share"][0])
        curve.append(lm.evaluate(x_val, y_val, batch_size=500, verbose=0))
    lm_curves[schedule], lm_share[schedule] = np.array(curve), np.array(shares)
    lm_seconds[schedule] = time.time() - start
    print(f"{schedule:>18}: held-out loss {np.round(curve, 3)} nats/char after "
          f"{np.arange(1, LM_CHECKS + 1) * LM_UPDATES // LM_CHECKS} updates; "
          f"true tokens read {np.round(shares, 2)}; {lm_seconds[schedule]:.0f} s")
print(f"unigram baseline: {unigram:.3f} nats/char")

# %%
updates = np.arange(1, LM_CHECKS + 1) * LM_UPDATES // LM_CHECKS
fig, ax = plt.subplots(figsize=(5.5, 3.2))
for schedule, marker in zip(teacher_forcing.SCHEDULES, "os^"):
    ax.plot(updates, lm_curves[schedule], marker + "-", label=schedule)
ax.axhline(unigram, color="gray", ls=":", label="unigram baseline")
ax.set(xlabel="training updates", ylabel="held-out loss (nats/char)", xticks=updates,
       title="what the decoder reads while it learns")
ax.legend()
plt.show()

final = {schedule: curve[-1] for schedule, curve in lm_curves.items()}
assert np.all(np.diff(lm_curves["teacher forcing"]) < 0), (
    f"teacher forcing: the loss falls at every check: got {np.round(lm_curves['teacher forcing'], 3)}")
assert final["teacher forcing"] < unigram - 1.0, (
    f"teacher forcing learns far more than character frequencies: {final['teacher forcing']:.3f} vs unigram {unigram:.3f}")
assert final["free running"] > unigram - 0.6, (
    f"free running learns little beyond them: {final['free running']:.3f} vs unigram {unigram:.3f}")
assert final["free running"] > final["teacher forcing"] + 0.8, (
    f"free running should end over 0.8 above teacher forcing: {final['free running']:.3f} vs {final['teacher forcing']:.3f}")
progress = {schedule: unigram - curve for schedule, curve in lm_curves.items()}  # below the baseline, per check
assert np.all(progress["free running"] < progress["teacher forcing"] / 3), (
    "at every check, free running has made less than a third of teacher forcing's progress"
    f": {np.round(progress['free running'], 3)} vs {np.round(progress['teacher forcing'], 3)} nats/char")
sampled = lm_curves["scheduled sampling"]
assert abs(sampled[0] - lm_curves["teacher forcing"][0]) < 0.2, (
    f"mostly true tokens: like teacher forcing: {sampled[0]:.3f} vs {lm_curves['teacher forcing'][0]:.3f}")
assert sampled[-1] > sampled.min() + 0.2, (
    f"mostly its own tokens: worse again: {sampled[-1]:.3f} at the end, {sampled.min():.3f} at best")
assert sampled.min() < final["free running"] - 0.5, (
    f"scheduled sampling at its best should be 0.5 below free running: {sampled.min():.3f} vs {final['free running']:.3f}")
assert lm_share["teacher forcing"].min() == 1.0 and lm_share["free running"].max() == 0.0, (
    f"teacher forcing reads only true tokens, free running none: "
    f"{lm_share['teacher forcing'].tolist()}, {lm_share['free running'].tolist()}")
assert np.all(np.diff(lm_share["scheduled sampling"]) < 0), (
    f"the chance of the true token falls: true tokens read {np.round(lm_share['scheduled sampling'], 2)}")

# %% [markdown]
# The result is what the setup forces. With teacher forcing the held-out loss fell at every
# check, to 1.946 nats per character against the baseline's 3.508. Free running ended at
# 3.159, barely below the baseline (at every check it had come less than a third as far
# below it as teacher forcing), and the reason is the setup, not a short budget: in a
# language model without an encoder, the tokens it reads are drawn from its own
# predictions, not from the text, so after the first character of a window nothing it
# reads says anything about the true next character, however good its guesses become.
# Beyond character frequencies it can learn only from its first step. Scheduled sampling
# started close to teacher forcing (2.859 against 2.807 after 50 updates, reading the true
# token at 0.87 of the steps), had its best, 2.55, after 100 updates, and got worse as
# the coin turned, to 2.969: the smaller the chance of the true token, the less of what it
# reads the loss can reward.
#
# That is the mirror image of the problem scheduled sampling was made for. A
# teacher-forced model is trained on true prefixes but *generates* from its own, which it
# never saw in training (**exposure bias**); Bengio et al. report that scheduled sampling,
# with schedules that keep the true token for longer, improved image captioning,
# constituency parsing and speech recognition. This section scores the likelihood of real
# text, not the quality of generated text, so it does not test that claim. The fair test
# of the argument about the start of training is a decoder with an encoder, like the
# translator of sections 2–7: it also reads the context vector, and the source fixes
# every word of the output whatever the previous token was (exercise 3b).
#
# Teacher forcing has one more advantage, of cost: all of a decoder's inputs are known
# before the step starts, so the whole sequence goes through one GRU call (on a GPU, one
# cuDNN kernel) instead of a loop that must wait for each sampled token. Here all three
# schedules ran the same unrolled loop, so that an update cost the same.

# %% [markdown]
# ## Summary
#
# * An encoder–decoder maps a sequence to a sequence of a different length: the encoder's
#   last state is a context vector `c`, the decoder writes one token per step from `c`
#   and the previous token, and `<end>` tells it when to stop.
# * Training uses teacher forcing (the decoder reads the true previous token) and a loss
#   that ignores padding. Inference is a separate loop in which the decoder reads its own
#   outputs: greedy or beam search over a step function.
# * Where the decoder starts is a choice: a learned `s0 = tanh(W_s c)` reached a training
#   loss of 0.361 against 0.459 for `s0 = c` after the same epochs here, with the same
#   context read at every step.
# * Beam search returned a more probable translation than greedy on 91 of 600 examples, a
#   less probable one on none, and an equally probable one on the rest; it is not
#   guaranteed to do at least as well, because the greedy path can drop out of the beam.
#   Greedy already gets the short inputs right.
# * One fixed vector for the whole input is a bottleneck: one date is translated almost
#   perfectly, three dates mostly wrong, and even the first date of a long input, written
#   before any other, goes wrong when more dates follow it, on training pairs too. Lesson
#   08 lets the decoder look back at every encoder state instead.
# * Why teacher forcing: a language model trained on its own guesses learned little
#   beyond character frequencies (its guesses carry nothing about the true text), while
#   teacher forcing fell to 1.946 nats per character; scheduled sampling started close to
#   teacher forcing and got worse as it read its own tokens. It targets exposure bias at
#   generation time, which a likelihood score does not measure.
#
# ## Exercises
#
# **Checked exercises:** [exercises/07_seq2seq.ipynb](../exercises/07_seq2seq.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/07_seq2seq.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/07_seq2seq.ipynb](../exercises/solutions/07_seq2seq.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Double the units (`import dataclasses`, then `settings = dataclasses.replace(settings, units=128)`
#    before building). Do the curves of sections 6 and 7 move right? By how much, for
#    what cost?
# 2. Feed the source reversed (Sutskever et al., 2014). Does the first date of a long
#    input gain, and why? Are the differences between languages larger than the noise
#    of about 100 test pairs each?
# 3. Teacher forcing or the model's own guesses, further. (a) Why can free running never
#    catch up in section 8, however long it trains? From which step does it learn?
#    (b) The translator: call `fit_seq2seq(model, train_arrays, settings, epochs=1)` once, then
#    `model.fit` one epoch at a time (each `fit_seq2seq` call compiles a new Adam). Before
#    each epoch after the first, take the argmax of one teacher-forced pass
#    (`model.predict`), and in a random quarter of the rows replace `target_in` after
#    `<start>` by those predictions shifted right by one, keeping `PAD_ID` where
#    `target_in` is padding. Compare greedy exact match with section 5's.
# 4. Try beam widths 1, 2, 4, 8. When does beam search change the translation, and does a
#    higher log-probability always mean a correct date?
# 5. Add a length penalty: take every hypothesis from `decoding.beam_search(step_fn,
#    state, ..., return_all=True)`, with `step_fn, state = decoding.step_function(decoder,
#    encoded)` and the ids of `tgt_vocab` (`start_id`, `end_id`, `pad_id`), and rerank
#    them by score / length. How often does the choice change, and why does it change
#    almost nothing on dates?
