# %% [markdown]
# # 13 · RNNs beyond sequences: glimpses and drawing
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/13_rnns_beyond_sequences.ipynb)
#
# **Goals.** Use a recurrent network on data that has no time axis at all. First, classify
# a digit hidden somewhere on a cluttered canvas by looking at it through a few small
# windows, one after another, where the RNN decides where to look next from what it has
# seen so far. Second, train an RNN that writes a digit onto a blank canvas a few strokes
# at a time. Both use DRAW's Gaussian read/write window, which you will build and check
# against finite differences, and each claim is measured: accuracy after each glimpse,
# glimpses against a plain centred crop, where the glimpses land, the drawing's error after
# each step and how far the pen moves.
#
# **Covers:** RNNs on non-sequential data (the EECS498 lecture 12 notes): classifying an
# image from a sequence of glimpses (Mnih et al., 2014; Ba, Mnih & Kavukcuoglu, 2015; the
# cluttered-digit experiment of DRAW, Gregor et al., 2015), generating an image one step
# at a time (DRAW); the sequence is in the computation, not in the data.

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
# ## 1. A digit somewhere in the clutter
#
# Each canvas holds one real handwritten digit at a random place, among small pieces cut
# from other digits, the "cluttered translated" setting of Mnih et al. (2014). The pieces
# are cut from real strokes, so they look like bits of digits: the model has to find the
# one complete digit and read it. At lesson scale the digits are scikit-learn's 8×8 scans on a
# 24×24 canvas; at full scale (`SCALE = "full"`) they are MNIST's 28×28 digits on a 60×60
# canvas, downloaded once with a pinned checksum (`course_lib.data.mnist`); the 60,000
# training canvases then take about 0.9 GB of memory as float32.
#
# `cluttered.clutter` also returns each digit's box, which no model sees: we use it only
# to score where the models look.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib import fitting, glimpses, metrics, plots
from course_lib.data import cluttered, digits, mnist

SIZES = glimpses.SETTINGS[SCALE]  # canvas, clutter, windows and training budget of this scale
if SCALE == "full":
    (x_tr, y_tr), (x_te, y_te) = mnist.load_mnist()
else:
    (x_tr, y_tr), (x_te, y_te) = digits.load_digits(seed=SEED)
CANVAS = SIZES["canvas"]
clutter_args = dict(pieces=SIZES["pieces"], piece_size=SIZES["piece"])
train = cluttered.clutter(x_tr, y_tr, CANVAS, copies=SIZES["copies"], seed=SEED, **clutter_args)
test = cluttered.clutter(x_te, y_te, CANVAS, seed=SEED + 1, **clutter_args)
chance_inside = cluttered.box_area_fraction(test.boxes, CANVAS)
print(f"{len(train.images)} training and {len(test.images)} test canvases of {CANVAS}×{CANVAS};",
      f"a random point lands on the digit {chance_inside:.1%} of the time")

fig, axes = plt.subplots(1, 5, figsize=(11, 2.4))
for ax, i in zip(axes, range(5)):
    plots.plot_windows(test.images[i], None, 1, ax=ax, box=test.boxes[i], title=f"label {test.labels[i]}")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. A window you can move with gradient descent
#
# A hard crop ("the 6×6 pixels at row 10, column 4") cannot be trained by backpropagation:
# a small change of the position changes nothing until it jumps by a whole pixel. DRAW's
# window is soft. Along each axis it is a row of $n$ Gaussian filters: the window's centre
# $g$ and stride $\delta$ place filter $i$ at $\mu_i = g + (i - \tfrac{n-1}{2})\,\delta$,
# each normalised to sum to one. Here the width is tied to the stride, $\sigma = \delta/2$
# (DRAW learns $\sigma$ separately, and an intensity that scales the glimpse). Stacking the filters
# gives matrices $F_y$ ($n \times H$) and $F_x$ ($n \times W$), and
#
# $$\text{glimpse} = F_y\, x\, F_x^{\top} \quad (n \times n), \qquad
#   \text{write}(p) = F_y^{\top}\, p\, F_x \quad (H \times W).$$
#
# A wide stride gives a blurred overview of a large area; a stride near one pixel reads
# single pixels. The cell below reads one canvas at three strides; the one after it checks,
# for a random image $x$ and patch $p$, that writing is the transpose of reading
# ($\langle F_y x F_x^\top, p\rangle = \langle x, F_y^\top p F_x\rangle$), and checks the
# gradient of a glimpse with respect to the window's centre and stride against centred
# finite differences.

# %%
import tensorflow as tf

from course_lib.gradcheck import numeric_gradient, rel_error

N = SIZES["window"]
image = tf.constant(test.images[:1])
top, left, bottom, right = test.boxes[0]
cy, cx = (top + bottom - 1) / 2, (left + right - 1) / 2
fig, axes = plt.subplots(1, 4, figsize=(9, 2.4))
windows = np.array([[cy, cx, 1.0], [cy, cx, 2.0], [(CANVAS - 1) / 2, (CANVAS - 1) / 2, (CANVAS - 1) / (N - 1)]])
plots.plot_windows(test.images[0], windows, N, ax=axes[0], title="three windows")
for ax, (y, x, stride) in zip(axes[1:], windows):
    patch = glimpses.read_window(image, tf.constant([y]), tf.constant([x]), tf.constant([stride]), N)
    ax.imshow(patch[0].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"stride {stride:.1f}", fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Writing is the transpose of reading, and the gradient with respect to the window is
# exact (checked in float64 at a window off the pixel grid):

# %%
rng = np.random.default_rng(SEED)
window = np.array([cy + 0.3, cx - 0.4, 1.7])  # centre_y, centre_x, stride: off the pixel grid
x64 = tf.constant(test.images[:1], "float64")
p64 = tf.constant(rng.normal(size=(1, N, N)))
at = [tf.constant([v]) for v in window]
read_dot = float(tf.reduce_sum(glimpses.read_window(x64, *at, N) * p64))
write_dot = float(tf.reduce_sum(x64 * glimpses.write_window(p64, *at, (CANVAS, CANVAS))))
print(f"<read(x), p> = {read_dot:.6f}   <x, write(p)> = {write_dot:.6f}")
assert abs(read_dot - write_dot) < 1e-9 * max(1.0, abs(read_dot)), (
    f"write is the transpose of read: <read(x), p> = {read_dot:.6f} but <x, write(p)> = {write_dot:.6f} "
    f"(difference {abs(read_dot - write_dot):.1e})")


def glimpse_score(values):  # any smooth function of the glimpse will do
    return tf.reduce_sum(glimpses.read_window(x64, *[tf.reshape(v, (1,)) for v in values], N) * p64)


with tf.GradientTape() as tape:
    tape.watch(at)
    score = glimpse_score(at)
autodiff = np.array([float(g[0]) for g in tape.gradient(score, at)])
numeric = numeric_gradient(lambda: float(glimpse_score([tf.constant(v) for v in window])), window)
print("d score / d (centre_y, centre_x, stride): autodiff", autodiff.round(5), " numeric", numeric.round(5))
print(f"relative error {rel_error(autodiff, numeric):.1e}")
assert rel_error(autodiff, numeric) < 1e-6, (
    f"the window's gradient matches finite differences: relative error {rel_error(autodiff, numeric):.1e} (limit 1e-6)")

# %% [markdown]
# ## 3. The glimpse classifier
#
# The model is an RNN whose input is the *same* image at every step; what changes is its
# state. At step $t$:
#
# 1. a dense layer turns the previous state $h_{t-1}$ into a window
#    $(g_y, g_x, \delta)$ (`glimpses.window_from_params` keeps it on the canvas, the
#    stride between `MIN_STRIDE` and "the whole canvas");
# 2. the window reads an $n \times n$ glimpse of the canvas;
# 3. a dense ReLU layer reads the glimpse together with the window's position, and a GRU
#    cell takes the result:
#    $h_t = \mathrm{GRU}\big(\mathrm{ReLU}(W[\text{glimpse}_t;\ (g_y, g_x, \delta)/\text{size}]),\ h_{t-1}\big)$;
# 4. a dense layer guesses the class from $h_t$.
#
# The first window comes from $h_0 = 0$, so it is the same for every image: a place and
# stride learned for "before I have seen anything". Training asks for the label after
# *every* glimpse (the label repeated along the step axis), so the accuracy after one,
# two, … glimpses is measured by the same model. The hard-attention version of Mnih et
# al. (2014) crops a real patch and must be trained with a policy gradient (REINFORCE),
# whose noisy estimates need far more training than a CPU lesson allows; the soft window
# is trained by plain backpropagation.
#
# The comparison: the same network given a single glimpse of the same size fixed at the
# canvas's centre (a centred crop, `centred=True`), trained for the same number of epochs. At full scale
# the same cells train on MNIST through `full_scale.fit_named_run`, which prints a line
# per epoch, warns when no GPU is visible, and keeps the run in the data cache so that a
# disconnected Colab session continues from the last completed epoch.

# %%
from course_lib import full_scale

CPU_SECONDS_PER_STEP = {"glimpses": 0.06, "centred": 0.02, "drawer": 0.22}  # full scale, 2-core CPU


def fit(model, x, y, epochs, name):
    """``model.fit`` at lesson scale; at full scale resumable, with a line per epoch."""
    if SCALE == "full":  # runs/13_<name> in the data cache: a disconnect resumes from the last epoch
        return full_scale.fit_named_run(model, x, y, name=f"13_{name}", epochs=epochs, seed=SEED,
                                        cpu_seconds_per_step=CPU_SECONDS_PER_STEP[name]).history
    fitting.build_optimizer(model, x[:1])  # weights and Adam's variables now: fit traces its step once
    return model.fit(x, y, batch_size=64, epochs=epochs, verbose=0).history


def train_classifier(model, epochs, name):
    model.compile(keras.optimizers.Adam(3e-3, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    every_step = np.repeat(train.labels[:, None], model.steps, axis=1)  # (N, glimpses)
    t0 = time.perf_counter()
    history = fit(model, train.images, every_step, epochs, name)
    logits = model.predict(test.images, batch_size=512, verbose=0)  # (N, glimpses, 10)
    accuracy = (logits.argmax(-1) == test.labels[:, None]).mean(axis=0)
    print(f"{model.steps} glimpse(s): trained in {time.perf_counter() - t0:.0f} s, "
          f"final loss {history['loss'][-1]:.3f}, test accuracy per glimpse {accuracy.round(3)}")
    return accuracy

keras.utils.set_random_seed(SEED)
glimpser = glimpses.GlimpseClassifier(CANVAS, 10, glimpses=SIZES["glimpses"], window=N, units=SIZES["units"])
accuracy = train_classifier(glimpser, SIZES["epochs"], "glimpses")
keras.utils.set_random_seed(SEED)
centred = glimpses.GlimpseClassifier(CANVAS, 10, glimpses=1, window=N, units=SIZES["units"], centred=True)
centred_accuracy = float(train_classifier(centred, SIZES["epochs"], "centred")[0])
print(f"parameters: glimpse classifier {glimpser.count_params():,}, centred crop {centred.count_params():,}")

# %% [markdown]
# ## 4. Does looking more help?

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.2))
steps = np.arange(1, len(accuracy) + 1)
ax.plot(steps, accuracy, "o-", label="glimpse classifier, after t glimpses")
ax.axhline(centred_accuracy, color="C1", ls="--", label="one centred glimpse of the same size")
ax.axhline(0.1, color="grey", ls=":", label="chance")
ax.set(xlabel="glimpses seen", ylabel="test accuracy", ylim=(0, 1))
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"after 1 glimpse {accuracy[0]:.3f}, after 2 {accuracy[1]:.3f}, after {len(accuracy)} {accuracy[-1]:.3f};"
      f" centred crop {centred_accuracy:.3f}")
assert accuracy[-1] > accuracy[0] + 0.4, (
    f"several glimpses beat one (by more than 0.4): accuracy {accuracy[0]:.3f} after 1, {accuracy[-1]:.3f} after {len(accuracy)}")
assert accuracy[1] > accuracy[0] + 0.15, (
    f"the second glimpse adds a lot (more than 0.15): accuracy {accuracy[0]:.3f} after 1, {accuracy[1]:.3f} after 2")
assert np.diff(accuracy).min() > -0.03, (
    f"no later glimpse loses more than 3 points: accuracy per glimpse {np.round(accuracy, 3)}")
assert accuracy[-1] > centred_accuracy + 0.4, (
    f"moving glimpses beat a fixed centred one of the same size (by more than 0.4): "
    f"{accuracy[-1]:.3f} after {len(accuracy)} glimpses, centred crop {centred_accuracy:.3f}")

# %% [markdown]
# One glimpse is not enough, whether it is a blurred overview (the first learned window)
# or a sharp centred crop (which usually misses the digit, printed below). Accuracy climbs
# over the first glimpses, then flattens. Where do they go?
#
# ## 5. Where the glimpses land

# %%
windows = glimpser.windows(test.images)  # (N, glimpses, 3): centre_y, centre_x, stride
inside = metrics.windows_in_boxes(windows, test.boxes)
centred_inside = float(metrics.windows_in_boxes(centred.windows(test.images), test.boxes)[0])
stride = windows[..., 2].mean(axis=0)
print("glimpse centres on the digit, per step:", inside.round(3), f"(chance {chance_inside:.3f},",
      f"the centred crop {centred_inside:.3f})")
print("mean stride per step (pixels):", stride.round(2))
print(f"the first window spans {N * stride[0]:.0f} of {CANVAS} pixels a side, the last {N * stride[-1]:.0f}")
assert np.ptp(windows[:, 0], axis=0).max() < 1e-4, (
    f"the first window, from h0 = 0, is the same for every image: its centre and stride vary by up to "
    f"{np.ptp(windows[:, 0], axis=0).max():.1e} pixels (limit 1e-4)")
assert inside[1:].min() > 0.7 and inside[1:].min() > 3 * chance_inside, (
    f"placed from what the first saw, glimpses land on the digit (over 0.7 and 3 x chance {chance_inside:.3f}): "
    f"got {np.round(inside[1:], 3)} from the second glimpse on")
assert stride[0] > 1.4 * stride[-1], (
    f"a wide overview first, then closer looks (first stride > 1.4 x last): "
    f"mean stride {stride[0]:.2f} first, {stride[-1]:.2f} last")

guesses = glimpser.predict(test.images[:6], verbose=0)[:, -1].argmax(-1)  # after the last glimpse
fig, axes = plt.subplots(1, 6, figsize=(13, 2.5))
for ax, i in zip(axes, range(6)):
    plots.plot_windows(test.images[i], windows[i], N, ax=ax, box=test.boxes[i],
                       title=f"label {test.labels[i]}, guess {guesses[i]}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The first window is wide and blurred: it spans most of the canvas's width (about half
# its area) at a low resolution, enough to see *where* there is a large blob of ink but not
# which digit it is. From the
# second glimpse on, the windows are narrower and sit on the digit (the dashed box), a
# behaviour nothing in the loss asked for: the model is only ever told the label. This is
# the lecture's point about glimpses: the network turned one image into a sequence of
# decisions, each made from what the previous ones revealed.
#
# ## 6. An RNN that draws
#
# Now the other direction: the output is an image, built step by step. DRAW keeps a canvas
# $c$, starting blank, and at each step adds one write:
#
# 1. an encoder GRU sees the target $x$ and what is still missing, $x - c_{t-1}$ (and
#    the decoder's last state);
# 2. it passes a small code (its size is printed below) to a decoder GRU;
# 3. the decoder chooses a window and an $n \times n$ patch of ink, and
#    $c_t = c_{t-1} + F_y^{\top}\,\text{patch}\,F_x$.
#
# The loss is the squared error of the *final* canvas only; nothing asks for a good
# partial drawing. (DRAW passes the canvas through a sigmoid and scores it as Bernoulli
# pixel probabilities; squared error on the raw canvas is simpler and enough here.) The
# real DRAW also makes the code random (a variational autoencoder),
# which lets it draw new digits from noise; that part adds a second loss and much more
# training, so here the model learns only to redraw the digit it is shown (an autoencoder
# that has to draw through a small window). At lesson scale the digits are upsampled to
# 16×16 and the write window has 4×4 filters whose stride is capped at 1.5 pixels
# (`max_stride`), so one write covers at most a 6-pixel square: the pen is small against
# the page.

# %%
keras.utils.set_random_seed(SEED)
draw_tr = digits.upsample(x_tr, SIZES["draw_scale"]) if SIZES["draw_scale"] > 1 else x_tr
draw_te = digits.upsample(x_te, SIZES["draw_scale"]) if SIZES["draw_scale"] > 1 else x_te
SIDE = draw_tr.shape[1]
drawer = glimpses.Drawer(SIDE, steps=SIZES["draw_steps"], window=SIZES["draw_window"], units=SIZES["draw_units"],
                         max_stride=SIZES["draw_max_stride"])
drawer.compile(keras.optimizers.Adam(3e-3, clipnorm=1.0), loss="mse")
t0 = time.perf_counter()
history = fit(drawer, draw_tr, draw_tr, SIZES["draw_epochs"], "drawer")
pen = SIZES["draw_window"] * SIZES["draw_max_stride"]
print(f"drawer: {drawer.count_params():,} parameters, a code of {drawer.cell.code} numbers per step, "
      f"{SIDE}×{SIDE} images, a write covers at most "
      f"{pen:.0f}×{pen:.0f} pixels; trained in "
      f"{time.perf_counter() - t0:.0f} s; final training loss {history['loss'][-1]:.4f}")

# %% [markdown]
# ## 7. Step by step

# %%
canvases, writes = drawer.canvases(draw_te)  # (N, steps, SIDE, SIDE), (N, steps, 3)
error = ((canvases - draw_te[:, None]) ** 2).mean(axis=(0, 2, 3))  # per step
blank = float((draw_te**2).mean())  # the error of an empty canvas
ink = np.abs(np.diff(canvases, axis=1, prepend=0.0)).sum(axis=(2, 3))  # (N, steps): ink moved per step
largest_share = float((ink.max(axis=1) / ink.sum(axis=1)).mean())
centre_spread = float(writes[..., :2].std(axis=1).mean())
print("test error after each step:", error.round(4), f"(blank canvas {blank:.4f})")
print(f"the busiest step does {largest_share:.0%} of a drawing's ink on average; "
      f"the window's centre moves {centre_spread:.2f} pixels (std over steps)")
assert (np.diff(error) < 0).all(), f"every step brings the canvas closer to the digit: test error per step {np.round(error, 4)}"
assert error[-1] < 0.25 * blank, (
    f"the final canvas is close to the digit (error < 0.25 x blank canvas {blank:.4f}): got {error[-1]:.4f}")
assert largest_share < 0.4, f"no single step paints most of the digit (busiest step < 40% of the ink): got {largest_share:.0%}"
assert centre_spread > 0.75, f"the write window moves between steps (centre std > 0.75 pixels): got {centre_spread:.2f}"

steps, shown = drawer.steps, min(drawer.steps, 8)
fig, axes = plt.subplots(4, shown + 1, figsize=(1.3 * (shown + 1), 5.6))
for row, i in enumerate(range(4)):
    for col in range(shown):
        t = (col + 1) * steps // shown - 1  # every step, or every other one for 16 steps
        plots.plot_windows(np.clip(canvases[i, t], 0, 1), writes[i, t:t + 1], drawer.cell.window,
                           ax=axes[row, col], title=f"step {t + 1}" if row == 0 else None, start=t + 1)
    axes[row, -1].imshow(draw_te[i], cmap="gray", vmin=0, vmax=1)
    axes[row, -1].set_title("target" if row == 0 else None, fontsize=9)
    axes[row, -1].axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# The error falls at every step although only the last canvas is scored, and the drawing
# is spread over the steps: the window moves between steps and each step adds a part.
# A model allowed one write as wide as the image could paint a blurred digit at once;
# with a small pen, a drawing *has* to be a sequence (exercise 4 lifts the cap).
#
# ## 8. The sequence is in the computation
#
# Neither task had a sequence in its data: one image in, one label or one image out. Both
# models are still `keras.layers.RNN` over a sequence whose every element is the same
# image; the state carries what has been seen or drawn so far, and the *computation*
# unfolds in time. The lecture shows more of the same idea: Ba et al. (2015) read several
# digits and house numbers from glimpses; DRAW generates digits and street-view house
# numbers; and SPIRAL (Ganin et al., 2018) drives a painting program, choosing a brush
# stroke and where to put it at each step, to paint faces stroke by stroke. The same tools served the
# sequence lessons: a recurrent state, attention that chooses where to look (lesson 10
# did it over a CNN's grid with softmax weights, here a window with a position), and
# training by backpropagation through the steps.
#
# Both models save and reload in Keras' safe mode (their cells are registered classes
# with a config), and predict the same after reloading:

# %%
import tempfile
from pathlib import Path

for model, images in ((glimpser, test.images[:64]), (drawer, draw_te[:64])):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{model.name}.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    same = np.allclose(reloaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5)
    print(f"{type(reloaded).__name__} reloaded with safe_mode=True, same predictions: {same}")
    assert same, f"{model.name} should predict the same after reloading with safe_mode=True (atol 1e-5): allclose gave {same}"

# %% [markdown]
# ## Summary
#
# - An RNN can process data that has no order: feed it the same input at every step and
#   let its state decide what to do next. The sequence is in the computation.
# - DRAW's Gaussian window reads an $n \times n$ glimpse as $F_y x F_x^\top$ and writes a
#   patch as $F_y^\top p F_x$; it is smooth in its centre and stride, so where to look is
#   learned by backpropagation (checked against finite differences).
# - The glimpse classifier starts with a blurred overview, then puts its glimpses on the
#   digit without being told where it is; accuracy grows with the number of glimpses and
#   far exceeds one centred glimpse of the same size.
# - The drawing RNN builds its canvas in steps; the error falls at each step and the
#   write window moves, so no single step paints the digit.
#
# ## Exercises
#
# **Checked exercises:** [exercises/13_rnns_beyond_sequences.ipynb](../exercises/13_rnns_beyond_sequences.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/13_rnns_beyond_sequences.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/13_rnns_beyond_sequences.ipynb](../exercises/solutions/13_rnns_beyond_sequences.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Train `GlimpseClassifier` with `glimpses=2` and `glimpses=10` (with
#    `train_classifier(model, SIZES["epochs"], "two")`: at full scale each run needs a
#    name of its own). Does the accuracy after two glimpses depend on how many the model
#    was trained for?
# 2. Hide the window's position from the GRU (`feed_window=False`). Do glimpses still
#    land on the digit? How much accuracy is lost?
# 3. Make the clutter harder: `pieces=8` and `piece_size=5` in `cluttered.clutter`
#    (rebuild `train` and `test`, then train both models again with `train_classifier`,
#    under new run names at full scale). Which suffers more, the glimpse classifier or the
#    centred crop?
# 4. Train `Drawer` with `steps=2`, `window=8` and no `max_stride`. Is the error after
#    the last step lower or higher than with eight small writes? Look at the canvases.
# 5. Make the drawer variational: in a subclass of `DrawCell`, let `to_code` output a
#    mean and a log-variance, sample the code, and append the step's KL term to the
#    cell's output; in a subclass of `Drawer`, sum it over the steps in `call` and pass
#    it to `self.add_loss`. Draw new digits by feeding codes sampled from a standard
#    normal to the decoder.
