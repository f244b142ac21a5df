# %% [markdown]
# # 14 · Exercises: searching for a better cell
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/14_cell_search.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [14 · Searching for a better cell](../notebooks/14_cell_search.ipynb).
#
# The template of update rules (`course_lib.cell_rules`, after Jozefowicz, Zaremba &
# Sutskever, 2015): with `L_j = W_j x + U_j h̃_j + b_j`, where `h̃_j` is `h` or, when slot
# `reset_j` is on, `r ⊙ h` with `r = σ(W_r x + U_r h + b_r)`,
#
# ```
# a_j   = act_j(L_j)                         j = 1..4
# A     = comb_A(a_1, a_2)                   a_1 | a_1 + a_2 | a_1 ⊙ a_2      ("left", "add", "mul")
# m     = memory(a_1, a_3, c)                none | a_3 ⊙ c | (1 − a_1) ⊙ c | c ("none", "gate", "coupled", "plain")
# c_new = comb_c(A, m)                       A + m | A ⊙ m  ("add", "mul"; just A when memory is "none")
# h'    = comb_h(act_c(c_new), a_4)          out | out + a_4 | out ⊙ a_4     ("left", "add", "mul")
# c'    = c_new ("separate") or h' ("tied")  the slot carry
# ```
#
# `cell_rules.SLOTS` lists every slot's options, first option first; a `Rule` holds one
# choice per slot (`rule.act_1`, `rule.memory`, ...), and `rule.choices()` gives them as a dict.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np

from course_lib.cell_rules import SLOTS, STATE_CLIP, Rule
from course_lib.exercises import lesson14 as check
from course_lib.exercises import summary

print(SLOTS)

# %% [markdown]
# ## 14.1 · The canonical form of a rule
#
# Many fillings of the slots compute the same cell, because some slots are never read.
# Write `canonical_choices(choices)`: given a dict `{slot: option}` for every slot, return
# the dict of the same computation with every unread slot set to its first option:
#
# - the rule reads `a_1` always, `a_2` when `comb_A` is not "left", `a_3` when the memory is
#   "gate", and `a_4` when `comb_h` is not "left"; an unread `a_j` gets `act_j = "identity"`
#   and `reset_j = False`;
# - without a memory, `comb_c` is unread ("add");
# - the carry changes nothing without a memory, or when `h'` equals `c_new` (`comb_h` "left"
#   and `act_c` "identity"): then it is "tied".
#
# The check compares your answer with `Rule.canonical` on 300 random fillings.

# %%
def canonical_choices(choices):
    """choices: {slot: option} -> {slot: option} of the same computation, unread slots reset."""
    ### BEGIN SOLUTION
    out = dict(choices)
    read = {1: True, 2: out["comb_A"] != "left", 3: out["memory"] == "gate", 4: out["comb_h"] != "left"}
    for j in (j for j, is_read in read.items() if not is_read):
        out[f"act_{j}"], out[f"reset_{j}"] = SLOTS[f"act_{j}"][0], SLOTS[f"reset_{j}"][0]
    if out["memory"] == "none":
        out["comb_c"] = SLOTS["comb_c"][0]
    if out["memory"] == "none" or (out["comb_h"] == "left" and out["act_c"] == "identity"):
        out["carry"] = "tied"
    return out
    ### END SOLUTION


check.canonical_choices(canonical_choices)

# %% [markdown]
# ## 14.2 · One step of any rule
#
# Write `rule_step(rule, x_proj, h, c, U)` in NumPy for a `Rule` and a batch:
# `x_proj = x W + b: (N, 5H)` and `U: (H, 5H)` hold five blocks of `H` columns, those of
# `a_1 … a_4`, then the reset gate's; `h, c: (N, H)` are the previous state. Return
# `(h_t, c_t)`, each `(N, H)`. The activations are "identity", "tanh", "sigmoid" and "relu".
# As in `cell_rules.rule_step`, clip `c_new` to `[−STATE_CLIP, STATE_CLIP]` (50) before it is
# used, and clip `h'` too; then `c'` is the clipped `c_new` or `h'`. The check runs your
# step on the LSTM, the GRU, the vanilla RNN and 17 other rules.

# %%
ACTIVATE = {"identity": lambda v: v, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "relu": lambda v: np.maximum(v, 0)}
COMBINE = {"left": lambda a, b: a, "add": lambda a, b: a + b, "mul": lambda a, b: a * b}


def rule_step(rule, x_proj, h, c, U):
    """rule: a Rule, x_proj: (N, 5H), h, c: (N, H), U: (H, 5H) -> (h_t (N, H), c_t (N, H))."""
    ### BEGIN SOLUTION
    H = h.shape[1]
    r = ACTIVATE["sigmoid"](x_proj[:, 4 * H:] + h @ U[:, 4 * H:])
    a = {}
    for j in range(1, 5):
        cols = slice((j - 1) * H, j * H)
        recurrent = ((r * h) if getattr(rule, f"reset_{j}") else h) @ U[:, cols]
        a[j] = ACTIVATE[getattr(rule, f"act_{j}")](x_proj[:, cols] + recurrent)
    A = COMBINE[rule.comb_A](a[1], a[2])
    memory = {"none": None, "gate": a[3] * c, "coupled": (1 - a[1]) * c, "plain": c}[rule.memory]
    c_new = A if memory is None else COMBINE[rule.comb_c](A, memory)
    c_new = np.clip(c_new, -STATE_CLIP, STATE_CLIP)
    h_new = np.clip(COMBINE[rule.comb_h](ACTIVATE[rule.act_c](c_new), a[4]), -STATE_CLIP, STATE_CLIP)
    return h_new, (c_new if rule.carry == "separate" else h_new)
    ### END SOLUTION


check.rule_step(rule_step)

# %% [markdown]
# ## 14.3 · The one-slot mutants of a rule
#
# Jozefowicz et al. searched by mutating good cells. Write `one_slot_mutants(rule)`: the
# list of every distinct cell you can reach from `rule` by setting one slot to another of
# its options, each in canonical form (`Rule(**choices).canonical()`), each once, and
# without `rule` itself (changing a slot it never reads gives back the same cell). The
# lesson says the LSTM has 28 such mutants and the GRU 19; the check compares the whole
# list for those, the vanilla RNN and a random rule.

# %%
def one_slot_mutants(rule):
    """rule: a canonical Rule -> list of the distinct canonical Rules one slot change away."""
    ### BEGIN SOLUTION
    choices = rule.choices()
    mutants = {Rule(**{**choices, slot: option}).canonical()
               for slot, options in SLOTS.items() for option in options if option != choices[slot]}
    return sorted(mutants - {rule}, key=str)
    ### END SOLUTION


check.one_slot_mutants(one_slot_mutants)

# %% [markdown] nbgrader={"solution": true}
# **Question.** The vanilla RNN is `h' = a_1 = tanh(W_1 x + U_1 h + b_1)`. Which of its
# one-slot mutants can keep a memory across many steps without its gradient vanishing,
# and which of them still cannot?
#
# ### BEGIN SOLUTION
# Only the three mutants that add a memory term give the state a path to the next step that
# is not a matrix product followed by an activation. With the tied carry, `c` is the
# previous `h'`. "plain" gives `c_new = a_1 + c`: an accumulator whose gradient through `c`
# is exactly 1 per step, but which cannot forget (its state grows until the clip).
# "coupled" gives `c_new = a_1 + (1 − a_1) ⊙ c`, a GRU-like mix, though with tanh's `a_1`
# the factor `1 − a_1` lies in (0, 2) and can amplify as well as keep. "gate" gives
# `a_1 + a_3 ⊙ c` with the identity `a_3`, an unbounded factor. The mutants that change an
# activation, `comb_A` or `comb_h` see `h` only through the products `U_j h`, so their
# gradient still shrinks or grows by a matrix product per step, as the vanilla RNN's does.
# ### END SOLUTION

# %% [markdown]
# ## 14.4 · The bank's loss, cell by cell
#
# `cell_bank.CellBank` outputs logits for all its `K` cells at once, `(N, K, C)`, and its
# loss is the sum of the cells' own losses, so that each cell's gradient is its own. Write
# `per_cell_crossentropy(y, logits)` for labels `y: (N,)` (integers in `[0, C)`) and
# `logits: (N, K, C)`, returning each cell's mean cross-entropy over the `N` examples, `(K,)`.
# Some cells of the check are very confident (logits beyond 100, in float32, where `exp`
# overflows above 88), so compute the log-softmax stably.

# %%
def per_cell_crossentropy(y, logits):
    """y: (N,) labels, logits: (N, K, C) -> (K,) each cell's mean cross-entropy."""
    ### BEGIN SOLUTION
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (N, K, C)
    return -log_probs[np.arange(len(y)), :, y].mean(axis=0)
    ### END SOLUTION


check.per_cell_crossentropy(per_cell_crossentropy)

# %% [markdown]
# ## Your score

# %%
summary("14")
