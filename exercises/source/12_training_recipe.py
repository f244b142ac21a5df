# %% [markdown]
# # 12 · Exercises: the training recipe
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/12_training_recipe.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [12 · The training recipe](../notebooks/12_training_recipe.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np

from course_lib.exercises import lesson12 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 12.1 · A learning rate from the range test
#
# A range test gives `lrs: (S,)`, rates growing geometrically, and `losses: (S,)`, the loss
# of the batch trained at each rate (`inf` once the loss stopped being finite). Write
# `suggest_learning_rate(lrs, losses, smooth=5)` with the lesson's rule:
#
# 1. keep the losses before the first non-finite one;
# 2. smooth them with a centred moving average of `smooth` values (each smoothed value
#    belongs to the rate in the middle of its window);
# 3. cut the smoothed curve where, after its minimum, it first exceeds 4 × that minimum
#    (the blow-up), and keep the part before;
# 4. return the rate where the smoothed loss falls fastest against log(lr).
#
# The check runs it on two synthetic range tests and accepts an answer within a factor 2 of
# `course_lib.recipe.suggest_learning_rate` (small differences of smoothing or of the
# derivative move the answer a little; a wrong rule moves it by orders of magnitude).

# %%
def suggest_learning_rate(lrs, losses, smooth=5):
    """lrs: (S,) increasing rates, losses: (S,) -> the rate where the smoothed loss falls fastest."""
    ### BEGIN SOLUTION
    finite = np.isfinite(losses)
    stop = len(losses) if finite.all() else int(np.argmin(finite))
    smoothed = np.convolve(losses[:stop], np.ones(smooth) / smooth, mode="valid")
    centre = lrs[smooth // 2 : smooth // 2 + len(smoothed)]
    lowest = int(np.argmin(smoothed))
    blown = np.flatnonzero(smoothed[lowest:] > 4 * smoothed[lowest])
    end = lowest + int(blown[0]) if blown.size else len(smoothed)
    slope = np.gradient(smoothed[:end], np.log(centre[:end]))
    return float(centre[int(np.argmin(slope))])
    ### END SOLUTION


check.suggest_learning_rate(suggest_learning_rate)

# %% [markdown]
# ## 12.2 · Log-uniform sampling
#
# A learning rate or a weight decay is searched on a log scale: every factor of 10 in the
# range should get the same share of the trials. Write `log_uniform(low, high, size, rng)`
# returning `size` numbers between `low` and `high` (`0 < low < high`) whose logarithm is
# uniform, drawn with the NumPy generator `rng`. The check is statistical: on 20,000 draws,
# the share below each tenth of the log-range must be within 0.02 of what it should be.

# %%
def log_uniform(low, high, size, rng):
    """0 < low < high, size: int, rng: np.random.Generator -> (size,) log-uniform numbers."""
    ### BEGIN SOLUTION
    return np.exp(rng.uniform(np.log(low), np.log(high), size))
    ### END SOLUTION


check.log_uniform(log_uniform)

# %% [markdown] nbgrader={"solution": true}
# **Question.** With a range of [1e-5, 1e-1], what share of uniform (not log-uniform)
# draws lands below 1e-2? What does that do to a random search of the learning rate?
#
# ### BEGIN SOLUTION
# (1e-2 − 1e-5) / (1e-1 − 1e-5) ≈ 0.1: nine draws in ten land in the last decade, between
# 1e-2 and 1e-1, and the three decades below share one tenth of them. A uniform search of a
# scale parameter spends almost all its budget on the largest values, which for a learning
# rate are often the ones that diverge; log-uniform draws give each decade a quarter.
# ### END SOLUTION

# %% [markdown]
# ## 12.3 · The cyclic cosine learning rate
#
# The snapshot ensemble trains with `keras.optimizers.schedules.CosineDecayRestarts` with
# cycles of equal length (`t_mul=1`, `m_mul=1`). Write
# `cosine_restarts_lr(steps, initial_lr, cycle_steps, alpha)`: for an integer array of
# optimizer steps `steps: (S,)` (starting at 0) return the learning rate at each, `(S,)`. In
# each cycle the rate starts at `initial_lr` and follows half a cosine down towards
# `alpha · initial_lr`, then jumps back up at the first step of the next cycle (Loshchilov &
# Hutter, 2017, SGDR).

# %%
def cosine_restarts_lr(steps, initial_lr, cycle_steps, alpha):
    """steps: (S,) ints -> (S,) learning rates of cycles of cycle_steps steps."""
    ### BEGIN SOLUTION
    fraction = (steps % cycle_steps) / cycle_steps
    cosine = 0.5 * (1 + np.cos(np.pi * fraction))
    return initial_lr * (alpha + (1 - alpha) * cosine)
    ### END SOLUTION


check.cosine_restarts_lr(cosine_restarts_lr)

# %% [markdown]
# ## 12.4 · The exponential moving average of the weights
#
# `keras.optimizers.SGD(..., use_ema=True, ema_momentum=m)` keeps an average of the weights
# next to them. Write `weight_ema(trajectory, momentum)`: given the weights after each of `T`
# optimizer steps, `trajectory: (T, ...)`, return the average after each step, `(T, ...)`,
# in Keras' convention: after the first step the average is the weights themselves; after
# every later step `average = m · average + (1 − m) · weights`. The check runs Keras'
# optimizer and compares your last average with what it puts in the variable at the end
# (`finalize_variable_values`).

# %%
def weight_ema(trajectory, momentum):
    """trajectory: (T, ...) weights after each step -> (T, ...) their moving average after each step."""
    ### BEGIN SOLUTION
    averages = [trajectory[0]]
    for weights in trajectory[1:]:
        averages.append(momentum * averages[-1] + (1 - momentum) * weights)
    return np.stack(averages)
    ### END SOLUTION


check.weight_ema(weight_ema)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Adam's moments start at zero and divide by `1 − m^t` to correct for it.
# Keras' weight average starts at the first weights instead. After `t` steps, how much
# weight does the average still give to the first weights, and why does a momentum of
# 0.999 need care in a short run?
#
# ### BEGIN SOLUTION
# Each later step multiplies the old average by `m`, so after `t` steps the first weights
# count with `m^(t−1)`. With `m = 0.999` that is still about 0.37 after 1,000 steps and
# 0.9 after 100: in a short run the average stays close to the first, untrained weights
# (lesson 12's exercise 5 asks for exactly this comparison), while `m = 0.98` forgets them
# after a few hundred steps.
# ### END SOLUTION

# %% [markdown]
# ## Your score

# %%
summary("12")
