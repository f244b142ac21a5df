# %% [markdown]
# # 09 · Image captioning: a CNN encoder and an RNN decoder
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/09_image_captioning.ipynb)
#
# **Goals.** Build a one-to-many model that writes a sentence about an image: train a
# small CNN on a side task, cut off its classifier head and keep its features (transfer
# learning), feed them to a GRU language model that starts at `<start>` and stops at
# `<end>`, decode greedily and with beam search, score the captions with BLEU against
# several references, and look hard at the captions it gets wrong.
#
# **Covers:** image captioning as CNN + RNN (the CS231n lecture 10 and EECS498 lecture 12
# notes): the feature vector entering every step of the recurrence, `<START>`/`<END>`
# tokens, test-time decoding, and the failure cases ("a woman holding a cat").

# %% tags=["parameters"]
SCALE = "lesson"  # "lesson": small, offline, about a minute on a CPU. "full": real datasets, use a GPU.
SEED = 0
FLICKR8K_DIR = None  # full scale: an extracted Flickr8k folder (release or Kaggle layout); None downloads it

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

info = setup_notebook(seed=SEED, scale=SCALE)
SCALE = info.scale
print(info)

if SCALE == "full":  # find (or download, about 1 GB) Flickr8k now, before anything trains
    import os

    from course_lib.data import flickr8k

    flickr_root = flickr8k.locate_flickr8k(FLICKR8K_DIR or os.environ.get("FLICKR8K_DIR"))

# %% [markdown]
# ## 1. Scenes with known content
#
# Real captioning data (COCO, Flickr8k) needs downloads and hours of training. At lesson
# scale we generate scenes whose content we know exactly: one to three coloured shapes,
# each in its own column, so "left of" is always defined. Each image has four reference
# captions from a small grammar with paraphrases ("big"/"large", "left of"/"to the right
# of", ...). Several references matter: BLEU gives credit for matching *any* of them.

# %%
import textwrap
import time

import matplotlib.pyplot as plt
import numpy as np

from course_lib.data.scenes import make_scenes

t0 = time.perf_counter()
N_TRAIN, N_TEST, IMAGE = 2000, 400, 32
train = make_scenes(N_TRAIN, image_size=IMAGE, seed=SEED)
test = make_scenes(N_TEST, image_size=IMAGE, seed=SEED + 1000)
print(f"{len(train)} training and {len(test)} test scenes in {time.perf_counter() - t0:.1f} s;",
      "images", train.images.shape)

fig, axes = plt.subplots(1, 4, figsize=(12, 3.8))
for ax, i in zip(axes, range(4)):
    ax.imshow(train.images[i])
    ax.set_title("\n".join(textwrap.fill(c, 34) for c in train.captions[i][:2]), fontsize=7)
    ax.axis("off")
plt.tight_layout()
plt.show()
print("all references of the first scene:", *train.captions[0], sep="\n  ")

# %% [markdown]
# ## 2. The encoder: a CNN trained on a side task, head removed
#
# The lecture's recipe: take a CNN trained to recognise things, remove its last layers,
# and use what is left as a feature extractor. Here the "ImageNet" step is a quick
# multi-label task on our scenes: *which (colour, shape) pairs and which sizes are in the
# picture?* The CNN ends with a convolutional grid (8×8 cells × 48 channels), average
# pooling and a dense head. After training we keep everything up to the pooled
# 48-number vector and throw the head away. The CNN is frozen from now on; its features
# are computed once and cached.
#
# `vision.pretrained_scene_cnn` builds the CNN with `small_cnn` and trains it with `pretrain_cnn`
# (five epochs of sigmoid cross-entropy, one output per label). It also saves the trained
# model in the course's cache, named by a hash of the data, the settings and the code, so
# lesson 10 (and a second run of this one) loads it instead of training it again.

# %%
from course_lib import captioning, vision, vocabulary

t0 = time.perf_counter()
cnn, trained_now = vision.pretrained_scene_cnn(train.images, train.labels(), width=24, epochs=5, seed=SEED)
logits = cnn.predict(test.images, verbose=0)
label_acc, base_acc = vision.label_accuracy(logits, test.labels())
print(f"CNN {'trained' if trained_now else 'loaded from the cache'} in {time.perf_counter() - t0:.1f} s; "
      f"held-out label accuracy {label_acc:.3f} (always guessing each label's majority: {base_acc:.3f})")
exact = float(((logits > 0) == (test.labels() > 0.5)).all(axis=1).mean())
print(f"scenes with every label right: {exact:.1%}")
assert label_acc > base_acc + 0.06, (
    f"the CNN learned to name the objects: held-out label accuracy {label_acc:.3f}, "
    f"majority guess {base_acc:.3f} (should be more than 0.06 higher)")

encoder = vision.cnn_encoder(cnn, pooled=True)  # the classifier head is gone
f_train, f_test = vision.extract_features(train.images, encoder), vision.extract_features(test.images, encoder)
print("cached features:", f_train.shape, f_test.shape)

# %% [markdown]
# ## 3. Captions as tokens: `<start>`, `<end>`, padding
#
# Each caption becomes `<start> w1 … wn <end>`, padded to a fixed length. The
# `vocabulary.CaptionTokenizer` is a `Vocabulary` of caption words, the same
# type lessons 07 and 08 use for dates: padding, unknown, `<start>` and `<end>` have
# fixed ids (`PAD_ID`, `UNK_ID`, `START_ID`, `END_ID`), then come the words. The
# decoder reads `<start> w1 … wn` and must predict `w1 … wn <end>` (teacher
# forcing: at training time the true previous word is fed in). The padding positions are
# masked out of the loss. A word the vocabulary has never seen is an error, not a silent
# guess.

# %%

tokenizer = vocabulary.CaptionTokenizer([c for refs in train.captions for c in refs])
MAX_LEN = 21  # the longest caption has 19 words
print("vocabulary:", tokenizer.size, "ids:", tokenizer.tokens)
example = tokenizer.encode_captions([train.captions[0][0]], max_len=MAX_LEN)
print(train.captions[0][0], "->", example[0])
assert tokenizer.decode_caption(example[0]) == train.captions[0][0], (
    f"decoding the ids gives the caption back: {train.captions[0][0]!r} -> {example[0]} "
    f"-> {tokenizer.decode_caption(example[0])!r}")
assert example[0, 0] == tokenizer.START_ID and tokenizer.END_ID in example[0], (
    f"the ids start with <start> ({tokenizer.START_ID}) and contain <end> ({tokenizer.END_ID}): got {example[0]}")
try:
    tokenizer.encode_captions(["a purple circle"])
except ValueError as err:
    print("ValueError:", err)
else:
    raise AssertionError("an unknown word must be refused")

# %% [markdown]
# ## 4. The decoder: Show and Tell
#
# The image vector $v$ enters twice: it sets the GRU's initial state,
# $h_0 = \tanh(W_{init} v)$, and it is concatenated to the word embedding at every step
# (the gated counterpart of the lecture's recurrence
# $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + W_{ih} v)$, in which the image adds a third
# term):
#
# $$h_t = \mathrm{GRU}\big([\,E w_{t},\; W_v v\,],\; h_{t-1}\big), \qquad p(w_{t+1}) = \mathrm{softmax}(W_{out} h_t).$$
#
# One training pair per (image, reference): 2,000 images × 4 references.

# %%

model = captioning.ShowAndTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32)
t0 = time.perf_counter()
hist = captioning.fit_captioner(model, f_train, train.captions, tokenizer, max_len=MAX_LEN, epochs=5, seed=SEED)
print(f"decoder training {time.perf_counter() - t0:.1f} s, loss per epoch:",
      np.round(hist.history["loss"], 3))
model.summary()
assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0], (
    f"the decoder learned: final loss {hist.history['loss'][-1]:.3f}, "
    f"not below half the first epoch's {hist.history['loss'][0]:.3f}")

# %% [markdown]
# ## 5. Decoding: greedy and beam search, stopping at `<end>`
#
# At test time there is no true previous word: the decoder feeds back its own choice.
# Greedy decoding takes the most probable word at every step; beam search
# (`course_lib.decoding.beam_search`) keeps the 4 most probable prefixes. Both stop a
# caption when it emits `<end>`. Beam search looks for the caption with the highest total
# log-probability, so for most images it finds one at least as likely as greedy's — but
# not for all: with many near-equal paraphrases ("big"/"large", four sentence patterns),
# the greedy prefix can drop out of a beam of 4 and the search end somewhere worse.

# %%

t0 = time.perf_counter()
# each call returns a Captions: .texts (strings), .tokens (N, MAX_LEN) ids, .log_prob (N,)
greedy_out = captioning.generate_captions(model, f_test, tokenizer, max_len=MAX_LEN)
beam_out = captioning.generate_captions(model, f_test, tokenizer, max_len=MAX_LEN, beam_width=4)
greedy, beam = greedy_out.texts, beam_out.texts
lp_greedy, lp_beam = greedy_out.log_prob, beam_out.log_prob
print(f"decoded {2 * len(test)} captions in {time.perf_counter() - t0:.1f} s")
ended = (greedy_out.tokens == tokenizer.END_ID).any(axis=1).mean()
print(f"greedy captions that ended with <end>: {ended:.1%}")
assert ended > 0.95, f"greedy captions stop at <end>: only {ended:.1%} ended with <end> (should be > 95%)"

at_least = (lp_beam >= lp_greedy - 1e-4).mean()
print(f"mean caption log-prob: greedy {lp_greedy.mean():.3f}, beam {lp_beam.mean():.3f}")
print(f"beam caption at least as likely as greedy's for {at_least:.0%} of images, "
      f"strictly more likely for {(lp_beam > lp_greedy + 1e-4).mean():.0%}")
assert at_least > 0.7, (
    "for most images beam search finds a caption at least as likely as greedy's: "
    f"got {at_least:.0%} of images (should be > 70%)")

fig, axes = plt.subplots(1, 4, figsize=(12, 3.8))
for ax, i in zip(axes, range(4)):
    ax.imshow(test.images[i])
    ax.set_title(textwrap.fill(f"greedy: {greedy[i]}", 34) + "\n" + textwrap.fill(f"beam: {beam[i]}", 34), fontsize=7)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 6. BLEU against all references
#
# BLEU-n counts how many of a caption's 1..n-word sequences appear in *some* reference
# (clipped), multiplies the precisions geometrically and penalises captions shorter
# than the references. `course_lib.metrics.bleu_scores` wraps sacrebleu's corpus BLEU.
# The baseline ignores the image and always outputs the training set's most frequent
# caption — it shows how much BLEU comes for free from the grammar's shared words.

# %%
from collections import Counter

from course_lib import metrics

most_frequent = Counter(c for refs in train.captions for c in refs).most_common(1)[0][0]
scores = {
    "most frequent caption": metrics.bleu_scores([most_frequent] * len(test), test.captions),
    "Show and Tell, greedy": metrics.bleu_scores(greedy, test.captions),
    "Show and Tell, beam 4": metrics.bleu_scores(beam, test.captions),
}
print(f"baseline caption: {most_frequent!r}")
for name, s in scores.items():
    print(f"{name:>24}: " + "  ".join(f"BLEU-{n} {s[n]:5.1f}" for n in s))
bleu4_base = scores["most frequent caption"][4]
bleu4 = scores["Show and Tell, greedy"][4]
assert bleu4 > bleu4_base + 30 and bleu4 > 4 * bleu4_base, (
    f"captions are far better than the baseline: greedy BLEU-4 {bleu4:.1f}, "
    f"baseline {bleu4_base:.1f} (should be more than 30 higher and 4x)")
assert scores["Show and Tell, beam 4"][4] > bleu4_base + 30, (
    f"beam search captions are far better than the baseline too: BLEU-4 {scores['Show and Tell, beam 4'][4]:.1f}, "
    f"baseline {bleu4_base:.1f} (should be more than 30 higher)")

# %% [markdown]
# In this run beam search's captions were not more probable on average (mean
# log-probability −3.771 against greedy's −3.759): where greedy's prefix dropped out of the
# beam, the search ended on a less likely caption, and those images pull the mean down. Yet
# BLEU-4 rose (72.2 against 71.4). The two measure different things: the log-probability
# is what the model believes, BLEU is how many of a caption's word sequences some human
# reference contains, and a search that ends somewhere the model likes less can still end
# closer to the references. One run on 400 scenes does not tell whether a gain of that size
# is more than chance (exercise 3 varies the beam width).

# %% [markdown]
# **The image at every step, or only at the start?** The lecture writes the image as a
# third term of the recurrence, $W_{ih} v$. Karpathy and Fei-Fei (2015) add that term at
# the first step only, and Vinyals et al. (2015) show the image once, as the LSTM's first
# input; both report that giving it at every step did worse (the network overfits to the
# image's noise). Our decoder does both: the image sets $h_0$ and enters every step. Train it
# again with the same sizes, epochs and seed, but with the image only at the start, in
# $h_0$ (`image_every_step=False`: the GRU then reads the word alone; the closest variant
# to theirs), and compare the training loss and the greedy captions' BLEU.

# %%
h0_only = captioning.ShowAndTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32, image_every_step=False)
t0 = time.perf_counter()
hist_h0 = captioning.fit_captioner(h0_only, f_train, train.captions, tokenizer, max_len=MAX_LEN, epochs=5, seed=SEED)
greedy_h0 = captioning.generate_captions(h0_only, f_test, tokenizer, max_len=MAX_LEN).texts
scores_h0 = metrics.bleu_scores(greedy_h0, test.captions)
print(f"trained and decoded in {time.perf_counter() - t0:.1f} s")
for name, loss, s, caps in (
        ("image at every step and in h_0", hist.history["loss"][-1], scores["Show and Tell, greedy"], greedy),
        ("image only in h_0", hist_h0.history["loss"][-1], scores_h0, greedy_h0)):
    print(f"{name:>31}: final training loss {loss:.3f}, greedy " + "  ".join(f"BLEU-{n} {s[n]:5.1f}" for n in s)
          + f", {np.mean([len(c.split()) for c in caps]):.1f} words per caption")
gap4 = scores_h0[4] - scores["Show and Tell, greedy"][4]
assert abs(gap4) < 5, (
    f"on these scenes the per-step image term changes greedy BLEU-4 by less than 5 points: {gap4:+.1f}")
assert hist_h0.history["loss"][-1] < 1.1 * hist.history["loss"][-1], (
    f"... and the image in h_0 alone trains about as well: final loss {hist_h0.history['loss'][-1]:.3f} vs "
    f"{hist.history['loss'][-1]:.3f} (should be below 1.1 x)")

# %% [markdown]
# Here the per-step term buys nothing measurable: the decoder that sees the image only in
# $h_0$ trains to about the same loss and its greedy captions score about the same BLEU-4 (and
# a higher BLEU-1: more of its single words appear in some reference). The argument for
# the per-step term is that a long caption can forget an image seen only at the start;
# these captions are short (the word counts above) and a GRU state of 96 units carries the
# image through them. On long captions, or with a weaker recurrent cell, the answer can
# differ: that is open exploration 1 below.

# %% [markdown]
# **How much data?** Captioning is supervised: every training image needs reference
# captions written for it, which is why the large captioning sets were built by paying
# people to describe photos (COCO, in Lin et al., 2014: 2.5 million labelled object
# instances in 328,000 images). Our grammar makes references free, so we can ask what
# fewer of them cost. Train the same decoder on the first 40 of the 2,000 training
# scenes, each repeated 50 times so that an epoch has as many pairs as before, for the
# same 5 epochs (the same number of updates), and score it on the same test scenes.

# %%
FEW = 40
few_data = captioning.ShowAndTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32)
repeats = N_TRAIN // FEW
hist_few = captioning.fit_captioner(few_data, np.tile(f_train[:FEW], (repeats, 1)), train.captions[:FEW] * repeats,
                                    tokenizer, max_len=MAX_LEN, epochs=5, seed=SEED)
greedy_few = captioning.generate_captions(few_data, f_test, tokenizer, max_len=MAX_LEN).texts
bleu4_few, bleu4_all = metrics.bleu_scores(greedy_few, test.captions)[4], scores["Show and Tell, greedy"][4]
for n, loss, bleu in ((FEW, hist_few.history["loss"][-1], bleu4_few), (N_TRAIN, hist.history["loss"][-1], bleu4_all)):
    print(f"{n:5d} training scenes: final training loss {loss:.3f}, test greedy BLEU-4 {bleu:.1f}"
          + (f" (each repeated {repeats} times)" if n == FEW else ""))
assert bleu4_few < bleu4_all - 2 and hist_few.history["loss"][-1] < 0.5 * hist.history["loss"][-1], (
    f"{FEW} scenes: a training loss below half and a test BLEU-4 over 2 points below {N_TRAIN} scenes': "
    f"loss {hist_few.history['loss'][-1]:.3f} vs {hist.history['loss'][-1]:.3f}, BLEU-4 {bleu4_few:.1f} vs {bleu4_all:.1f}")

# %% [markdown]
# With 40 scenes the training loss is far lower and the test captions are worse: the
# decoder learns its few training captions by heart instead of the grammar. Our grammar is
# small, so a few hundred scenes may go a long way (exercise 6 measures how far);
# photographs and what people say about them vary without end, which is why real
# captioning needs sets of COCO's size.

# %% [markdown]
# ## 7. Failure cases
#
# The lecture shows a model that writes "a woman is holding a cat" for a woman in a fur
# coat: it learned which words usually go together, not only what is in the picture.
# Our model fails in the same way, and we can say exactly how, because we know every
# scene's content. We sort each wrong caption by the first mistake: a wrong object
# (colour, shape or size) or the right objects in the **wrong order**.

# %%
from course_lib.data.scenes import COLOURS, SHAPES, SIZE_WORDS


def objects_in(caption):
    """(size, colour, shape) triples named in a caption, in the order it names them."""
    words = caption.split()
    sizes = {w: s for s, ws in SIZE_WORDS.items() for w in ws}
    found = [(sizes[words[i]], words[i + 1], words[i + 2]) for i in range(len(words) - 2)
             if words[i] in sizes and words[i + 1] in COLOURS and words[i + 2] in SHAPES]
    if "to the right of" in caption and len(found) == 2:  # "B to the right of A": A is left
        found = found[::-1]
    return found


def truth(i):
    return [(("small", "large")[test.size[i, k]], COLOURS[test.colour[i, k]], SHAPES[test.shape[i, k]])
            for k in range(test.n_objects[i])]


kinds = []
for i, cap in enumerate(greedy):
    said, real = objects_in(cap), truth(i)
    if said == real:
        kinds.append("correct")
    elif sorted(said) == sorted(real):
        kinds.append("wrong order")
    else:
        kinds.append("wrong object")
kinds = np.array(kinds)
for k in (1, 2, 3):
    sel = test.n_objects == k
    counts = Counter(kinds[sel])
    print(f"{k} object(s): " + ", ".join(f"{name} {counts[name] / sel.sum():.0%}"
                                         for name in ("correct", "wrong object", "wrong order")))
by_count = {k: metrics.bleu_scores([greedy[i] for i in np.flatnonzero(test.n_objects == k)],
                           [test.captions[i] for i in np.flatnonzero(test.n_objects == k)])[4]
            for k in (1, 2, 3)}
print("BLEU-4 by number of objects:", {k: round(v, 1) for k, v in by_count.items()})
correct = {k: (kinds[test.n_objects == k] == "correct").mean() for k in (1, 2, 3)}
assert correct[1] > correct[3] + 0.2, (
    f"mistakes pile up in scenes with more objects: correct {correct[1]:.0%} with 1 object, "
    f"{correct[3]:.0%} with 3 (should be 20 points lower)")
assert by_count[1] > by_count[3] + 10, (
    f"BLEU-4 falls with more objects: {by_count[1]:.1f} with 1 object, {by_count[3]:.1f} with 3 (should be more than 10 lower)")


# %%
wrong = [i for i in np.flatnonzero(kinds != "correct")][:6]
fig, axes = plt.subplots(2, 3, figsize=(10, 8.5))
for ax, i in zip(axes.flat, wrong):
    ax.imshow(test.images[i])
    ax.set_title(textwrap.fill(f"said: {greedy[i]}", 40) + "\n" + textwrap.fill(f"true: {test.captions[i][0]}", 40)
                 + f"\n({kinds[i]})", fontsize=8)
    ax.axis("off")
plt.tight_layout(h_pad=3)
plt.show()

# %% [markdown]
# **Why these mistakes?** The encoder's vector is an *average* over the 8×8 grid: it says
# which colours and shapes are present but keeps little of *where* they are. With one
# object there is nothing to order; with three, the decoder must guess the left-to-right
# order and which colour goes with which shape, and it guesses the combinations it saw
# most often — the same reason a fur coat turns into a cat. Lesson 10 keeps the grid and
# lets the decoder look at one place at a time.

# %% [markdown]
# **A combination it never saw.** The lecture also shows a man holding a phone captioned
# as "holding a computer mouse": the model named an object its training captions made
# likely instead of the one in the photo. We can stage the same gap. Train the same decoder on
# the training scenes that contain no red circle (the encoder still learned red circles
# in its side task), then caption the test scenes that do contain one.

# %%
unseen_colour, unseen_shape = "red", "circle"
unseen_name = f"{unseen_colour} {unseen_shape}"
UNSEEN = COLOURS.index(unseen_colour) * len(SHAPES) + SHAPES.index(unseen_shape)  # its column in Scenes.labels()
keep = train.labels()[:, UNSEEN] == 0  # (N_TRAIN,) True for the scenes without one
with_unseen = np.flatnonzero(test.labels()[:, UNSEEN] == 1)  # the test scenes with one
never_saw = captioning.ShowAndTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32)
captioning.fit_captioner(never_saw, f_train[keep], [refs for refs, k in zip(train.captions, keep) if k],
                         tokenizer, max_len=MAX_LEN, epochs=5, seed=SEED)
unseen_caps = captioning.generate_captions(never_saw, f_test[with_unseen], tokenizer, max_len=MAX_LEN).texts
named_unseen = np.mean([unseen_name in cap for cap in unseen_caps])
named_by_full = np.mean([unseen_name in greedy[i] for i in with_unseen])
named_instead = Counter(  # pairs a caption names that its scene does not hold
    f"{colour} {shape}" for cap, i in zip(unseen_caps, with_unseen) for _, colour, shape in objects_in(cap)
    if (colour, shape) not in {(c, sh) for _, c, sh in truth(i)})
print(f"{keep.sum()} training scenes without a {unseen_name}; {len(with_unseen)} test scenes with one")
print(f"'{unseen_name}' in the caption: {named_unseen:.0%} (decoder that never saw one), "
      f"{named_by_full:.0%} (decoder trained on all scenes)")
print("pairs named that are not in the scene, most often first:", named_instead.most_common(4))
print("e.g.", unseen_caps[:3])
assert named_unseen < 0.1 and named_by_full > named_unseen + 0.5, (
    f"a decoder never trained on '{unseen_name}' does not say it: {named_unseen:.0%} of the scenes with one, "
    f"against {named_by_full:.0%} for the decoder trained on all scenes (needs < 10% and 50 points less)")

# %% [markdown]
# The decoder never writes "red circle": it names pairs that are not in the scene instead,
# most often a red square (the counts above), keeping the colour and naming a shape it has
# seen in red, the way the lecture's model reached for a mouse. The encoder was
# trained to detect red circles (one of the labels of its side task), but a decoder only
# says the combinations its captions taught it.
# What the training captions cover limits what the model can say, however good the
# image features are.

# %% [markdown]
# ## 8. Full scale: Flickr8k with an ImageNet backbone
#
# With `SCALE = "full"` the same decoder is trained on Flickr8k (8,000 photos, five
# captions each) with features from MobileNetV2 pretrained on ImageNet (pooled to a
# 1280-number vector, computed once and cached on disk). The setup cell found the data:
# with `FLICKR8K_DIR = None` it downloads the two release archives (checked against
# their published MD5s); a folder you already have works too, in the release layout
# (`Flickr8k.token.txt`, the split files, `Flicker8k_Dataset/`) or Kaggle's (`Images/`
# and `captions.txt`, split 6,000 / 1,000 / 1,000 by the course, see
# `course_lib.data.flickr8k`). The run is `course_lib.full_scale.caption_flickr8k`; it
# keeps a backup after every epoch in the data cache (`runs/09_flickr8k`, see the
# README's Colab section), so after a disconnect, running the cell again continues from
# the last completed epoch. The cell plots the learning curve and prints a few captions
# and the BLEU scores.

# %%
if SCALE == "full":
    from course_lib import full_scale, plots

    # pooled MobileNetV2 features (cached on disk), ShowAndTell (512 units), 10 epochs,
    # resumable; the test captions decoded with beam search (width 3)
    flickr = full_scale.caption_flickr8k("show_and_tell", flickr_root, epochs=10, seed=SEED, beam_width=3)
    plots.plot_learning_curves(flickr.history, title="Flickr8k: training loss per epoch")
    plt.show()
    for name, caption in list(zip(flickr.test_images, flickr.hypotheses))[:5]:
        print(f"{name}: {caption}")
    print(flickr.bleu)

# %% [markdown]
# ## Summary
#
# - A captioning model is a conditional language model: a CNN turns the image into
#   features, an RNN writes words one at a time from `<start>` until it emits `<end>`.
# - Transfer learning: a CNN trained on another task, its head removed, is a good
#   feature extractor; its features are computed once and cached.
# - Teacher forcing with a masked loss trains the decoder; greedy and beam search decode
#   it (beam search found a caption at least as likely as greedy's for most images,
#   strictly more likely only for some, and a less likely one where greedy's prefix
#   dropped out of the beam).
# - The image can enter at every step (the lecture's third term $W_{ih} v$) or only through
#   $h_0$; on these short captions the two score about the same BLEU-4.
# - BLEU with several references measures n-gram overlap; always compare with a trivial
#   baseline (here, the grammar's shared words give the most frequent caption some
#   BLEU for free).
# - Captioning is supervised, and data decides: trained on 40 scenes for as many updates,
#   the decoder fitted its training captions better and captioned new scenes worse.
# - The pooled vector loses *where* things are: almost every caption of a one-object scene
#   was right, almost none of a three-object scene, and most wrong captions went wrong
#   first on an object's colour, shape or size rather than on the order (the cell prints
#   the shares).
# - A decoder trained without any red circle never said "red circle" for one; it named
#   a red shape it had seen instead: captions cover only the combinations they were
#   trained on.
#
# ## Exercises
#
# **Checked exercises:** [exercises/09_image_captioning.ipynb](../exercises/09_image_captioning.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/09_image_captioning.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/09_image_captioning.ipynb](../exercises/solutions/09_image_captioning.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Section 6 fed the image only through $h_0$. Do the opposite: the image at every
#    step and $h_0 = 0$ (a subclass of `ShowAndTell` whose `initial_state` returns zeros;
#    training and decoding both start from it).
#    Which of the three variants scores best, and on which caption lengths?
# 2. Replace the pooled vector by the flattened 8×8 grid. Which failure type shrinks?
# 3. Try beam widths 1, 2, 4, 8: plot BLEU-4 and the mean caption log-probability.
# 4. Skip the CNN pretraining (random frozen CNN). How much worse are the captions?
# 5. Write a caption that BLEU rates highly but a human would call wrong.
# 6. Repeat section 6's data-size comparison with 100, 250 and 1,000 training scenes (the
#    same number of updates each). Where does the test BLEU-4 stop rising?
