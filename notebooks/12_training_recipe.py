# %% [markdown]
# # 12 · The training recipe
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/12_training_recipe.ipynb)
#
# **Goals.** Walk through a step-by-step recipe for training a network when compute is
# scarce, running every step on a real problem (scikit-learn's handwritten digits) and
# checking what each step should show: the loss at initialisation, overfitting a tiny
# subset, a learning-rate range test, grid versus random search, training the chosen
# setting longer, reading learning curves, and squeezing out the last points with
# ensembles, snapshot ensembles and weight averaging (an exponential moving average of
# the weights).
#
# **Covers:** the training recipe (initial loss, overfit a small sample, find a learning
# rate, coarse-to-fine search on log and linear scales, train the chosen setting longer,
# learning-curve diagnosis), model ensembles, snapshot
# ensembles with a cyclic learning rate, weight averaging (Polyak averaging and its
# exponential moving-average form).

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
# ## 0. The problem
#
# Every step below uses the same real data: 1,797 scanned handwritten digits of 8×8
# pixels, flattened to 64 numbers. The training set (1,347 images) is split once more
# into 1,000 images to train on and 347 to *validate* on — the validation set is what
# the search and the diagnosis look at. The 450 test images are touched only in the last
# section, to measure ensembles honestly. The recipe is the same at any scale; at full
# scale only the epochs grow (the digits are the real data here, so there is nothing to
# download).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course_lib import callbacks, fitting, parallel_mlps, plots, recipe
from course_lib.data import digits

(x_train_full, y_train_full), (x_test, y_test) = digits.load_digits(seed=SEED)
x_train_full = x_train_full.reshape(len(x_train_full), -1)  # (1347, 64)
x_test = x_test.reshape(len(x_test), -1)  # (450, 64)
x_tr, y_tr = x_train_full[:1000], y_train_full[:1000]
x_val, y_val = x_train_full[1000:], y_train_full[1000:]
C = 10
EPOCH_SCALE = 3 if SCALE == "full" else 1
print("train", x_tr.shape, "validation", x_val.shape, "test", x_test.shape)


def make_mlp(hidden=64, last_init="glorot_uniform", seed=None, l2=0.0, last_activation=None):
    """x: (N, 64) -> logits (N, 10). l2 > 0 adds an L2 penalty l2 * sum(W**2) on both kernels;
    last_activation is applied to the logits (None, as it should be, for a from_logits loss)."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    penalty = keras.regularizers.L2(l2) if l2 > 0 else None
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(hidden, activation="relu", kernel_regularizer=penalty),
            keras.layers.Dense(C, activation=last_activation, kernel_initializer=last_init,
                               kernel_regularizer=penalty),
        ]
    )


def compile_mlp(model, optimizer):
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return fitting.build_optimizer(model)  # Adam's variables now: fit traces its step once (lesson 00)


# %% [markdown]
# ## 1. Check the loss at initialisation
#
# Before training anything, evaluate the freshly built model. With small random weights
# the network has no preference among the C = 10 classes, so its softmax is close to
# uniform and the cross-entropy is close to −log(1/C) = log C ≈ 2.30. Do this with no
# weight decay (a regulariser adds its own term, measured below). A value far from log C means a
# bug — a wrong label encoding, a missing softmax or a doubled one — or an initialisation
# that starts the network confidently wrong, as the second model (last layer drawn with
# standard deviation 3) shows.

# %%
good_init = compile_mlp(make_mlp(seed=SEED), keras.optimizers.Adam(1e-3))
bad_init = compile_mlp(make_mlp(last_init=keras.initializers.RandomNormal(stddev=3.0), seed=SEED),
                       keras.optimizers.Adam(1e-3))
loss_good = good_init.evaluate(x_tr, y_tr, verbose=0)[0]
loss_bad = bad_init.evaluate(x_tr, y_tr, verbose=0)[0]
print(f"log C = {np.log(C):.3f}   default init: {loss_good:.3f}   last layer std 3: {loss_bad:.3f}")
assert abs(loss_good - np.log(C)) < 0.25, (
    f"a fresh classifier should start near log C = {np.log(C):.3f} (within 0.25): got {loss_good:.3f}")
assert loss_bad > np.log(C) + 2.0, (
    f"an over-scaled last layer starts confidently wrong (loss above log C + 2 = {np.log(C) + 2:.3f}): got {loss_bad:.3f}")

# %% [markdown]
# **Why without weight decay.** log C is what the *cross-entropy* of a fresh model should
# be. With an L2 penalty on the weights, the loss Keras minimises and reports is the
# cross-entropy plus `l2 · Σ w²` over the penalised kernels, and at initialisation the
# weights are not small enough for that sum to vanish. Below, the same model, built from
# the same seed (so with the same weights), gets `keras.regularizers.L2()` at its default
# factor, `L2(0.01)`, on both kernels. Its initial loss is the first model's
# plus the penalty, which we compute from the weights by hand, so it sits well above
# log C: a check against log C alone would report a bug that is not there. Either switch
# the regulariser off for this step or subtract the penalty.

# %%
l2_init = compile_mlp(make_mlp(seed=SEED, l2=0.01), keras.optimizers.Adam(1e-3))  # same seed: same weights
loss_l2 = l2_init.evaluate(x_tr, y_tr, verbose=0)[0]
penalty = sum(0.01 * float(np.sum(keras.ops.convert_to_numpy(layer.kernel) ** 2)) for layer in l2_init.layers)
print(f"with L2(0.01): initial loss {loss_l2:.3f} = cross-entropy {loss_l2 - penalty:.3f} + penalty {penalty:.3f}")
print(f"log C + penalty = {np.log(C) + penalty:.3f}; without the penalty the same weights gave {loss_good:.3f}")
assert abs(loss_l2 - (loss_good + penalty)) < 1e-3, (
    f"the reported loss is the cross-entropy plus the L2 penalty (within 1e-3): {loss_l2:.4f} vs "
    f"{loss_good:.4f} + {penalty:.4f} = {loss_good + penalty:.4f}")
assert abs(loss_l2 - (np.log(C) + penalty)) < 0.25 and loss_l2 > np.log(C) + 0.5, (
    f"with an L2 penalty a fresh model starts near log C + penalty = {np.log(C) + penalty:.3f} (within 0.25), "
    f"more than 0.5 above log C = {np.log(C):.3f}: got {loss_l2:.3f}")

# %% [markdown]
# ## 2. Overfit a tiny subset
#
# Next, take a handful of examples — five per class, 50 images — switch off every
# regulariser and train until the network has memorised them: training accuracy 100%.
# If a network cannot fit 50 examples, it will not fit 1,000; fix the model, the
# optimizer or the learning rate first. It is a debugging step, not a model: on images
# it has not seen, its loss is many times its training loss.
#
# A trick used throughout this notebook: to run many optimizer steps cheaply, repeat the
# small array and train for a single epoch over it, instead of calling many tiny epochs.

# %%
rng = np.random.default_rng(SEED)
tiny = np.concatenate([rng.choice(np.flatnonzero(y_tr == c), 5, replace=False) for c in range(C)])
steps = 150
overfit = compile_mlp(make_mlp(seed=SEED), keras.optimizers.Adam(1e-2))
overfit.fit(np.tile(x_tr[tiny], (steps, 1)), np.tile(y_tr[tiny], steps), batch_size=len(tiny),
            epochs=1, verbose=0)
tiny_loss, tiny_acc = overfit.evaluate(x_tr[tiny], y_tr[tiny], verbose=0)
tiny_val_loss, tiny_val_acc = overfit.evaluate(x_val, y_val, verbose=0)
print(f"50 training images: accuracy {tiny_acc:.3f}, loss {tiny_loss:.4f}")
print(f"validation images : accuracy {tiny_val_acc:.3f}, loss {tiny_val_loss:.4f}")
assert tiny_acc == 1.0 and tiny_loss < 0.05, (
    f"the network must be able to memorise 50 examples (accuracy 1, loss < 0.05): "
    f"got accuracy {tiny_acc:.3f}, loss {tiny_loss:.4f}")
assert tiny_val_loss > 10 * tiny_loss, (
    f"memorising 50 examples is not generalising (validation loss above 10 x training loss): "
    f"validation {tiny_val_loss:.4f}, training {tiny_loss:.4f}")

# %% [markdown]
# **What a failed check looks like.** An easy slip when writing the model: copying the
# hidden layer's `activation="relu"` onto the last layer too, so that the network outputs
# ReLU(logits). Step 1 does not catch it: the fresh outputs are small either way, and the
# initial loss (printed below) is close to log C. Step 2 does: the same 150 steps on the
# same 50 images leave it far from memorising them. And, as the rule says, the full set
# does no better: trained for a few epochs on all 1,000 training images next to the healthy
# model, it stays far behind. The cause shows in its outputs. An output unit whose input
# turns negative on every image outputs 0 everywhere and gets no gradient, so it did not
# recover here, and its class can no longer win on the images where it is the correct one
# (the cell counts these dead units). The fix is in the model, not in more data or more
# epochs.

# %%
relu_out = compile_mlp(make_mlp(seed=SEED, last_activation="relu"), keras.optimizers.Adam(1e-2))
relu_init = relu_out.evaluate(x_tr, y_tr, verbose=0)[0]
relu_out.fit(np.tile(x_tr[tiny], (steps, 1)), np.tile(y_tr[tiny], steps), batch_size=len(tiny),
             epochs=1, verbose=0)
relu_tiny_loss, relu_tiny_acc = relu_out.evaluate(x_tr[tiny], y_tr[tiny], verbose=0)
print(f"ReLU on the logits: initial loss {relu_init:.3f} (log C = {np.log(C):.3f}); after {steps} steps "
      f"on the 50 images accuracy {relu_tiny_acc:.3f}, loss {relu_tiny_loss:.4f}")
full_epochs = 4 * EPOCH_SCALE
on_full = {}
for name, last in [("healthy", None), ("ReLU on the logits", "relu")]:
    net = compile_mlp(make_mlp(seed=SEED, last_activation=last), keras.optimizers.Adam(1e-2))
    net.fit(np.tile(x_tr, (full_epochs, 1)), np.tile(y_tr, full_epochs), batch_size=64, epochs=1, verbose=0)
    on_full[name] = net.evaluate(x_tr, y_tr, verbose=0)  # [loss, accuracy] on the training set
    print(f"{name:>18}, {full_epochs} epochs on all {len(x_tr)} training images: "
          f"loss {on_full[name][0]:.3f}, accuracy {on_full[name][1]:.3f}")
outputs = net.predict(x_tr, verbose=0)  # (1000, 10): the broken model's ReLU(logits)
dead = int(np.sum((outputs == 0).all(axis=0)))
print(f"output units at 0 on every training image: {dead} of {C}")
(ok_loss, ok_acc), (bad_loss, bad_acc) = on_full["healthy"], on_full["ReLU on the logits"]
assert abs(relu_init - np.log(C)) < 0.25, (
    f"the bug passes step 1 (initial loss within 0.25 of log C = {np.log(C):.3f}): got {relu_init:.3f}")
assert relu_tiny_acc < 0.9 and relu_tiny_loss > 0.25, (
    f"... and fails step 2 (accuracy below 0.9 and loss above 0.25 on the 50 images): "
    f"accuracy {relu_tiny_acc:.3f}, loss {relu_tiny_loss:.4f}")
assert bad_acc < ok_acc - 0.15 and bad_loss > 3 * ok_loss, (
    f"it cannot fit the full training set either (accuracy 0.15 below the healthy model's, loss above 3 x): "
    f"accuracy {bad_acc:.3f} vs {ok_acc:.3f}, loss {bad_loss:.3f} vs {ok_loss:.3f}")
assert dead >= 2, f"several output units have died (at least 2 at 0 on every training image): {dead} of {C}"

# %% [markdown]
# ## 3. Find a learning rate: the range test
#
# Now use all the training data and change only the learning rate. The *range test*
# trains for a few hundred batches while the rate grows geometrically from 1e-5 to 10,
# recording each batch's loss. At first the rate is too small to move anything; then the
# loss falls, fastest at a good rate; finally the steps are so large that the loss blows
# up. `recipe.suggest_learning_rate` picks the rate where the smoothed loss falls fastest.
# The test restores the model's weights afterwards. We check the suggestion by training
# three fresh models for the same number of steps: at the suggested rate, at 1/100 of it
# and at 100 times it.

# %%
probe = compile_mlp(make_mlp(seed=SEED), keras.optimizers.Adam(1e-3))
range_test = recipe.lr_range_test(probe, x_tr, y_tr, min_lr=1e-5, max_lr=10.0, steps=150, batch_size=64, seed=SEED)
lr_best = recipe.suggest_learning_rate(range_test["lr"], range_test["loss"])

results_lr = {}
for name, lr in [("suggested", lr_best), ("÷100", lr_best / 100), ("×100", lr_best * 100)]:
    m = compile_mlp(make_mlp(seed=SEED), keras.optimizers.Adam(lr))
    m.fit(np.tile(x_tr, (2 * EPOCH_SCALE, 1)), np.tile(y_tr, 2 * EPOCH_SCALE), batch_size=64, epochs=1, verbose=0)
    results_lr[name] = (lr, *m.evaluate(x_val, y_val, verbose=0))

fig, ax = plt.subplots(figsize=(6.5, 3.2))
finite = np.isfinite(range_test["loss"])
ax.semilogx(range_test["lr"][finite], range_test["loss"][finite], lw=1)
ax.axvline(lr_best, color="C3", ls="--", label=f"suggested {lr_best:.2g}")
ax.set(xlabel="learning rate (Adam)", ylabel="batch loss", ylim=(0, 2 * np.log(C)), title="LR range test")
ax.legend()
plt.show()
for name, (lr, loss, acc) in results_lr.items():
    print(f"{name:>9}: lr {lr:.2g}  validation loss {loss:.3f}  accuracy {acc:.3f}")
first_loss, min_loss = range_test["loss"][:10].mean(), np.nanmin(range_test["loss"])
assert 1e-4 < lr_best < 1.0, f"the range test should suggest a learning rate between 1e-4 and 1: got {lr_best:.2g}"
assert min_loss < 0.5 * first_loss, (
    f"the loss must fall in the middle of the range (below half its start): lowest {min_loss:.3f}, start {first_loss:.3f}")
assert range_test["loss"][-10:].min() > 2 * min_loss, (
    f"and blow up at the end (the last 10 losses above 2 x the lowest, {min_loss:.3f}): "
    f"the smallest of them {range_test['loss'][-10:].min():.3f}")
acc_best = results_lr["suggested"][2]
assert acc_best > results_lr["÷100"][2] + 0.1 and acc_best > results_lr["×100"][2] + 0.1, (
    f"the suggested rate beats rates 100x smaller and larger by more than 0.1 validation accuracy: "
    f"suggested {acc_best:.3f}, ÷100 {results_lr['÷100'][2]:.3f}, ×100 {results_lr['×100'][2]:.3f}")

# %% [markdown]
# ## 4–5. Coarse-to-fine search: grid versus random
#
# Two hyperparameters matter for SGD with momentum: the learning rate and the
# weight decay (an L2 penalty). Both are *scale* parameters, so we search them in log
# space: learning rate in [1e-4, 1], weight decay in [1e-6, 1e-2]. With a budget of 16
# trials, a **grid** tries 4 values of each; a **random search** draws 16 independent
# log-uniform points. If one hyperparameter matters much more than the other (it
# usually does, and we check it), the grid has spent 16 trials on only 4 values of the
# important one, while random search tried 16 different values of it.
#
# Each trial trains a small MLP for a few epochs and is scored on the validation set.
# To afford many trials, `parallel_mlps.train_parallel_mlps` trains all of them *at once*: K
# independent networks stacked in one tensor, each with its own learning rate and
# weight decay (the gradient of the summed loss with respect to one network's weights is
# that network's own gradient, so they never interact). We run the grid and five
# independent random searches of the same budget — 96 networks in one go.
#
# Search is not the only way. The validation loss after training is itself a function of
# the learning rate and the weight decay, and its gradient can be computed through the
# whole training run: Maclaurin, Duvenaud and Adams (2015) did so by running SGD with
# momentum backwards exactly, and tuned thousands of hyperparameters by gradient descent.
# It costs far more memory and work per trial than one training run, so for two
# hyperparameters, as here, a search is the practical choice; the end of this section
# tries the cheapest gradient-based form, which adapts the learning rate within one run.

# %%
space = {"lr": (1e-4, 1.0), "weight_decay": (1e-6, 1e-2)}
BUDGET, REPEATS = 16, 5
grid = recipe.grid_search_points(space, per_axis=4)
randoms = [recipe.random_search_points(space, BUDGET, seed=1000 * SEED + r) for r in range(REPEATS)]
trials = pd.DataFrame(grid + [p for r in randoms for p in r])
trials["search"] = ["grid"] * BUDGET + [f"random {r}" for r in range(REPEATS) for _ in range(BUDGET)]
run = parallel_mlps.train_parallel_mlps(x_tr, y_tr, x_val, y_val, trials["lr"].to_numpy(),
                                 weight_decay=trials["weight_decay"].to_numpy(), hidden=32,
                                 epochs=8 * EPOCH_SCALE, batch_size=64, seed=SEED)
trials["val_accuracy"] = run["val_accuracy"][:, -1]
grid_df, random_df = trials[trials.search == "grid"], trials[trials.search == "random 0"]
print("best trials of the grid and of the first random search:")
print(pd.concat([grid_df.nlargest(4, "val_accuracy"), random_df.nlargest(4, "val_accuracy")])
      .to_string(float_format=lambda v: f"{v:.3g}"))

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
for ax, df, name in [(axes[0], grid_df, "grid"), (axes[1], random_df, "random")]:
    sc = ax.scatter(df.lr, df.weight_decay, c=df.val_accuracy, cmap="viridis", vmin=0, vmax=1, s=45)
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="weight decay", title=f"{name} search, 16 trials")
fig.colorbar(sc, ax=axes[1], label="validation accuracy")
axes[2].semilogx(grid_df.lr, grid_df.val_accuracy, "s", label="grid", ms=7, alpha=0.7)
axes[2].semilogx(random_df.lr, random_df.val_accuracy, "o", label="random", ms=5)
axes[2].set(xlabel="learning rate", ylabel="validation accuracy", title="projected on the learning rate")
axes[2].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# How important is each hyperparameter? On the grid, average the accuracy over one axis
# and look at how much the averages vary along the other: that is each hyperparameter's
# main effect. Then look at the band of learning rates that work (trials within 0.03 of
# the best of all six searches) and count how many *distinct* rates each search tried
# inside it: the grid can put at most one or two of its four rates there, random search
# typically several. Finally compare the best trial of the grid with the best trial of
# each random search. The grid does well when one of its four rates happens to sit near
# the best rate; random search needs no such luck: on average it does about as well, it
# matches or beats the grid in most searches though not in every one (the cell prints how
# many of the five), and its 16 rates map the accuracy-vs-learning-rate curve (right
# panel) far better.
#
# This is the argument of Bergstra and Bengio (2012, *Random Search for Hyper-Parameter
# Optimization*, JMLR): in their neural-network experiments only a few hyperparameters
# mattered for each data set, and not the same few for every data set, so a grid, which
# must be laid out before anyone knows which axes matter, spends most of its trials
# repeating values of the axes that change nothing. The run below measures both halves of
# that on one small problem: the learning rate's main effect dwarfs the weight decay's,
# and the random searches put more distinct rates into the band that works.

# %%
table = grid_df.pivot_table(index="weight_decay", columns="lr", values="val_accuracy")
effect_lr, effect_wd = table.mean(axis=0).std(), table.mean(axis=1).std()
n_lr_grid, n_lr_random = grid_df.lr.round(12).nunique(), random_df.lr.round(12).nunique()
best_grid = grid_df.val_accuracy.max()
best_random = trials[trials.search != "grid"].groupby("search").val_accuracy.max()
print(f"spread of mean accuracy along the learning rate {effect_lr:.3f}, along the weight decay {effect_wd:.3f}")
print(f"distinct learning rates tried: grid {n_lr_grid}, random {n_lr_random}")
print(f"best grid trial {best_grid:.3f}; best of each random search {np.round(best_random.to_numpy(), 3)}"
      f" ({(best_random >= best_grid).sum()} of {REPEATS} at least as good)")
# the rates that work: within 0.03 of the best trial of all six searches
good = trials[trials.val_accuracy >= trials.val_accuracy.max() - 0.03]
good_lr = good.groupby("search").lr.apply(lambda v: v.round(12).nunique()).reindex(trials.search.unique(), fill_value=0)
good_random = good_lr.drop("grid")
print(f"good learning rates: {good.lr.min():.3g} .. {good.lr.max():.3g}; distinct ones tried there: "
      f"grid {good_lr['grid']}, random searches {good_random.to_numpy()}")
assert effect_lr > 5 * effect_wd, (
    f"the learning rate is the important hyperparameter here (main effect > 5 x the weight decay's): "
    f"spread along the learning rate {effect_lr:.3f}, along the weight decay {effect_wd:.3f}")
assert good_random.mean() > 1.5 * good_lr["grid"], (
    f"random search tries more distinct rates where the rates are good (on average > 1.5 x the grid): "
    f"grid {good_lr['grid']}, random searches {good_random.to_numpy()} (mean {good_random.mean():.1f})")
assert best_random.mean() >= best_grid - 0.015, (
    f"random search does about as well on average (within 0.015 of the grid): best grid trial {best_grid:.3f}, "
    f"mean best random trial {best_random.mean():.3f}")

# %% [markdown]
# With two hyperparameters the grid still tried 4 rates. With more, it runs out: a grid
# with `p` values per axis costs `p^d` trials for `d` hyperparameters, so a fixed budget
# leaves it fewer values of each axis the more axes there are, while random search tries
# as many values of every axis as it has trials. The count, for a budget of 64 trials
# (from `recipe.grid_search_points` and `recipe.random_search_points`, no training):

# %%
rows_d = []
for d in range(1, 7):
    space_d = {f"h{j}": (1e-4, 1.0) for j in range(d)}
    per_axis = max(p for p in range(2, 65) if p**d <= 64)  # the most values per axis the budget allows
    grid_d = recipe.grid_search_points(space_d, per_axis)
    random_d = recipe.random_search_points(space_d, 64, seed=SEED)
    rows_d.append({"hyperparameters": d, "grid trials": len(grid_d),
                   "grid: values of h0": len({p["h0"] for p in grid_d}),
                   "random: values of h0": len({p["h0"] for p in random_d}),
                   "a 4-value grid would cost": 4 ** d})
budget_table = pd.DataFrame(rows_d).set_index("hyperparameters")
print(budget_table.to_string())
assert budget_table["grid: values of h0"].iloc[-1] == 2 and (budget_table["random: values of h0"] == 64).all(), (
    f"with 6 hyperparameters a 64-trial grid tries 2 values of each, random search 64: {budget_table.to_dict()}")

# %% [markdown]
# **Fine stage.** Coarse search found the region; now zoom in: search again, with another
# 16 random trials, only between the smallest and the largest learning rate of the three
# best coarse trials, and between a third of the smallest and three times the largest of
# their weight decays (the cell prints both ranges). No trial is wasted on a hopeless rate
# any more: even the worst fine trial is about as good as the median coarse one, and the
# typical fine trial is close to the best coarse one.

# %%
top3 = random_df.nlargest(3, "val_accuracy")
fine_space = {"lr": (top3.lr.min() * 0.9, top3.lr.max() * 1.1),
              "weight_decay": (max(top3.weight_decay.min() / 3, 1e-6), min(top3.weight_decay.max() * 3, 1e-2))}
print(f"fine ranges: learning rate {fine_space['lr'][0]:.3g} .. {fine_space['lr'][1]:.3g}, "
      f"weight decay {fine_space['weight_decay'][0]:.2g} .. {fine_space['weight_decay'][1]:.2g}")
fine = pd.DataFrame(recipe.random_search_points(fine_space, BUDGET, seed=SEED + 7))
fine_run = parallel_mlps.train_parallel_mlps(x_tr, y_tr, x_val, y_val, fine["lr"].to_numpy(),
                                      weight_decay=fine["weight_decay"].to_numpy(), hidden=32,
                                      epochs=8 * EPOCH_SCALE, batch_size=64, seed=SEED + 1)
fine["val_accuracy"] = fine_run["val_accuracy"][:, -1]
print(f"coarse random: median {random_df.val_accuracy.median():.3f}, best {random_df.val_accuracy.max():.3f}")
print(f"fine random  : median {fine.val_accuracy.median():.3f}, best {fine.val_accuracy.max():.3f}")
print(f"worst trial  : coarse {random_df.val_accuracy.min():.3f}, fine {fine.val_accuracy.min():.3f}")
assert fine.val_accuracy.min() > random_df.val_accuracy.median() - 0.02, (
    f"even the worst fine trial is about as good as the median coarse one (within 0.02): "
    f"worst fine {fine.val_accuracy.min():.3f}, median coarse {random_df.val_accuracy.median():.3f}")
assert fine.val_accuracy.median() > random_df.val_accuracy.max() - 0.02, (
    f"the typical fine trial is close to the best coarse one (within 0.02): "
    f"median fine {fine.val_accuracy.median():.3f}, best coarse {random_df.val_accuracy.max():.3f}")

# %% [markdown]
# **Not every hyperparameter is a scale.** The learning rate and the weight decay were
# searched in log space because what matters is their order of magnitude: 1e-3 and 1e-2
# differ as much as 1e-2 and 1e-1. A dropout rate is different: it is the fraction of
# hidden units switched off at each step, it lives in [0, 1), and going from 0.3 to 0.4
# removes as many units as going from 0.0 to 0.1. Such a parameter is searched on a
# linear scale (uniformly). Below, 16 rates drawn uniformly from [0, 0.8] and 16 drawn
# log-uniformly from [0.01, 0.8] train at the best fine setting; the cell prints how each
# search spreads its trials and how much the accuracy moves across the range.

# %%
best = fine.loc[fine.val_accuracy.idxmax()]
rate_lin = recipe.random_search_points({"dropout": (0.0, 0.8, "linear")}, BUDGET, seed=SEED + 21)
rate_log = recipe.random_search_points({"dropout": (0.01, 0.8)}, BUDGET, seed=SEED + 22)
rates = np.array([p["dropout"] for p in rate_lin + rate_log])
drop_run = parallel_mlps.train_parallel_mlps(x_tr, y_tr, x_val, y_val, np.full(len(rates), best.lr),
                                             weight_decay=best.weight_decay, dropout=rates, hidden=32,
                                             epochs=8 * EPOCH_SCALE, batch_size=64, seed=SEED + 3)
drop_acc = drop_run["val_accuracy"][:, -1]
lin, log = slice(0, BUDGET), slice(BUDGET, None)
below = {}
for name, part in (("uniform", lin), ("log-uniform", log)):
    r, a = rates[part], drop_acc[part]
    below[name] = int(np.sum(r < 0.1))
    print(f"{name:>11}: {below[name]:2d} of {BUDGET} rates below 0.1, {np.sum(r > 0.4):2d} above 0.4; "
          f"accuracy {a.min():.3f} .. {a.max():.3f}")
low, high = drop_acc[rates < 0.1], drop_acc[lin][rates[lin] > 0.4]
print(f"mean accuracy: {low.mean():.3f} over the {len(low)} trials below 0.1 (spread {np.ptp(low):.3f}), "
      f"{high.mean():.3f} over the {len(high)} uniform trials above 0.4")

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(rates[lin], drop_acc[lin], "o", label="uniform in [0, 0.8]")
ax.plot(rates[log], drop_acc[log], "x", label="log-uniform in [0.01, 0.8]")
ax.set(xlabel="dropout rate", ylabel="validation accuracy", title="searching a linear-scale hyperparameter")
ax.legend(fontsize=8)
plt.show()
assert below["log-uniform"] > below["uniform"] + 4, (
    f"a log scale crowds the trials near zero (more than 4 extra below 0.1): "
    f"{below['log-uniform']} of {BUDGET} log-uniform rates below 0.1, {below['uniform']} uniform ones")
assert high.mean() < low.mean() - 0.02, (
    f"large rates cost accuracy, small ones hardly change it (more than 0.02 lower above 0.4): "
    f"mean accuracy {high.mean():.3f} above 0.4, {low.mean():.3f} below 0.1")

# %% [markdown]
# The log-uniform search put most of its trials below 0.1, where accuracy barely moves,
# and only a few above 0.4 (the cell prints how many), where it falls: it spends its
# budget on the part of the range that tells it least. The uniform search covers the
# range evenly and shows what dropout does to this network: nothing much at small rates,
# and falling accuracy at the largest ones. On this small network no rate beat the
# smallest ones; where dropout does help, a uniform search is how its best rate is found.

# %% [markdown]
# **Model size** is the other hyperparameter the lecture notes search on a linear scale:
# a width is a count of units, and what a hidden layer costs grows in proportion to it.
# On a log scale every doubling of the width gets the same share of the trials instead,
# and the narrow end, where a doubling is only a few units, takes most of them. Which
# scale suits depends on where accuracy changes with width: over a range as wide as 8 to
# 256 a log scale (or powers of two) is common too, and section 6's table below shows
# accuracy changing little between its wider models. Below, the same sampler draws 16
# hidden-layer widths between 8 and 256 both ways (no training) and counts how many land
# in the upper half of the range, in one search and on average over 1,000 searches: an
# illustration of what each scale does with 16 trials, and a check of the sampler.

# %%
lo, hi = 8, 256
counts = {}
for name, spec in [("log-uniform", (lo, hi)), ("uniform", (lo, hi, "linear"))]:
    draws = recipe.random_search_points({"hidden": spec}, 1000 * BUDGET, seed=SEED + 23)
    widths = np.round([p["hidden"] for p in draws]).astype(int).reshape(1000, BUDGET)  # 1000 searches of 16
    upper = (widths > (lo + hi) / 2).sum(axis=1)  # (1000,) widths above the middle, per search
    counts[name] = upper.mean()
    print(f"{name:>11}: one search {np.sort(widths[0])}; {upper[0]} of {BUDGET} above {(lo + hi) // 2}, "
          f"{upper.mean():.1f} on average")
assert counts["uniform"] > counts["log-uniform"] + 3, (
    f"a uniform search puts more than 3 more of its 16 widths in the upper half of the range: "
    f"{counts['uniform']:.1f} uniform vs {counts['log-uniform']:.1f} log-uniform (averages over 1,000 searches)")

# %% [markdown]
# **Train longer.** Every trial above trained for the same short budget, so that many
# could be compared; the budget ranked the settings, it did not finish training them.
# The recipe's last step of the search is to take the best setting and train it for
# longer. Below, the best fine trial's learning rate and weight decay train three fresh
# networks (three initialisations) for three times the search's epochs, and we read the
# validation accuracy of each at the search's budget and at the end of the longer run.
# How much it adds depends on how far from converged the search's budget left the runs:
# at lesson scale (8 epochs) far, so every run gains; at full scale the search already
# trains 24 epochs, the runs are much closer to converged, so there
# the check is only that the longer run does not lose.

# %%
SEARCH_EPOCHS = 8 * EPOCH_SCALE
longer = parallel_mlps.train_parallel_mlps(x_tr, y_tr, x_val, y_val, np.full(3, best.lr),
                                           weight_decay=best.weight_decay, hidden=32,
                                           epochs=3 * SEARCH_EPOCHS, batch_size=64, seed=SEED + 2)
at_budget = longer["val_accuracy"][:, SEARCH_EPOCHS - 1]
at_end = longer["val_accuracy"][:, -1]
print(f"best fine setting: learning rate {best.lr:.3g}, weight decay {best.weight_decay:.2g}")
print(f"validation accuracy of three runs after {SEARCH_EPOCHS} epochs {np.round(at_budget, 3)}, "
      f"after {3 * SEARCH_EPOCHS} {np.round(at_end, 3)}")
gain = np.median(at_end - at_budget)
print(f"median gain from training three times longer: {gain:+.3f}")
if SEARCH_EPOCHS <= 8:  # the search's short budget left the runs far from converged
    assert gain > 0.01 and (at_end > at_budget).all(), (
        f"after a short budget every run gains from a longer one, the median by more than 0.01: "
        f"gains {np.round(at_end - at_budget, 3)}")
else:  # a long search budget: the runs had nearly converged, a longer run must not hurt
    assert gain > -0.005, f"a longer run costs nothing once the budget is long: median gain {gain:+.3f}"

# %% [markdown]
# ### A gradient for the learning rate
#
# Section 4–5's paragraph on gradient-based search, in its cheapest form: *hypergradient
# descent* (Baydin et al., 2018) adapts the learning rate during one run. A step of plain
# gradient descent is `θ_t = θ_{t−1} − α g_{t−1}`, with `g` the gradient of the training
# loss, so the derivative of the next loss with respect to the rate is
# `∂L(θ_t)/∂α = −g_t · g_{t−1}`. Taking a gradient step on `α` as well gives
# `α ← α + β g_t · g_{t−1}`: when two successive gradients point the same way the rate was
# too timid and grows; when they point against each other it overshot and shrinks. Below,
# full-batch gradient descent trains a softmax regression on the 1,000 training digits for
# 200 steps from four starting rates 1,000 times apart, once with the rate fixed and once
# adapted with `β = 1`. The hyperparameter has not gone away (there is `β` now), but the
# run no longer depends much on the starting rate.

# %%
def softmax_regression_loss(W, x, y):
    """x: (N, 64), y: (N,), W: (65, 10) with the bias as the last row -> (mean cross-entropy, dL/dW)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    z = xb @ W
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    p[np.arange(len(y)), y] -= 1  # dL/dz of the mean cross-entropy, times N
    return loss, xb.T @ p / len(y)


def descend(lr, beta, steps=200):
    """Full-batch gradient descent from W = 0; beta > 0 adapts lr by its hypergradient.
    Returns (validation cross-entropy, the learning rate used at every step)."""
    W, previous, rates = np.zeros((65, C)), np.zeros((65, C)), []
    for _ in range(steps):
        _, g = softmax_regression_loss(W, x_tr, y_tr)
        lr += beta * np.sum(g * previous)  # α ← α − β ∂L/∂α, with ∂L/∂α = −g_t · g_{t−1}
        W -= lr * g
        previous = g
        rates.append(lr)
    return softmax_regression_loss(W, x_val, y_val)[0], np.array(rates)


starts = (1e-3, 1e-2, 1e-1, 1.0)
fixed = {lr0: descend(lr0, beta=0.0)[0] for lr0 in starts}
adapted = {lr0: descend(lr0, beta=1.0) for lr0 in starts}
for lr0 in starts:
    print(f"start {lr0:6g}: validation cross-entropy fixed {fixed[lr0]:.3f}, adapted "
          f"{adapted[lr0][0]:.3f}; the adapted rate ends at {adapted[lr0][1][-1]:.2f}")
ends = np.array([adapted[lr0][1][-1] for lr0 in starts])
print(f"final rates within a factor {ends.max() / ends.min():.2f} of each other (the starts: 1000)")
assert ends.max() / ends.min() < 2, (
    f"hypergradient descent brings starting rates 1000x apart within a factor 2: final rates {ends.round(2)}")
assert all(adapted[lr0][0] < fixed[lr0] for lr0 in starts), (
    f"the adapted rate ends with a lower validation loss than the fixed one from every start: "
    f"fixed {[round(v, 3) for v in fixed.values()]}, adapted {[round(a[0], 3) for a in adapted.values()]}")

# %% [markdown]
# ## 6. Read the learning curves
#
# Learning curves tell you what to change next. Below are six real runs, each set up to
# show one pattern (three replicas of each are trained, from different initial weights,
# so the checks below use the median of three; the plots show the first replica):
#
# | run | what you see | what to do |
# |---|---|---|
# | good | both losses fall and level off close together | train longer, then stop |
# | bad initialisation (weights ×0.01) | a flat start at log C, then a sudden drop | fix the initialisation |
# | learning rate too high (0.5, weight decay 3e-3) | fast progress, then a plateau; a decay (dashed) at the plateau breaks through | decay the rate |
# | decay too early | good start, then an almost flat line after the rate is cut at epoch 1 | keep the rate longer |
# | overfitting (50 training images) | training loss → 0 while the gap to validation grows | more data, more regularisation or a smaller model |
# | underfitting (strong weight decay) | train and validation agree, both mediocre | a bigger model or less regularisation |
#
# The last two rows' remedies are put to the test after the curves.

# %%
E = 30
steps_per_epoch = int(np.ceil(len(x_tr) / 64))
S = E * steps_per_epoch
runs = ["good", "bad init", "LR too high", "LR too high + decay", "decay too early", "overfitting", "underfitting"]
REPLICAS = 3  # of each run, from different initial weights
lr_sched = np.full((len(runs), S), 0.03, "float32")
lr_sched[2:4] = 0.5
lr_sched[3, S // 2:] = 0.005
lr_sched[4, steps_per_epoch:] = 0.0003
init_scale = np.ones(len(runs))
init_scale[1] = 0.01
decay = np.zeros(len(runs))
decay[2:4] = 3e-3  # a little weight decay gives the loss a floor above zero
decay[6] = 0.08
mask = np.ones((len(runs), len(x_tr)), "float32")
mask[5] = 0
mask[5, rng.choice(len(x_tr), 50, replace=False)] = 1
gallery = parallel_mlps.train_parallel_mlps(
    x_tr, y_tr, x_val, y_val, np.repeat(lr_sched, REPLICAS, axis=0),
    weight_decay=np.repeat(decay, REPLICAS), init_scale=np.repeat(init_scale, REPLICAS),
    example_mask=np.repeat(mask, REPLICAS, axis=0), hidden=32,
    epochs=E, batch_size=64, seed=SEED,
)
curves = {k: gallery[k].reshape(len(runs), REPLICAS, E) for k in ("loss", "val_loss", "accuracy", "val_accuracy")}
med = {k: np.median(v, axis=1) for k, v in curves.items()}  # (runs, epochs)


def history_of(i, r=0):
    return {k: curves[k][i, r] for k in curves}


fig, axes = plt.subplots(2, 3, figsize=(12, 6.4), sharex=True)
panels = [(0, "good", "loss"), (1, "bad initialisation", "loss"), (2, "LR too high (dashed: decayed at 15)", "loss"),
          (4, "decay too early", "loss"), (5, "overfitting", "loss"), (6, "underfitting", "accuracy")]
for ax, (i, title, metric) in zip(axes.ravel(), panels):
    plots.plot_learning_curves(history_of(i), ax, metric=metric, title=title, log_y=metric == "loss")
    if i == 2:
        ax.plot(np.arange(1, E + 1), curves["loss"][3, 0], "C0--", label="train loss, decayed")
        ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %%
L, VL, VA, A = med["loss"], med["val_loss"], med["val_accuracy"], med["accuracy"]
loss_ratio = VL[:, -1] / L[:, -1]  # validation loss / training loss at the end
plateau_const, plateau_decay = L[2, -5:].mean(), L[3, -5:].mean()
gap = A[:, -1] - VA[:, -1]
print(f"bad init: loss after 3 epochs {L[1, 2]:.2f} (good run {L[0, 2]:.2f}), after {E}: {L[1, -1]:.3f}")
print(f"LR too high: last-5-epoch train loss {plateau_const:.3f} constant vs {plateau_decay:.4f} decayed")
print(f"decay too early: final train loss {L[4, -1]:.3f} vs good {L[0, -1]:.3f}")
print(f"train−validation accuracy gap: good {gap[0]:.3f}, overfitting {gap[5]:.3f}, underfitting {gap[6]:.3f}")
print(f"validation loss / training loss: good {loss_ratio[0]:.2f}, overfitting {loss_ratio[5]:.1f}, "
      f"underfitting {loss_ratio[6]:.2f}")
print(f"training accuracy: good {A[0, -1]:.3f}, underfitting {A[6, -1]:.3f}")
assert L[1, 2] > 0.95 * np.log(C) and L[0, 2] < 0.6 * np.log(C), (
    f"bad init: a flat start (loss after 3 epochs above 0.95 log C = {0.95 * np.log(C):.2f}, good run below "
    f"0.6 log C = {0.6 * np.log(C):.2f}): bad init {L[1, 2]:.2f}, good run {L[0, 2]:.2f}")
assert L[1, -1] < 0.3 * np.log(C), (
    f"... and it does learn later (final loss below 0.3 log C = {0.3 * np.log(C):.2f}): got {L[1, -1]:.3f}")
assert plateau_decay < 0.65 * plateau_const, (
    f"decaying the high rate breaks through the plateau (below 0.65 x the constant rate's): "
    f"last-5-epoch train loss {plateau_decay:.4f} decayed, {plateau_const:.3f} constant")
assert L[4, -1] > 5 * L[0, -1], (
    f"decaying too early stalls training (final train loss above 5 x the good run's): "
    f"{L[4, -1]:.3f} vs good {L[0, -1]:.3f}")
assert gap[5] > 0.08 and gap[5] > 2 * gap[0], (
    f"overfitting: a large train/validation gap (above 0.08 and 2 x the good run's): "
    f"overfitting {gap[5]:.3f}, good {gap[0]:.3f}")
assert loss_ratio[5] > 3 * loss_ratio[0], (
    f"overfitting: validation loss far above training loss (ratio above 3 x the good run's): "
    f"validation / training loss {loss_ratio[5]:.1f} overfitting, {loss_ratio[0]:.2f} good")
assert loss_ratio[6] < 1.2 and A[6, -1] < A[0, -1] - 0.03, (
    f"underfitting: no gap, lower accuracy (loss ratio below 1.2, training accuracy 0.03 below the good run): "
    f"loss ratio {loss_ratio[6]:.2f}, training accuracy {A[6, -1]:.3f} vs good {A[0, -1]:.3f}")

# %% [markdown]
# ### Acting on the diagnosis
#
# The table's last column is advice; here it is measured. We train the overfitting and
# underfitting runs again with each remedy applied — the same learning rate, epochs and
# batches, three replicas of each, medians as above — and read the same numbers:
# training and validation accuracy, their gap, and the ratio of validation to training
# loss.
#
# - Overfitting (50 images, 32 hidden units): more data (250 images), more regularisation
#   (weight decay 0.01), a smaller model (4 hidden units).
# - Underfitting (weight decay 0.08): less regularisation (weight decay 0.02), a bigger
#   model (256 hidden units).
# - A second underfitting run with another cause: 4 hidden units and no weight decay. Its
#   bigger model is the gallery's good run (32 units, otherwise the same).

# %%
def rerun(hidden, variants, seed=SEED):
    """variants: {name: (weight decay, example mask (N,))}, each trained like the gallery
    (learning rate 0.03, E epochs, REPLICAS replicas) -> {name: {metric: median final value}}."""
    names = list(variants)
    run = parallel_mlps.train_parallel_mlps(
        x_tr, y_tr, x_val, y_val, np.full(len(names) * REPLICAS, 0.03),
        weight_decay=np.repeat([variants[n][0] for n in names], REPLICAS),
        example_mask=np.repeat(np.stack([variants[n][1] for n in names]), REPLICAS, axis=0),
        hidden=hidden, epochs=E, batch_size=64, seed=seed)
    final = {k: np.median(run[k][:, -1].reshape(len(names), REPLICAS), axis=1) for k in curves}
    return {n: {k: v[i] for k, v in final.items()} for i, n in enumerate(names)}


more_data = mask[5].copy()  # the overfitting run's 50 images and 200 more
more_data[np.random.default_rng(SEED + 31).choice(np.flatnonzero(mask[5] == 0), 200, replace=False)] = 1
everything = np.ones(len(x_tr), "float32")
res = {name: {k: med[k][i, -1] for k in med} for name, i in
       [("overfitting as is", 5), ("underfitting as is", 6), ("bigger model (32 units)", 0)]}  # the gallery's
res.update(rerun(32, {"more data (250 images)": (0.0, more_data), "weight decay 0.01": (0.01, mask[5]),
                      "less decay (0.02)": (0.02, everything)}))
res.update(rerun(4, {"smaller model (4 units)": (0.0, mask[5]), "4 units as is": (0.0, everything)}))
res.update(rerun(256, {"bigger model (256 units)": (0.08, everything)}))
layout = {"overfitting: 50 images": ["overfitting as is", "more data (250 images)", "weight decay 0.01",
                                     "smaller model (4 units)"],
          "underfitting: weight decay 0.08": ["underfitting as is", "less decay (0.02)", "bigger model (256 units)"],
          "underfitting: 4 units": ["4 units as is", "bigger model (32 units)"]}
remedy_table = pd.DataFrame(
    [{"run": run, "remedy": name, "train acc": r["accuracy"], "val acc": r["val_accuracy"],
      "gap": r["accuracy"] - r["val_accuracy"], "val/train loss": r["val_loss"] / r["loss"]}
     for run, names in layout.items() for name in names for r in [res[name]]]).set_index(["run", "remedy"])
print(remedy_table.to_string(float_format=lambda v: f"{v:.3f}"))

# %%
by_remedy = remedy_table.droplevel("run")  # one row per remedy
over, more = by_remedy.loc["overfitting as is"], by_remedy.loc["more data (250 images)"]
assert more["gap"] < 0.5 * over["gap"] and more["val acc"] > over["val acc"] + 0.1, (
    f"more data shrinks the overfitting gap below half and lifts validation accuracy by more than 0.1: "
    f"gap {more['gap']:.3f} vs {over['gap']:.3f}, validation accuracy {more['val acc']:.3f} vs {over['val acc']:.3f}")
for name in ["weight decay 0.01", "smaller model (4 units)"]:
    row = by_remedy.loc[name]
    assert row["val/train loss"] < over["val/train loss"] / 5, (
        f"{name} pulls the validation loss towards the training loss (ratio below 1/5 of the overfitting "
        f"run's): {row['val/train loss']:.1f} vs {over['val/train loss']:.1f}")
    assert row["val acc"] < over["val acc"] + 0.05, (
        f"... but, unlike more data, it buys little or no validation accuracy (less than 0.05 above the "
        f"overfitting run's): {name} {row['val acc']:.3f}, as is {over['val acc']:.3f}")
under, less, wider = (by_remedy.loc[name] for name in
                       ["underfitting as is", "less decay (0.02)", "bigger model (256 units)"])
gain_less, gain_wider = less["train acc"] - under["train acc"], wider["train acc"] - under["train acc"]
assert gain_less > 0.05 and gain_wider < 0.5 * gain_less, (
    f"underfitting caused by weight decay: less decay raises the training accuracy by more than 0.05, "
    f"a bigger model by less than half as much: {gain_less:+.3f} vs {gain_wider:+.3f}")
small, bigger = by_remedy.loc["4 units as is"], by_remedy.loc["bigger model (32 units)"]
assert small["val/train loss"] < 1.5 and bigger["train acc"] > small["train acc"] + 0.1, (
    f"the 4-unit run underfits (validation/training loss below 1.5) and a bigger model raises its "
    f"training accuracy by more than 0.1: ratio {small['val/train loss']:.2f}, training accuracy "
    f"{small['train acc']:.3f} -> {bigger['train acc']:.3f}")

# %% [markdown]
# Read the table by its columns. For the overfitting run, all three remedies pull the
# validation loss towards the training loss (last column), but only more data does it by
# making validation better: it closes most of the accuracy gap and lifts validation
# accuracy. Weight decay narrows the loss ratio and gains little or no validation
# accuracy. The one smaller width tried, 4 units, cannot fit its 50 images, and its
# validation accuracy falls with its training accuracy (both in the table); the notes call
# shrinking the model the rarely used remedy. For underfitting, the remedy must match the
# cause. Under weight decay 0.08 the penalty, not the width, limits the fit: lowering it
# lifts training accuracy, eight times the units do not. The 4-unit run without decay
# is limited by its size, and the bigger model is its cure. Both underfitting runs look
# alike on the curves (train and validation agree); the curves say *that* the model
# underfits, and a cheap rerun with each remedy, as here, says *why*.

# %% [markdown]
# ## 7. The last points: ensembles, snapshots and weight averaging
#
# From here on we train on all 1,347 training images and measure on the 450 test images,
# which nothing above has looked at.
#
# **Model ensemble.** Train several models independently and average their *predicted
# probabilities*. An ensemble helps only where its members disagree, so each member
# starts from its own random weights and learns from its own random 70% of the training
# images. Averaging can never give a higher cross-entropy than the members' average (the
# log is concave), but accuracy is not guaranteed; we measure it.

# %%
M = 8
subsets = (rng.random((M, len(x_train_full))) < 0.7).astype("float32")  # (M, 1347) who sees what
members = parallel_mlps.train_parallel_mlps(x_train_full, y_train_full, x_test, y_test, np.full(M, 0.05),
                                     weight_decay=1e-4, example_mask=subsets, hidden=32,
                                     epochs=10 * EPOCH_SCALE, seed=SEED + 11)
member_probs = members["val_probs"]  # (M, 450, 10)
member_acc = np.array([recipe.accuracy(p, y_test) for p in member_probs])
ens_acc = [recipe.accuracy(recipe.ensemble_probabilities(member_probs[:k]), y_test) for k in range(1, M + 1)]
print("member test accuracies:", np.round(member_acc, 3), f"mean {member_acc.mean():.3f}")
print("ensemble of the first k:", np.round(ens_acc, 3))
assert ens_acc[-1] >= member_acc.mean(), (
    f"the ensemble is not worse than its average member: ensemble {ens_acc[-1]:.3f}, mean member {member_acc.mean():.3f}")

# %% [markdown]
# **Snapshot ensemble.** One run instead of M: a cyclic cosine learning rate
# (`keras.optimizers.schedules.CosineDecayRestarts`) starts high, decays to almost zero,
# jumps back up and repeats. At the end of each cycle the rate is lowest and the weights
# sit at the bottom of some valley; `callbacks.SnapshotEnsemble` copies them there (and can
# write each snapshot to a `.weights.h5` file). The restart kicks the weights out towards
# another valley, so the snapshots differ, and averaging their predictions is an ensemble
# that cost one training run.

# %%
BATCH = 64
steps_full = int(np.ceil(len(x_train_full) / BATCH))
cycles, cycle_epochs = 5, 2 * EPOCH_SCALE
cycle_steps = cycle_epochs * steps_full
snap_model = compile_mlp(make_mlp(seed=SEED + 3), keras.optimizers.SGD(recipe.cosine_restarts(0.2, cycle_steps), momentum=0.9))
snapshots = callbacks.SnapshotEnsemble(cycle_steps)
snap_model.fit(x_train_full, y_train_full, batch_size=BATCH, epochs=cycles * cycle_epochs, verbose=0,
               callbacks=[snapshots])
snap_probs = keras.ops.convert_to_numpy(keras.ops.softmax(snapshots.predict_each(snap_model, x_test)))
snap_acc = np.array([recipe.accuracy(p, y_test) for p in snap_probs])
snap_ens_acc = recipe.accuracy(recipe.ensemble_probabilities(snap_probs), y_test)

schedule = recipe.cosine_restarts(0.2, cycle_steps)
t = np.arange(cycles * cycle_steps)
fig, ax = plt.subplots(figsize=(6.5, 2.6))
ax.plot(t, keras.ops.convert_to_numpy(schedule(t)))
ax.plot(snapshots.steps, keras.ops.convert_to_numpy(schedule(np.array(snapshots.steps))), "C3o", label="snapshot")
ax.set(xlabel="optimizer step", ylabel="learning rate", title="CosineDecayRestarts and the snapshots")
ax.legend()
plt.show()
print(f"snapshots taken at steps {snapshots.steps}")
print("snapshot test accuracies:", np.round(snap_acc, 3), f"mean {snap_acc.mean():.3f}; last {snap_acc[-1]:.3f}")
print(f"snapshot ensemble: {snap_ens_acc:.3f}")
assert snapshots.steps == [cycle_steps * (k + 1) - 1 for k in range(cycles)], (
    f"a snapshot is taken at the last step of each of the {cycles} cycles of {cycle_steps} steps: "
    f"got steps {snapshots.steps}, expected {[cycle_steps * (k + 1) - 1 for k in range(cycles)]}")
assert snap_ens_acc >= snap_acc.mean(), (
    f"the snapshot ensemble is not worse than its average member: ensemble {snap_ens_acc:.3f}, "
    f"mean snapshot {snap_acc.mean():.3f}")

# %% [markdown]
# **Weight averaging (EMA).** Instead of averaging predictions, average the *weights*
# along the trajectory. Polyak averaging takes the uniform mean of all the iterates; the
# exponential moving average (EMA) used here weights recent steps more: keep
# `average ← m·average + (1 − m)·weights` after every step and evaluate with the average. With a large constant learning rate the weights bounce
# around the bottom of a valley; their running average sits closer to its centre. Keras
# optimizers do it for you with `use_ema=True` (the averages replace the weights when
# `fit` ends); `callbacks.WeightEMA` is the same rule written out by hand, so we can check
# that the two agree and compare the averaged model with the raw final weights.

# %%
raw = {}
ema_model = compile_mlp(make_mlp(seed=SEED + 5), keras.optimizers.SGD(0.2, momentum=0.9, use_ema=True, ema_momentum=0.98))
manual_ema = callbacks.WeightEMA(momentum=0.98)
keep_raw = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: raw.update(w=[keras.ops.convert_to_numpy(v) for v in ema_model.trainable_variables]))
ema_model.fit(x_train_full, y_train_full, batch_size=BATCH, epochs=10 * EPOCH_SCALE, verbose=0,
              callbacks=[manual_ema, keep_raw])
ema_loss, ema_acc = ema_model.evaluate(x_test, y_test, verbose=0)  # the optimizer's EMA weights
max_diff = max(float(np.abs(keras.ops.convert_to_numpy(v) - a).max())
               for v, a in zip(ema_model.trainable_variables, manual_ema.averaged_weights()))
for v, w in zip(ema_model.trainable_variables, raw["w"]):
    v.assign(w)
raw_loss, raw_acc = ema_model.evaluate(x_test, y_test, verbose=0)
print(f"largest difference between use_ema and the manual average: {max_diff:.2e}")
print(f"raw final weights: test loss {raw_loss:.3f} accuracy {raw_acc:.3f}")
print(f"EMA weights      : test loss {ema_loss:.3f} accuracy {ema_acc:.3f}")
assert max_diff < 1e-4, (
    f"the optimizer's EMA is the moving average written out by hand (< 1e-4): largest difference {max_diff:.2e}")
assert ema_loss < raw_loss, f"averaging the noisy weights lowers the test loss: EMA {ema_loss:.3f}, raw weights {raw_loss:.3f}"

# %% [markdown]
# The averaged weights have the lower test loss. How much lower depends on where the raw
# weights happened to stop: on this run (printed above) the last steps left them on a
# bad bounce, and the average halved the test loss and gained about three points of
# accuracy. When the raw weights happen to stop on a good step, the average has little
# to add (exercise 6 runs another seed). Averaging removes the bounce of the last steps;
# it cannot make up for a model that has little left to learn.

# %%
summary = pd.DataFrame(
    {
        "test accuracy": [member_acc.mean(), ens_acc[-1], snap_acc[-1], snap_ens_acc, raw_acc, ema_acc],
        "training runs": [1, M, 1, 1, 1, 1],
    },
    index=["single model (mean of members)", f"ensemble of {M}", "last snapshot", f"snapshot ensemble ({cycles})",
           "raw weights, lr 0.2", "EMA weights, lr 0.2"],
)
print(summary.to_string(float_format=lambda v: f"{v:.3f}"))

# %% [markdown]
# Read the table as measurements, not as a ranking carved in stone: the asserts above
# only promise that each average is not worse than its typical member. Whether the
# snapshot ensemble beats its own *last* snapshot depends on how good the early
# snapshots are — they were taken after less training — and on a problem this small a
# few test images decide it. Compare the rows on your own runs with other seeds.

# %% [markdown]
# ## Summary
#
# - A fresh classifier's loss is ≈ log C; check it before anything else, with L2
#   regularisers off: a layer's L2 penalty adds its own term, and the loss Keras reports is
#   log C plus it (an optimizer's decoupled `weight_decay` adds nothing to the loss).
# - Overfitting 50 examples to 100% proves the model and optimizer can learn at all. A
#   ReLU left on the logits passes the first check but fails this one, and cannot fit the
#   full training set either: its dead output units never recover.
# - The range test finds a good learning rate in one short run; training confirms it
#   beats rates 100× smaller or larger.
# - With the same budget, random search tries 16 values of the important hyperparameter
#   where a grid tries 4, and several of them inside the band of good rates, where the
#   grid had one; its best trial is about as good as the grid's on average, better more
#   often than not. Coarse-to-fine then concentrates the trials where it pays.
# - Search scale parameters (learning rate, weight decay) log-uniformly and fractions such
#   as a dropout rate uniformly: a log scale crowds a dropout search near zero, where
#   nothing changes. The notes search a model's width uniformly too; over a wide range of
#   widths a log scale puts most trials at the narrow end, which may or may not be where
#   accuracy changes.
# - The search's short budget only ranks the settings: the chosen one, trained three
#   times as long, gains validation accuracy in each of the three runs (the cell prints
#   by how much).
# - The learning rate also has a gradient: hypergradient descent adapts it within one run,
#   and rates that started 1,000 times apart end close together (the cell prints how close).
# - Learning curves diagnose: a flat start (initialisation), a plateau (decay the rate),
#   a stall (decayed too early), a growing gap (overfitting), no gap (underfitting).
# - Acting on the diagnosis, measured: for the overfitting run only more data lifted
#   validation accuracy, while weight decay and a smaller model narrowed the loss ratio
#   without lifting validation accuracy. Underfitting needs the remedy that matches its cause: less weight decay
#   when the penalty limits the fit, a bigger model when the size does.
# - Averaging predictions (ensembles, snapshots from one cyclic run) or weights (EMA)
#   gives a model at least as good as a typical member, measured on data nothing was
#   tuned on. How much better varies (see the table): a fraction of a point for the
#   ensemble of 8 here, less than the 1–2 % the lecture notes quote for larger problems,
#   where members disagree more; for EMA anything from nothing to a few points,
#   depending on where the raw weights stopped. Report what you measure.
#
# ## Exercises
#
# **Checked exercises:** [exercises/12_training_recipe.ipynb](../exercises/12_training_recipe.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/12_training_recipe.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/12_training_recipe.ipynb](../exercises/solutions/12_training_recipe.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# 1. Replace Adam by SGD in the range test. How far does the suggested rate move?
# 2. Give the grid 5×5 = 25 trials and random search 25. Does the grid ever beat the
#    best of five random searches?
# 3. Add a third, useless hyperparameter to the search space (e.g. a value the model
#    ignores). How many distinct learning rates does a grid try on about the same budget
#    (`per_axis=2`: 8 trials; `per_axis=3`: 27), and a random search of 16?
# 4. Make the snapshot cycles one epoch long, then five. When are the snapshots both good
#    enough and different enough for the ensemble to beat the last snapshot?
# 5. Set `ema_momentum` to 0.9 and 0.999. Which one follows the weights too closely, and
#    which one still remembers the first, bad epochs?
# 6. Set `SEED = 1` in the parameters cell and run the lesson again. Where did the raw
#    weights of section 7 stop this time, and how much did the average gain?
# 7. Vary how many images `more_data` adds to the overfitting run's 50 in section 6. How
#    many does it take for the train/validation accuracy gap to fall to the good run's?
