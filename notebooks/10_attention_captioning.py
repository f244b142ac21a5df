# %% [markdown]
# # 10 · Show, Attend and Tell: captioning with spatial attention
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/10_attention_captioning.ipynb)
#
# **Goals.** Keep the CNN's last feature *grid* instead of one pooled vector; at every
# word, let the decoder score every grid cell against its state, turn the scores into a
# probability map with a softmax and read a weighted sum of the cells; draw those maps
# over the images word by word; measure whether the model looks at the object it names;
# compare it with lesson 09's decoder on the same held-out scenes; and answer questions
# about a scene with one attention map per question, steered by the question.
#
# **Covers:** attention for image captioning (the EECS498 lecture 13 notes): grid
# features, alignment scores $f_{att}(s_{t-1}, g_{ij})$, softmax over positions, the
# context vector $c_t$, per-word attention maps ("bird" → the bird, "water" → the water);
# attention for question answering (Show, Ask, Attend, and Answer), for speech (Listen,
# Attend and Spell), and the fovea and saccades that motivate it.

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
# ## 1. Scenes, the CNN, and features kept as a grid
#
# Why attend at all? Our eyes see sharply only in a small central patch, the fovea; to read
# a scene they jump from place to place (saccades) and take in one patch at a time, steered
# by what they are looking for. A captioner that squeezes the whole image into one vector
# (lesson 09) sees everything at once and blurred. Attention lets the decoder look again,
# at a different part of the image, for every word; lesson 13 takes the metaphor literally,
# with an RNN that moves a small window over an image.
#
# Same scenes and the same CNN as lesson 09, trained to name the objects in a scene, with
# its head removed. `vision.pretrained_scene_cnn` kept the trained model in the course's cache
# when lesson 09 ran, so here it is loaded instead of trained again (if lesson 09 has not
# run on this machine, it is trained now, with the same seed and the same result). This
# time we keep its last convolutional map, an 8×8 grid of 48-channel cells. Neighbouring
# cells sit 4 pixels apart (the CNN pools twice), but each cell *sees* more than its 4×4
# patch: through three 3×3 convolutions and two poolings its receptive field is 18×18
# pixels of the 32×32 image. The pooled vector lesson 09 used is just this grid averaged,
# so we cache both and train both decoders on exactly the same features.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib import captioning, fitting, vision, vocabulary
from course_lib.data.scenes import make_scenes

N_TRAIN, N_TEST, IMAGE, MAX_LEN = 2000, 400, 32, 21
train = make_scenes(N_TRAIN, image_size=IMAGE, seed=SEED)
test = make_scenes(N_TEST, image_size=IMAGE, seed=SEED + 1000)

t0 = time.perf_counter()
cnn, trained_now = vision.pretrained_scene_cnn(train.images, train.labels(), width=24, epochs=5, seed=SEED)
label_acc, base_acc = vision.label_accuracy(cnn.predict(test.images, verbose=0), test.labels())
print(f"lesson 09's CNN {'trained' if trained_now else 'loaded from the cache'} in {time.perf_counter() - t0:.1f} s; "
      f"held-out label accuracy {label_acc:.3f} (always guessing each label's majority: {base_acc:.3f})")
assert label_acc > base_acc + 0.06, (
    f"the CNN learned to name the objects, beyond the majority guess: held-out label accuracy {label_acc:.3f}, "
    f"majority guess {base_acc:.3f} (should be more than 0.06 higher)")

grid_encoder = vision.cnn_encoder(cnn)  # head removed, grid kept
g_train, g_test = vision.extract_features(train.images, grid_encoder), vision.extract_features(test.images, grid_encoder)
v_train, v_test = g_train.mean(axis=(1, 2)), g_test.mean(axis=(1, 2))  # lesson 09's vectors
print("grid features:", g_train.shape, " pooled vectors:", v_train.shape)
tokenizer = vocabulary.CaptionTokenizer([c for refs in train.captions for c in refs])

# %% [markdown]
# ## 2. Spatial attention, one step by hand
#
# At decoder step $t$, with previous state $s_{t-1}$ and grid cells $g_{ij}$:
#
# $$e_{t,ij} = v^\top \tanh(W s_{t-1} + U g_{ij}), \qquad
# \alpha_{t,ij} = \frac{\exp e_{t,ij}}{\sum_{kl} \exp e_{t,kl}}, \qquad
# c_t = \sum_{ij} \alpha_{t,ij}\, g_{ij}.$$
#
# The alignment function is the additive (Bahdanau) score of lesson 08; the only new
# thing is that the "positions" are the 64 cells of a grid instead of the words of a
# sentence. Below, the formula in NumPy next to `course_lib.attention.SpatialAttention`
# (which flattens the grid and calls lesson 08's `BahdanauAttention`) and next to
# Keras's own `AdditiveAttention` fed with the projected query and cells.

# %%
from course_lib.attention import SpatialAttention

rng = np.random.default_rng(SEED)
state = rng.normal(size=(2, 16)).astype("float32")
cells = g_test[:2]  # (2, 8, 8, 48)
spatial = SpatialAttention(12)
context, alpha = spatial(state, cells)
W, U, v = (keras.ops.convert_to_numpy(w) for w in (spatial.additive.W, spatial.additive.U, spatial.additive.v))

scores = np.tanh((state @ W)[:, None, None, :] + cells @ U) @ v  # (2, 8, 8)
alpha_np = np.exp(scores - scores.max(axis=(1, 2), keepdims=True))
alpha_np /= alpha_np.sum(axis=(1, 2), keepdims=True)
context_np = (alpha_np[..., None] * cells).sum(axis=(1, 2))
print("max |alpha difference|:", np.abs(alpha_np - np.asarray(alpha)).max(),
      " max |context difference|:", np.abs(context_np - np.asarray(context)).max())
assert np.allclose(alpha_np, alpha, atol=1e-5) and np.allclose(context_np, context, atol=1e-4), (
    f"SpatialAttention computes the formula: alpha differs by {np.abs(alpha_np - np.asarray(alpha)).max():.1e} "
    f"(atol 1e-5), the context by {np.abs(context_np - np.asarray(context)).max():.1e} (atol 1e-4)")

keras_att = keras.layers.AdditiveAttention(use_scale=True)
q = (state @ W)[:, None, :]  # (2, 1, 12): one query
k = (cells @ U).reshape(2, 64, 12)  # projected cells as keys
keras_att.build([q.shape, cells.reshape(2, 64, 48).shape, k.shape])
keras_att.scale.assign(v)
ctx_k, alpha_k = keras_att([q, cells.reshape(2, 64, 48), k], return_attention_scores=True)
print("Keras AdditiveAttention, max |alpha difference|:",
      np.abs(np.asarray(alpha_k).reshape(2, 8, 8) - alpha_np).max())
assert np.allclose(np.asarray(alpha_k).reshape(2, 8, 8), alpha_np, atol=1e-5), (
    "Keras AdditiveAttention gives the same weights: max |alpha difference| "
    f"{np.abs(np.asarray(alpha_k).reshape(2, 8, 8) - alpha_np).max():.1e} (atol 1e-5)")

# %% [markdown]
# ## 3. The Show, Attend and Tell decoder
#
# `course_lib.captioning.ShowAttendTell` runs the step above inside the recurrence:
# $\alpha_t$ from $s_{t-1}$, then $s_t = \mathrm{GRU}([E w_t, c_t], s_{t-1})$ and the
# next-word logits from $[s_t, c_t]$. As in the paper, the initial state comes from the
# mean of the cells.
#
# **An addition of this course, not part of Show, Attend and Tell:** before attending, each
# cell is projected and gets a learned *position embedding*, one vector per grid cell. The
# paper feeds the decoder the CNN's features and nothing else. Our small CNN's cells say
# *what* is in their part of the image but carry little of *where* that part is, and the
# captions need the left-to-right order; the embedding gives each cell its place.
# (Exercise 2 removes it.) One step of the decoder, drawn with the symbols of section 2:

# %%
from course_lib import diagrams

diagrams.show_attend_tell_step_diagram()
plt.show()

# %% [markdown]
# We also retrain lesson 09's Show-and-Tell decoder on the pooled vectors, with the sizes
# and the 4 epochs of the attention model (lesson 09 trained it for 5), so the comparison
# is like for like; the "Show and Tell (09)" scores below are this retrained model's, so
# they differ a little from lesson 09's.

# %%

train_refs = train.captions  # every image with its four references
t0 = time.perf_counter()
tell = captioning.ShowAndTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32)
h_tell = captioning.fit_captioner(tell, v_train, train_refs, tokenizer, max_len=MAX_LEN, epochs=4, seed=SEED)
t1 = time.perf_counter()
attend = captioning.ShowAttendTell(tokenizer.size, embed_dim=32, units=96, feature_dim=32, attention_units=32)
h_attend = captioning.fit_captioner(attend, g_train, train_refs, tokenizer, max_len=MAX_LEN, epochs=4, seed=SEED)
t2 = time.perf_counter()
print(f"Show and Tell {t1 - t0:.1f} s, Show Attend and Tell {t2 - t1:.1f} s")


# %%
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(h_tell.history["loss"], "o-", label="Show and Tell (pooled vector)")
ax.plot(h_attend.history["loss"], "o-", label="Show, Attend and Tell (grid)")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
plt.show()
print(f"final training loss: Show and Tell {h_tell.history['loss'][-1]:.3f}, "
      f"Show, Attend and Tell {h_attend.history['loss'][-1]:.3f}")
assert h_attend.history["loss"][-1] < h_tell.history["loss"][-1], (
    f"the grid model fits better: final training loss {h_attend.history['loss'][-1]:.3f}, "
    f"Show and Tell {h_tell.history['loss'][-1]:.3f}")
# the decoder's first state is computed from the mean of the (projected) cells
state0, cells0 = attend.start(g_test[:4])
from_mean = attend.init_h(np.asarray(cells0).mean(axis=(1, 2)))
spread = np.ptp(np.asarray(state0), axis=0).max()  # how much h0 differs between the four images
print(f"h0 from the mean of the cells: max |difference| {np.abs(np.asarray(state0) - np.asarray(from_mean)).max():.1e};"
      f" largest difference of h0 between images {spread:.3f}")
assert np.allclose(state0, from_mean, atol=1e-6), (
    "h0 = init_h(mean of the cells): max |difference| "
    f"{np.abs(np.asarray(state0) - np.asarray(from_mean)).max():.1e} (atol 1e-6)")
assert spread > 1e-3, f"so h0 depends on the image: largest difference of h0 between images {spread:.1e} (<= 1e-3)"

# %% [markdown]
# ## 4. Where the model looks, word by word
#
# Greedy decoding with the attention map of every generated word kept
# (`generate_captions(..., return_attention=True)` fills the `alpha` of the `Captions` it
# returns). Bright = high attention; each map
# is the one the decoder used to choose the word above it.

# %%
from course_lib import plots

attended = captioning.generate_captions(attend, g_test, tokenizer, max_len=MAX_LEN, return_attention=True)
caps_attend, alphas = attended.texts, attended.alpha  # N strings; (N, MAX_LEN, 8, 8) maps
caps_tell = captioning.generate_captions(tell, v_test, tokenizer, max_len=MAX_LEN).texts

shown = [int(np.flatnonzero(test.n_objects == k)[0]) for k in (2, 3)] + [int(np.flatnonzero(test.n_objects == 3)[1])]
for i in shown:
    words = caps_attend[i].split()
    fig, axes = plt.subplots(1, len(words) + 1, figsize=(1.3 * (len(words) + 1), 1.7))
    axes[0].imshow(test.images[i])
    axes[0].set_title("image", fontsize=8)
    axes[0].axis("off")
    for t, (ax, word) in enumerate(zip(axes[1:], words)):
        plots.plot_image_attention(test.images[i], alphas[i, t], ax=ax, title=word)
    plt.tight_layout()
    plt.show()
    print("attention:", caps_attend[i], "\n09 model:", caps_tell[i], "\ntruth   :", test.captions[i][0])

# %% [markdown]
# ## 5. Does it look at the object it names?
#
# For every generated colour or shape word, find the object of the scene it refers to
# (its phrase "a *size colour shape*" matching exactly one object) and measure how much
# of that word's attention falls on the object's pixel mask
# (`course_lib.metrics.attention_on_mask`). A model that looked everywhere equally would
# score the mask's share of the image area — a few percent for these small objects. The
# best possible score is below 1: a 4×4-pixel cell is coarse, and the cells an object
# touches are partly background. A second, blunter check: is the single most-attended
# cell one that the object touches?

# %%
from course_lib import metrics
from course_lib.data.scenes import COLOURS, SHAPES

mass, share, kinds, peak_hit, chance_hit = [], [], [], [], []
for i, cap in enumerate(caps_attend):
    words = cap.split()
    for t in range(2, len(words)):
        colour, shape = words[t - 1], words[t]
        if colour not in COLOURS or shape not in SHAPES:
            continue
        match = np.flatnonzero((test.colour[i] == COLOURS.index(colour)) & (test.shape[i] == SHAPES.index(shape)))
        if len(match) != 1:
            continue
        mask = test.masks[i, match[0]]
        for step, kind in ((t - 1, "colour word"), (t, "shape word")):
            mass.append(metrics.attention_on_mask(alphas[i, step], mask))
            share.append(mask.mean())
            kinds.append(kind)
            # does the most-attended cell touch the object? (a random cell would with this chance:)
            touched = mask.reshape(8, 4, 8, 4).any(axis=(1, 3))
            r, c = np.unravel_index(np.argmax(alphas[i, step]), (8, 8))
            peak_hit.append(touched[r, c])
            chance_hit.append(touched.mean())
mass, share, kinds = np.array(mass), np.array(share), np.array(kinds)
print(f"{len(mass)} object words scored")
for kind in ("colour word", "shape word"):
    sel = kinds == kind
    print(f"{kind}: attention on the named object {mass[sel].mean():.2f}, "
          f"uniform attention would give {share[sel].mean():.3f} "
          f"({mass[sel].mean() / share[sel].mean():.1f}×)")
print(f"words whose attention on the object beats its area share: {(mass > share).mean():.0%}")
print(f"most-attended cell touches the named object: {np.mean(peak_hit):.0%} of words "
      f"(a random cell: {np.mean(chance_hit):.0%})")
assert len(mass) > 300, f"enough object words to score (more than 300): got {len(mass)}"
assert mass.mean() > 2.5 * share.mean(), (
    f"attention lands on the named object: {mass.mean():.2f} on it, area share {share.mean():.3f} (should be more than 2.5x)")
assert (mass > share).mean() > 0.9, (
    f"attention on the object beats its area share for over 90% of words: got {(mass > share).mean():.0%}")
assert np.mean(peak_hit) > 3 * np.mean(chance_hit) and 0.4 < np.mean(peak_hit) < 0.85, (
    "half to three quarters of the words: the most-attended cell touches the named object for "
    f"{np.mean(peak_hit):.0%} (should be 40-85%, over 3x a random cell's {np.mean(chance_hit):.0%})")


# %%
fig, ax = plt.subplots(figsize=(5, 3))
ax.hist(mass / share, bins=30)
ax.axvline(1, color="k", ls="--", label="uniform attention")
ax.set_xlabel("attention on the named object ÷ its area share")
ax.set_ylabel("words")
ax.legend()
plt.show()

# %% [markdown]
# ## 6. Against lesson 09's decoder, on the same held-out scenes
#
# Same CNN, same data, same decoder size, same epochs; the only difference is a grid with
# attention instead of the pooled vector. The gap should grow with the number of objects,
# because that is where *where* matters: order and which colour belongs to which shape.
# With a single object there is no order to get right and the pooled vector already says
# which colour and shape are present, so attention has nothing to add there: its one-object
# score is about the same as Show and Tell's (in some runs slightly *lower*) — the
# attention model spends its capacity on a harder mechanism that pays off only in busier
# scenes.

# %%

rows = {}
for name, caps in (("Show and Tell (09)", caps_tell), ("Show, Attend and Tell", caps_attend)):
    rows[name] = {"all": metrics.bleu_scores(caps, test.captions)[4]}
    for k in (1, 2, 3):
        idx = np.flatnonzero(test.n_objects == k)
        rows[name][f"{k} obj"] = metrics.bleu_scores([caps[i] for i in idx], [test.captions[i] for i in idx])[4]
print(f"{'BLEU-4':>24}" + "".join(f"{c:>9}" for c in rows["Show and Tell (09)"]))
for name, r in rows.items():
    print(f"{name:>24}" + "".join(f"{x:9.1f}" for x in r.values()))
tell_r, att_r = rows["Show and Tell (09)"], rows["Show, Attend and Tell"]
assert att_r["all"] >= tell_r["all"], (
    f"attention is at least as good overall: BLEU-4 {att_r['all']:.1f}, Show and Tell {tell_r['all']:.1f}")
assert att_r["3 obj"] > tell_r["3 obj"] + 10, (
    f"and clearly better on the busiest scenes: 3-object BLEU-4 {att_r['3 obj']:.1f}, "
    f"Show and Tell {tell_r['3 obj']:.1f} (should be more than 10 higher)")
gap = {k: att_r[f"{k} obj"] - tell_r[f"{k} obj"] for k in (1, 2, 3)}
print("gain by number of objects:", {k: round(g, 1) for k, g in gap.items()})
assert gap[3] > gap[1], (
    f"the gain grows with the number of objects: gain {gap[3]:.1f} with 3 objects, {gap[1]:.1f} with 1")
assert abs(gap[1]) < 6, f"on one-object scenes the two are about the same: gain {gap[1]:.1f} (should be within 6)"

# %% [markdown]
# ## 7. Attention without a sequence: answering a question about the scene
#
# Attention needs a *query* and a set of *positions* to score against it; nothing in it
# needs an output sequence. In visual question answering the query is a question. "Show,
# Ask, Attend, and Answer" (Kazemi & Elqursh, 2017) encodes the question with an LSTM,
# uses its last state to score the cells of the CNN grid, and classifies the answer from
# the attended context and the question vector: attention maps chosen by the question,
# and no decoder. `course_lib.answering.AttendAndAnswer` is a simplified version of it:
# one attention map per question (the paper takes two glimpses) scored with the additive
# attention of lesson 08 (the paper concatenates the question vector to every cell and
# scores with 1×1 convolutions).
#
# We ask two kinds of questions, each only where it has exactly one answer:
# `what colour is the <shape>` (the shape occurs once in the scene) and
# `what shape is the <colour> one` (the colour occurs once). An attending model can
# answer the first by finding the object with that shape and reading its colour: the
# question decides where to look. The baseline is the same model with the grid
# *averaged* instead of attended (`attend=False`; the average is attention with equal
# weights on every cell): it gets the same features, the same question encoder and the
# same training, and only loses the choice of where to look. It can still infer an
# answer from *which* colour–shape pairs the scene holds, since each question has one
# answer.

# %%
from course_lib import answering
from course_lib.data.scenes import MAX_OBJECTS

q_train, q_test = answering.make_questions(train), answering.make_questions(test)
question_vocab = answering.question_vocabulary()
qx_train, qx_test = question_vocab.encode(q_train.words), question_vocab.encode(q_test.words)
print(f"{len(q_train)} training and {len(q_test)} held-out questions, e.g.:")
for j in range(3):
    print(f"  scene {q_test.image[j]}: {' '.join(q_test.words[j])}?  {answering.ANSWERS[q_test.answer[j]]}")

answerers, qa_accuracy, qa_errors = {}, {}, {}
multi = test.n_objects[q_test.image] > 1  # questions about scenes with more than one object
for name, use_attention in (("attention", True), ("averaged grid", False)):
    keras.utils.set_random_seed(SEED)
    answerer = answering.AttendAndAnswer(question_vocab.size, len(answering.ANSWERS), units=32,
                                         attend=use_attention)
    answerer.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    fitting.build_optimizer(answerer, [g_train[:1], qx_train[:1]])
    t0 = time.perf_counter()
    answerer.fit([g_train[q_train.image], qx_train], q_train.answer, batch_size=64, epochs=10, verbose=0)
    guesses = answerer.predict([g_test[q_test.image], qx_test], batch_size=512, verbose=0).argmax(-1)
    correct = guesses == q_test.answer
    answerers[name], qa_accuracy[name] = answerer, correct.mean()
    qa_errors[name] = int((~correct[multi]).sum())  # wrong answers on scenes with 2–3 objects
    print(f"{name:>13}: held-out accuracy {correct.mean():.3f}; on the {multi.sum()} questions about scenes "
          f"with 2–3 objects {qa_errors[name]} wrong (trained in {time.perf_counter() - t0:.0f} s)")
majority = np.bincount(q_test.answer).max() / len(q_test)
print(f"always answering the most frequent answer: {majority:.3f}")
assert qa_accuracy["attention"] > 0.95, (
    f"attention answers almost every question: held-out accuracy {qa_accuracy['attention']:.3f} (<= 0.95)")
assert qa_accuracy["averaged grid"] > 3 * majority, (
    f"the average alone answers most questions: accuracy {qa_accuracy['averaged grid']:.3f}, "
    f"most frequent answer {majority:.3f} (should be more than 3x)")
assert qa_errors["attention"] < 0.5 * qa_errors["averaged grid"], (
    f"and attention makes far fewer errors on busy scenes: {qa_errors['attention']} wrong, "
    f"averaged grid {qa_errors['averaged grid']} (should be less than half)")

# %% [markdown]
# The averaged grid does far better than the most frequent answer: lesson 09's CNN was
# trained to name the colour–shape *pairs* in a scene from the average of its cells, so
# an average of the cells says which pairs are present, and that decides the answer.
# Attention still makes several times fewer errors on the scenes with several objects,
# and it shows where each answer came from.
#
# Where does it look? For every held-out question we measure the share of its attention
# map on the pixel mask of the object asked about, as in section 5, and, in scenes with
# more than one object, the share on each of the *other* objects. If the question steers
# the attention, the first is large and the others small.

# %%
_, qa_alpha = answerers["attention"]([g_test[q_test.image], qx_test], return_attention=True)
qa_alpha = keras.ops.convert_to_numpy(qa_alpha)  # (questions, 8, 8)
asked_mask = test.masks[q_test.image, q_test.obj]  # (questions, 32, 32)
on_asked = metrics.attention_on_mask(qa_alpha, asked_mask)
asked_share = asked_mask.mean(axis=(1, 2))
on_other = np.full((len(q_test), MAX_OBJECTS - 1), np.nan)  # share on each other object of the scene
for j in np.flatnonzero(multi):
    i, others = q_test.image[j], [k for k in range(test.n_objects[q_test.image[j]]) if k != q_test.obj[j]]
    on_other[j, : len(others)] = [metrics.attention_on_mask(qa_alpha[j], test.masks[i, k]) for k in others]
most_on_other = np.nanmax(on_other[multi], axis=1)  # the most-attended of the other objects
print(f"attention on the object asked about {on_asked.mean():.3f}, its area share {asked_share.mean():.3f} "
      f"({on_asked.mean() / asked_share.mean():.1f}×)")
print(f"scenes with 2–3 objects: on the object asked about {on_asked[multi].mean():.3f}, on each other object "
      f"{np.nanmean(on_other[multi]):.3f}; the object asked about gets more than every other object for "
      f"{np.mean(on_asked[multi] > most_on_other):.1%} of the questions")
assert on_asked.mean() > 4 * asked_share.mean(), (
    f"the attention lands on the object asked about: {on_asked.mean():.3f} on it, "
    f"its area share {asked_share.mean():.3f} (should be more than 4x)")
assert np.mean(on_asked[multi] > most_on_other) > 0.9, (
    "the question, not the image alone, decides where: the object asked about gets the most attention "
    f"for {np.mean(on_asked[multi] > most_on_other):.1%} of questions (should be > 90%)")

# %%
scene = int(np.flatnonzero(np.bincount(q_test.image, minlength=len(test)) == 6)[0])  # 3 objects, 2 questions each
asked = np.flatnonzero(q_test.image == scene)
logits, maps = answerers["attention"]([g_test[q_test.image[asked]], qx_test[asked]], return_attention=True)
maps = keras.ops.convert_to_numpy(maps)
fig, axes = plt.subplots(1, len(asked) + 1, figsize=(2.1 * (len(asked) + 1), 2.5))
axes[0].imshow(test.images[scene])
axes[0].set_title("scene", fontsize=8)
axes[0].axis("off")
for ax, j, qa_map, guess in zip(axes[1:], asked, maps, np.argmax(logits, axis=-1)):
    question = " ".join(q_test.words[j][1:])  # without the "what", to fit the title
    plots.plot_image_attention(test.images[scene], qa_map, ax=ax, title=f"{question}?\n→ {answering.ANSWERS[guess]}")
plt.tight_layout()
plt.show()
looked_at = [int(np.argmax([metrics.attention_on_mask(m, mask) for mask in test.masks[scene]])) for m in maps]
print("object asked about:", q_test.obj[asked].tolist(), " object with the most attention:", looked_at)
assert looked_at == q_test.obj[asked].tolist(), (
    "each map puts the most attention on the object its question names: "
    f"asked about {q_test.obj[asked].tolist()}, most attention on {looked_at}")

# %% [markdown]
# One scene, several questions: each map lights up the object its question names, and
# the same image is read differently for each. Where the pooled grid had to carry every
# object's colour and shape at once, the attended context carries one object's, the one
# the question chose — the same argument as for the caption words, now with a question
# as the query.
#
# **The same idea beyond images.** *Listen, Attend and Spell* (Chan et al., 2016)
# transcribes speech with it: a pyramidal bidirectional LSTM (the "listener") turns the
# audio frames into a shorter sequence of features, and a decoder (the "speller") attends
# over them to emit one character at a time, as lesson 08's translator attends over
# source words. **And the motivation.** Our eyes see sharply only in the fovea, a small
# central spot of the retina; we take in a scene by moving the eyes in quick jumps
# (saccades) and looking at one part after another. An attention map is the soft version
# of choosing where to fixate, but it still reads every cell at full resolution and only
# weighs them; the saving the fovea brings, looking closely at little, needs windows
# that see only part of the image. Lesson 13 trains such a model: it looks through a few
# small windows, one after another, and decides where to look next.

# %% [markdown]
# ## 8. Full scale: Flickr8k with a MobileNetV2 grid
#
# With `SCALE = "full"`, MobileNetV2 (ImageNet weights, head removed) turns each 224×224
# photo into a 7×7×1280 grid, computed once and cached on disk; the same
# `ShowAttendTell` decoder is trained on Flickr8k's captions (the setup cell found or
# downloaded the data, as in lesson 09). The run is
# `course_lib.full_scale.caption_flickr8k`; as in lesson 09, training keeps a backup
# after every epoch (`runs/10_flickr8k` in the data cache) and continues from it when the
# cell runs again. The cell plots the learning curve and the attention maps of the first
# words of a caption over its real photo.

# %%
if SCALE == "full":
    from course_lib import full_scale
    from course_lib.data.flickr8k import load_images

    # 7×7×1280 MobileNetV2 grids (float16, cached on disk), ShowAttendTell, 10 epochs on
    # 3 of the 5 captions per photo, resumable
    flickr = full_scale.caption_flickr8k("show_attend_tell", flickr_root, epochs=10, seed=SEED, captions_per_image=3)
    plots.plot_learning_curves(flickr.history, title="Flickr8k: training loss per epoch")
    plt.show()
    photo = load_images(flickr_root, flickr.test_images[:1], size=224)[0]
    words = flickr.hypotheses[0].split()[:5] or ["<end>"]  # the map of each of the first words
    fig, axes = plt.subplots(1, len(words), figsize=(2.4 * len(words), 2.6))
    for t, (ax, word) in enumerate(zip(np.atleast_1d(axes), words)):
        plots.plot_image_attention(photo, flickr.alpha[0, t], ax, title=word)
    plt.show()
    print(flickr.bleu)

# %% [markdown]
# ## Summary
#
# - Keeping the CNN's grid keeps *where*; spatial attention lets the decoder read a
#   different part of the image for every word: scores against every cell, a softmax
#   over the grid, a weighted sum as the context vector.
# - The attention score is lesson 08's additive attention; the grid cells play the role
#   of the source words (and Keras's `AdditiveAttention` computes the same weights).
# - The maps are interpretable and checkable: for colour and shape words, several times
#   more attention falls on the named object than uniform attention would put there, and
#   the single most-attended cell touches it for only half to three quarters of the
#   words (still several times a random cell's rate).
# - On the same held-out scenes, attention is at least as good as lesson 09's pooled
#   vector overall and much better on scenes with three objects; on one-object scenes
#   it is no better.
# - Attention needs a query, not an output sequence: with a question as the query, one
#   map per question lands on the object asked about, and the same scene is read
#   differently for each question. Averaging the grid answers most questions too (the
#   average says which colour–shape pairs are present) but makes several times more
#   errors on scenes with several objects.
#
# ## Exercises
#
# **Checked exercises:** [exercises/10_attention_captioning.ipynb](../exercises/10_attention_captioning.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/10_attention_captioning.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/10_attention_captioning.ipynb](../exercises/solutions/10_attention_captioning.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Start the decoder from zeros (`init_state="zeros"`), so everything it knows about
#    the image has to come through attention. How do BLEU and the attention score change
#    after 4 epochs, and after 8?
# 2. Remove the position embedding (a subclass of `ShowAttendTell` whose `encode` returns
#    only the projected grid). Which captions go wrong, and does attention still land on
#    the named objects?
# 3. Add the paper's doubly stochastic regularisation $\lambda \sum_{ij}(1 - \sum_t \alpha_{t,ij})^2$
#    (with `model.attend` and `add_loss`) and compare the maps. With 64 cells and about
#    11 words the attention adds up to about 11, so no cell can reach $\sum_t \alpha = 1$
#    everywhere: try a target of $T/L$ (words per cell) in place of 1.
# 4. Score the size words ("small", "big") too. Where does the model look for them?
# 5. Use a 4×4 grid (one more pooling). How do BLEU and the attention score change?
# 6. (A change to `course_lib`.) `course_lib/data/scenes.py` fixes three columns and at
#    most three objects (`N_COLUMNS`, `MAX_OBJECTS`). Allow four of each, extend the
#    caption grammar, and compare with lesson 09 again: does the gap widen?
# 7. In section 7, train `answering.AttendAndAnswer` on the colour questions only and
#    test it on the shape questions: with `sel = q_train.kind == "colour"`, fit on
#    `[g_train[q_train.image[sel]], qx_train[sel]]` and `q_train.answer[sel]`. What does it
#    answer, and where does it look? (The words "shape" and "one" were never trained,
#    and no shape answer ever got a positive gradient.)
