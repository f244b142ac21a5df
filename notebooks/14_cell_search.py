# %% [markdown]
# # 14 · Searching for a better cell
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/14_cell_search.ipynb)
#
# **Goals.** The LSTM and the GRU were designed by hand. Is there a better update rule
# that nobody thought of? Build a space of cell update rules that contains the LSTM, the
# GRU and the vanilla RNN, train a few dozen rules from it side by side under one budget on
# two long-memory tasks, and see what a search finds: how many random rules learn anything,
# whether small changes to the LSTM and GRU do better, what one bias does for the LSTM, and
# whether any candidate is better than the GRU on both tasks. Then export the best
# candidate as a Keras cell of its own.
#
# **Covers:** the search over recurrent update rules (Jozefowicz, Zaremba & Sutskever,
# 2015; the EECS498 lecture 12 notes' summary of it) and neural architecture search for
# RNN cells (Zoph & Le, 2017); the LSTM's forget-gate bias; why one training run per
# candidate is a noisy measurement.

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
# ## 1. The question
#
# The LSTM (1997, with the forget gate added in 2000) and the GRU (2014) were designed by
# reasoning about gradients. Two studies searched for better rules by machine:
#
# - **Jozefowicz, Zaremba & Sutskever (2015)** evaluated over ten thousand architectures,
#   made by mutating the LSTM and the GRU, on arithmetic, XML modelling, word-level
#   language modelling on Penn Treebank and music. They found rules that beat both on
#   *some* tasks, none that was clearly better across tasks, and that adding a bias of 1
#   to the LSTM's forget gate closes the gap between the LSTM and the GRU.
# - **Zoph & Le (2017)** let a recurrent controller, trained with reinforcement learning,
#   write the cell's computation tree. Their cell reached a test perplexity of 62.4 on
#   Penn Treebank, 3.6 better than the previous best model, at a cost in computation far
#   beyond one laptop; it is rarely used today.
#
# We will run a miniature of the first study. It has three parts: a space of rules, a way
# to train many rules at once, and tasks that need memory.

# %% [markdown]
# ## 2. A space of update rules
#
# Every rule fills the slots of one template (`cell_rules.SLOTS`). It computes up to four
# quantities $a_1 \ldots a_4$, each an activation of $W_j x_t + U_j h_{t-1} + b_j$ (the
# slot `reset_j` can put a reset gate $r \odot h_{t-1}$ in place of $h_{t-1}$). It
# combines $a_1$ and $a_2$, optionally adds or multiplies a memory term built from the
# previous cell state $c_{t-1}$ (and $a_1$ or $a_3$), makes the new $h_t$ from the result
# and $a_4$, and either keeps the result as a separate cell state (`carry="separate"`, as
# the LSTM does) or uses $h_t$ itself as the next state (`carry="tied"`, as the GRU does).
# The LSTM, the GRU and the vanilla RNN are three points of the space; `Rule.equations`
# writes a rule out, leaving out what it does not read.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from course_lib import cell_bank, cell_rules, cell_search, plots

for name, rule in [("LSTM", cell_rules.LSTM), ("GRU", cell_rules.GRU), ("vanilla RNN", cell_rules.VANILLA)]:
    print(f"{name}:\n  " + rule.equations().replace("\n", "\n  "))
space = int(np.prod([len(options) for options in cell_rules.SLOTS.values()]))
print(f"{len(cell_rules.SLOTS)} slots, {space:,} ways to fill them")

# %% [markdown]
# Many fillings compute the same function: a slot the rule never reads (say, the
# activation of $a_3$ when there is no gated memory) makes no difference.
# `Rule.canonical` resets such slots to their first option, so rules with equal canonical
# forms are the same cell. (The converse fails: a rule whose state stays at zero from the
# zero initial state computes the same nothing whatever its other slots say.)
# `cell_rules.mutate` changes one slot that alters the canonical form; if the change
# leaves other slots unread, the canonical form resets those too, so a mutant can differ
# from its parent in more than one slot. `cell_rules.random_rule` fills every slot at
# random.

# %%
rng = np.random.default_rng(SEED)
mutant, random_one = cell_rules.mutate(cell_rules.GRU, rng), cell_rules.random_rule(rng)
changed = {s: (getattr(cell_rules.GRU, s), getattr(mutant, s)) for s in cell_rules.SLOTS
           if getattr(cell_rules.GRU, s) != getattr(mutant, s)}
print("a mutant of the GRU changes", changed, "\n  " + mutant.equations().replace("\n", "\n  "))
print("a random rule:\n  " + random_one.equations().replace("\n", "\n  "))
assert all(r.canonical() == r for r in (cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA)), (
    f"the LSTM, the GRU and the vanilla RNN are their own canonical forms: canonical() == rule gives "
    f"{[r.canonical() == r for r in (cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA)]} (LSTM, GRU, vanilla)")
assert mutant.canonical() != cell_rules.GRU and changed, (
    f"a mutant computes something else: changed slots {changed!r}, "
    f"canonical form equal to the GRU: {mutant.canonical() == cell_rules.GRU}")

# %% [markdown]
# ## 3. One rule as a Keras cell, checked against Keras
#
# `cell_rules.RuleCell` runs one rule with `keras.layers.RNN`, computing only the branches
# the rule chose. Before trusting it with new rules, check it on the old ones:
# `cell_rules.weights_from_keras` copies a Keras `LSTM` or `GRU(reset_after=False)`
# (with random biases, so that every weight matters) into the template's layout (the GRU's update gate becomes
# $a_1 = 1 - z = \sigma(-\ldots)$), and the outputs must agree to float precision.

# %%
x_check = np.random.default_rng(SEED).normal(size=(4, 9, 3)).astype("float32")
for layer in (keras.layers.LSTM(5, bias_initializer="random_normal"),
              keras.layers.GRU(5, reset_after=False, bias_initializer="random_normal")):
    expected = keras.ops.convert_to_numpy(layer(x_check))
    rule, weights = cell_rules.weights_from_keras(layer)
    cell = cell_rules.RuleCell(rule, 5)
    cell.build((None, 3))
    cell.set_weights(weights)
    gap = np.abs(keras.ops.convert_to_numpy(keras.layers.RNN(cell)(x_check)) - expected).max()
    print(f"RuleCell({type(layer).__name__.lower()} rule) vs keras.layers.{type(layer).__name__}: "
          f"largest difference {gap:.1e}")
    assert gap < 1e-5, (
        f"RuleCell should match keras.layers.{type(layer).__name__} to float precision: largest difference {gap:.1e} (limit 1e-5)")

# %% [markdown]
# ## 4. Many cells in one layer
#
# Training dozens of rules one after another would take dozens of times as long. Instead
# `cell_bank.CellBank` holds K rules side by side, each with its own weights
# ($W$: K×D×5H, $U$: K×H×5H) and its own linear readout, and computes one time step of
# all of them with a few batched matrix products. Each slot computes *all* its options for
# all K cells, and a 0/1 coefficient per cell (`cell_bank.rule_coefficients`) keeps the
# cell's own choice. The bank's loss is the sum of the cells' losses, so each cell's
# gradient is the gradient of its own loss alone; Adam and element-wise gradient clipping
# act on each number separately, and each cell's weights are drawn as a lone `RuleCell`
# would draw them, so the cells train as they would one at a time.
#
# The vectorised step has to agree with the plain one (to float32 rounding, relative to
# the size of the outputs: a random rule's state can grow to the clip), both when the bank writes out
# every time step (`unroll=True`, what the search below uses: faster for short sequences)
# and when it loops over them (`unroll=False`). `cell_bank.export_cell` turns cell k of a
# bank into a `RuleCell` with its weights; run it alone and compare.

# %%
check_rules = [cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA] + [cell_rules.random_rule(rng) for _ in range(9)]
for unroll in (True, False):
    check_bank = cell_bank.CellBank(check_rules, units=4, outputs=2, unroll=unroll)
    bank_out = keras.ops.convert_to_numpy(check_bank(x_check))  # (N, K, outputs)
    worst = 0.0
    for k in range(len(check_rules)):
        cell, (V, c) = cell_bank.export_cell(check_bank, k)
        alone = keras.ops.convert_to_numpy(keras.layers.RNN(cell)(x_check)) @ V + c
        worst = max(worst, float((np.abs(alone - bank_out[:, k]) / (1 + np.abs(alone))).max()))
    print(f"unroll={unroll}: bank output {bank_out.shape}; largest relative difference from the "
          f"{len(check_rules)} cells run alone: {worst:.1e}")
    assert worst < 1e-5, (
        f"unroll={unroll}: the bank should agree with its {len(check_rules)} cells run alone: "
        f"largest relative difference {worst:.1e} (limit 1e-5)")

# %% [markdown]
# ## 5. The search
#
# The candidates (`cell_search.search_roster`):
#
# - **reference cells**: the LSTM, the LSTM with its forget gate's bias at 1, the GRU and
#   the vanilla RNN, each in `SEARCH["copies"]` copies with different initial weights (two
#   at lesson scale), so the gap between copies of the same cell shows how much a score
#   owes to luck;
# - **mutants**: one slot of the LSTM or the GRU changed;
# - **random rules**: every slot drawn at random.
#
# Two tasks from lesson 05 (`course_lib.data.tasks`), both asking at the last step for
# something seen many steps before: the **adding problem** (add the two marked numbers;
# scored by validation MSE, where predicting the mean gives 1/6) and the **marked recall
# task** (say which symbol was marked; scored by accuracy, chance 1/8). Every cell gets
# the same data, the same number of Adam steps and the same learning rate. Progress lines
# show the median cell's training loss.

# %%
SEARCH = cell_search.SETTINGS[SCALE]
roster = cell_search.search_roster(SEARCH["copies"], SEARCH["mutants"], SEARCH["randoms"], seed=SEED)
print(f"{len(roster.rules)} cells:", {kind: roster.kinds.count(kind) for kind in dict.fromkeys(roster.kinds)})
if SCALE == "full":
    from course_lib.env import warn_without_gpu

    warn_without_gpu("the cell search", 2 * SEARCH["steps"], 5.7)  # s per step, measured


def search(task, rules=roster.rules, bias=roster.bias, seed=SEED, steps=SEARCH["steps"], report_every=0):
    """Train and score ``rules`` on ``task`` under this scale's budget (one bank)."""
    return cell_search.evaluate_rules(rules, task, units=SEARCH["units"], steps=steps,
                                      batch_size=SEARCH["batch_size"], learning_rate=SEARCH["learning_rate"],
                                      bias=bias, unroll=SEARCH["unroll"], seed=seed, report_every=report_every)


tasks_, results = {}, {}
for name in cell_search.TASKS:
    tasks_[name] = cell_search.search_task(name, SEARCH["T"], SEARCH["steps"] * SEARCH["batch_size"], seed=SEED)
    results[name] = search(tasks_[name], report_every=SEARCH["steps"] // 2)
    print(f"{name}: {results[name].seconds:.1f} s for {len(roster.rules)} cells")
scores = {name: results[name].scores for name in cell_search.TASKS}

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
plots.plot_search_scores(scores["adding"], roster.kinds, roster.names, ax=axes[0], log_y=True,
                         chance=tasks_["adding"].chance, ylabel="validation MSE (lower is better)",
                         title="adding problem")
plots.plot_search_scores(scores["recall"], roster.kinds, roster.names, ax=axes[1],
                         chance=tasks_["recall"].chance, ylabel="validation accuracy",
                         title="marked recall")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 6. What the search found
#
# First the reference cells: every copy's score, and their means. Then, per kind, how
# many cells learned each task at all (`cell_search.learned`: an MSE below 0.8 times the
# mean's, or an accuracy above three times chance).

# %%
def copies(name, task):
    return scores[task][roster.where(name)]


for name, _, _ in cell_search.REFERENCES:
    add, rec = copies(name, "adding"), copies(name, "recall")
    print(f"{name:20s} adding MSE {np.round(add, 4)} (mean {add.mean():.4f})  "
          f"recall accuracy {np.round(rec, 3)} (mean {rec.mean():.3f})")
learned = {task: cell_search.learned(tasks_[task], scores[task]) for task in cell_search.TASKS}
print(f"learned: adding MSE below 0.8 × {tasks_['adding'].chance:.3f}, "
      f"recall accuracy above 3 × {tasks_['recall'].chance:.3f}")
share = {}
for kind in ("mutant", "random"):
    idx = roster.where(kind)
    share[kind] = {"either": (learned["adding"] | learned["recall"])[idx].mean(),
                   "neither": (~learned["adding"] & ~learned["recall"])[idx].mean()}
    print(f"{kind} cells: {share[kind]['either']:.0%} learned at least one task, "
          f"{share[kind]['neither']:.0%} learned neither")
no_memory = sum(roster.rules[i].memory == "none" for i in roster.where("random"))
print(f"random rules with no memory term at all: {no_memory} of {len(roster.where('random'))}")

# %% [markdown]
# Under this budget the GRU wins the comparison of the hand-designed cells: on both tasks
# its worst copy beats the best copy of the plain LSTM and of the vanilla RNN.
#
# The LSTM's forget gate starts near $\sigma(0) = 0.5$, so at first each step keeps about
# half of the memory: after 16 steps about $0.5^{16} \approx 1.5 \cdot 10^{-5}$ of the first
# input is left, and the gradient that would teach the gate to stay open is as small. A
# bias of 1 starts the gate near $\sigma(1) \approx 0.73$ ($0.73^{16} \approx 0.007$). On the
# recall task every copy with the bias beats every copy without it, and the bias closes
# the LSTM's gap to the GRU, the effect Jozefowicz et al. reported (the GRU's $1 - a_1$
# also starts near 0.5; why the GRU needs no such help is not something this run
# explains). On the adding problem the biased LSTM stays far behind the GRU within these
# steps. Keras' own `LSTM` sets this bias to 1 by default (`unit_forget_bias=True`).
#
# Most random rules learn nothing (some have no memory term at all, as counted above),
# which is why Jozefowicz et al. started their search from good cells: mutants of the LSTM
# and the GRU learn far more often.

# %%
gap_plain = copies("GRU", "recall").mean() - copies("LSTM", "recall").mean()
gap_biased = copies("GRU", "recall").mean() - copies("LSTM, forget bias 1", "recall").mean()
print(f"the GRU's lead over the LSTM in mean recall accuracy: {gap_plain:.3f} without the bias, "
      f"{gap_biased:.3f} with it")
for other in ("LSTM", "vanilla RNN"):
    assert copies("GRU", "adding").max() < copies(other, "adding").min(), (
        f"GRU vs {other} on adding: every GRU copy should have a lower MSE than every {other} copy, got GRU "
        f"{np.round(copies('GRU', 'adding'), 4)}, {other} {np.round(copies(other, 'adding'), 4)}")
    assert copies("GRU", "recall").min() > copies(other, "recall").max(), (
        f"GRU vs {other} on recall: every GRU copy should be more accurate than every {other} copy, got GRU "
        f"{np.round(copies('GRU', 'recall'), 3)}, {other} {np.round(copies(other, 'recall'), 3)}")
assert copies("LSTM, forget bias 1", "recall").min() > copies("LSTM", "recall").max(), (
    f"the bias helps: every LSTM copy with it should beat every copy without it on recall, got "
    f"{np.round(copies('LSTM, forget bias 1', 'recall'), 3)} with, {np.round(copies('LSTM', 'recall'), 3)} without")
assert gap_biased < 0.5 * gap_plain, (
    f"the forget-gate bias closes most of the LSTM's gap to the GRU on recall (to under half): "
    f"gap {gap_biased:.3f} with the bias, {gap_plain:.3f} without")
assert copies("LSTM, forget bias 1", "adding").mean() > 1.5 * copies("GRU", "adding").mean(), (
    f"not on adding: the biased LSTM's mean MSE should stay above 1.5 x the GRU's, got "
    f"{copies('LSTM, forget bias 1', 'adding').mean():.4f} vs {copies('GRU', 'adding').mean():.4f}")
assert share["random"]["neither"] > 0.5, (
    f"most random rules learn nothing: {share['random']['neither']:.0%} learned neither task (should be over 50%)")
assert share["mutant"]["either"] > share["random"]["either"] + 0.2, (
    f"mutants of good cells learn more often (by over 20 points): {share['mutant']['either']:.0%} of mutants "
    f"vs {share['random']['either']:.0%} of random rules learned at least one task")

# %% [markdown]
# Now the question of the search: does any candidate beat the GRU? The gap between
# copies of the GRU is what a second training run alone would change, so a candidate
# counts as better on a task only if it beats *every* copy. The table lists the best
# candidates of each task and the rank of each on the other task.

# %%
import pandas as pd

candidates = np.concatenate([roster.where("mutant"), roster.where("random")])
table = pd.DataFrame({"name": [roster.names[i] for i in candidates],
                      "adding MSE": scores["adding"][candidates], "recall accuracy": scores["recall"][candidates]})
table["adding rank"] = table["adding MSE"].rank(method="min").astype(int)
table["recall rank"] = table["recall accuracy"].rank(ascending=False, method="min").astype(int)
better = {"adding": table["adding MSE"] < copies("GRU", "adding").min(),
          "recall": table["recall accuracy"] > copies("GRU", "recall").max()}
print(pd.concat([table.nsmallest(3, "adding rank"), table.nsmallest(3, "recall rank")]).drop_duplicates()
      .round(4).to_string(index=False))
print(f"candidates better than every GRU copy: on adding {int(better['adding'].sum())}, "
      f"on recall {int(better['recall'].sum())}, on both {int((better['adding'] & better['recall']).sum())}"
      f" (of {len(candidates)})")
gaps = {name: np.ptp(copies(name, "recall")) for name, _, _ in cell_search.REFERENCES}
widest = max(gaps, key=gaps.get)
print(f"largest gap between copies of one reference cell on recall: {widest}, {gaps[widest]:.3f}")
assert gaps[widest] > 0.1, (
    f"one run per cell is a noisy measurement (copies of a reference cell differ by over 0.1 on recall): "
    f"largest gap {gaps[widest]:.3f} ({widest})")

# %% [markdown]
# Read the table with the copies' spread in mind: copies of one reference cell, which
# differ only in their initial weights, can be further apart on recall than many
# candidates are from each other (the largest gap is printed above). A single run per
# candidate cannot rank rules finely, and a winner picked from many noisy runs can be
# expected to do worse when it is trained again, because part of its lead was luck
# (exercise 2 measures it). Jozefowicz et al. trained each
# promising architecture under many hyperparameter settings and compared the best of
# each, and their conclusion was modest: some rules beat the LSTM and the GRU on some
# tasks, none clearly on all.

# %% [markdown]
# ## 7. The best candidate as a cell of its own
#
# Pick the candidate with the best sum of its two ranks and export it: `export_cell` gives
# a `RuleCell` with the weights it learned on the adding problem, a layer like any other
# that saves with the model and reloads in safe mode (`get_config` stores the rule).

# %%
best = candidates[int(np.argmin(table["adding rank"] + table["recall rank"]))]
print(f"{roster.names[best]}: adding MSE {scores['adding'][best]:.4f}, recall accuracy {scores['recall'][best]:.3f}")
print("  " + roster.rules[best].equations().replace("\n", "\n  "))
cell, (V, c) = cell_bank.export_cell(results["adding"].bank, int(best))
inputs = keras.Input(tasks_["adding"].x.shape[1:])
readout = keras.layers.Dense(1, name="readout")
exported = keras.Model(inputs, readout(keras.layers.RNN(cell, name="rnn")(inputs)), name="best_cell")
readout.set_weights([V, c])
x_val = tasks_["adding"].x_val
mse = float(np.mean((exported.predict(x_val, verbose=0) - tasks_["adding"].y_val) ** 2))
print(f"the exported model's validation MSE: {mse:.4f}")
assert abs(mse - scores["adding"][best]) < 1e-4, (
    f"the exported cell computes what the bank computed: MSE {mse:.4f} vs the bank's {scores['adding'][best]:.4f} "
    f"(difference {abs(mse - scores['adding'][best]):.1e}, limit 1e-4)")

# %%
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "best_cell.keras"
    exported.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
gap = np.abs(reloaded.predict(x_val[:64], verbose=0) - exported.predict(x_val[:64], verbose=0)).max()
print(f"reloaded with safe_mode=True from {path.name}; largest difference {gap:.1e}")
assert gap < 1e-6 and reloaded.get_layer("rnn").cell.rule == roster.rules[best], (
    f"the reloaded model predicts the same and keeps its rule: largest difference {gap:.1e} (limit 1e-6), "
    f"same rule {reloaded.get_layer('rnn').cell.rule == roster.rules[best]}")

# %% [markdown]
# ## Summary
#
# - A template with a few slots (activations, a reset gate, how a memory is kept and
#   mixed) holds the LSTM, the GRU, the vanilla RNN and millions of other fillings;
#   fillings with the same canonical form are the same cell.
# - One layer can train dozens of cells at once: batched matrix products, every option
#   computed and each cell's own choice kept by a 0/1 coefficient, each cell's weights
#   drawn as if it were alone, and a summed loss that leaves each cell's gradient its own.
#   It agrees with each cell run alone.
# - Under one budget on two memory tasks the GRU beats the plain LSTM and the vanilla RNN;
#   a forget-gate bias of 1 closes most of the LSTM's gap to the GRU on recall (not on the
#   adding problem within these steps); most random rules learn nothing, and mutants of
#   good cells learn far more often.
# - Whether a candidate beats the GRU has to be judged against the spread between two
#   copies of the GRU; a search over noisy single runs favours lucky candidates.
#
# ## Exercises
#
# **Checked exercises:** [exercises/14_cell_search.ipynb](../exercises/14_cell_search.ipynb)
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/14_cell_search.ipynb)
# asks you to write functions from this lesson; the check under each one says whether
# yours is right and, if not, what it expected, what it got and a hint. Reference
# solutions: [exercises/solutions/14_cell_search.ipynb](../exercises/solutions/14_cell_search.ipynb)
# (try first).
#
# Open-ended explorations, without a check:
#
# `search(task, rules=..., bias=..., seed=..., steps=...)` from section 5 trains and
# scores a list of rules under the lesson's budget.
#
# 1. Give every LSTM mutant the forget-gate bias too: `bias = roster.bias.copy()`, set
#    `bias[[i for i in roster.where("mutant") if roster.parents[i] == "LSTM"], 2] = 1`,
#    and run `search(tasks_["recall"], bias=bias)`. Do the LSTM mutants catch up with the
#    GRU mutants?
# 2. Retrain the best candidate and the GRU, three copies each, with new weights: for each
#    task, `search(tasks_[task], rules=[roster.rules[best]] * 3 + [cell_rules.GRU] * 3,
#    bias=(0, 0, 0, 0), seed=SEED + 1).scores`. Does the winner keep its place?
# 3. Make the tasks harder: rebuild them with `T=32` in `cell_search.search_task` and
#    search again. Which kinds of cells stop learning first?
# 4. Give the search twice the steps on the adding problem:
#    `search(cell_search.search_task("adding", SEARCH["T"], 2 * SEARCH["steps"] * SEARCH["batch_size"], seed=SEED), steps=2 * SEARCH["steps"])`.
#    Does the biased LSTM catch up with the GRU there, and does the gap between the two
#    GRU copies shrink?
