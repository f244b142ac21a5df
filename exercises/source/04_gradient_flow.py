# %% [markdown]
# # 04 · Exercises: gradient flow through time
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/04_gradient_flow.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [04 · Gradient flow through time](../notebooks/04_gradient_flow.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import math

import numpy as np

from course_lib.exercises import lesson04 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 04.1 · Clipping by global norm
#
# `grads` is a list of NumPy arrays, one per variable, of different shapes. Return the
# clipped list and the global norm `‖g‖` of the gradient *before* clipping, where `‖g‖`
# is taken over all the variables together. If `‖g‖ > c`, every array is rescaled by
# `c / ‖g‖`; otherwise all are returned unchanged (Pascanu, Mikolov and Bengio, 2013, who
# proposed it against exploding gradients). This is Keras' `global_clipnorm`; the check
# compares with `tf.clip_by_global_norm` for one `c` below `‖g‖` and one above.

# %%
def clip_by_global_norm(grads, c):
    """grads: list of arrays, c > 0 -> (list of arrays of the same shapes, ‖g‖ before clipping)."""
    ### BEGIN SOLUTION
    norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))
    scale = min(1.0, c / norm)
    return [g * scale for g in grads], norm
    ### END SOLUTION


check.clip_by_global_norm(clip_by_global_norm)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Keras also offers `clipnorm=c`, which clips each variable's gradient to
# norm `c` on its own. Why does clipping by global norm keep the direction of the update,
# and what happens to the direction with `clipnorm` when one variable's gradient is much
# larger than the others'?
#
# ### BEGIN SOLUTION
# Clipping by global norm multiplies every variable's gradient by the same factor
# `c / ‖g‖`, so the whole gradient vector is only shortened: it points where it pointed.
# `clipnorm` uses a factor of its own for each variable. When one variable's gradient is
# far larger than the others', only that one is scaled down, by a large factor, while the
# small ones are kept: the update now leans towards the variables whose gradients were
# small, which is not the direction of steepest descent any more.
# ### END SOLUTION

# %% [markdown]
# ## 04.2 · Steps until ρ^k passes a threshold
#
# In the linear regime of the lesson's section 2, the gradient norm after `k` steps back is
# `ρ^k`. Return the smallest whole number of steps `k` for which `ρ^k` has passed
# `threshold`: `ρ^k > threshold` for a growing gradient (`ρ > 1`, `threshold > 1`),
# `ρ^k < threshold` for a vanishing one (`ρ < 1`, `threshold < 1`). Compute it, do not
# loop: the check compares with a loop that counts.

# %%
def steps_to_cross(rho, threshold):
    """rho > 0, rho != 1, threshold on the side rho moves towards -> the smallest int k."""
    ### BEGIN SOLUTION
    return math.floor(math.log(threshold) / math.log(rho)) + 1
    ### END SOLUTION


check.steps_to_cross(steps_to_cross)

# %% [markdown]
# ## 04.3 · The norm of a product of Jacobians
#
# A tanh RNN in the lesson's row layout computes `h_t = tanh(x_t Wx + h_{t−1} Wh + b)`.
# Given the states of one sequence, `h: (T, H)` (`h[t]` after step `t`), and `Wh: (H, H)`,
# return `norms: (T,)` with `norms[d] = ‖∂h[T−1] / ∂h[T−1−d]‖₂`, the spectral norm of the
# Jacobian of the last state with respect to the state `d` steps earlier (`norms[0] = 1`).
# The inputs, `Wx` and `b` are not needed: the states carry all that the Jacobians depend
# on. The check compares with the Jacobians TensorFlow's autodiff computes.

# %%
def jacobian_norms(h, Wh):
    """h: (T, H) states, Wh: (H, H) -> (T,) ‖∂h[T-1]/∂h[T-1-d]‖₂ for d = 0 .. T-1."""
    ### BEGIN SOLUTION
    T, H = h.shape
    J, norms = np.eye(H), [1.0]
    for t in range(T - 1, 0, -1):
        J = J @ (np.diag(1 - h[t] ** 2) @ Wh.T)  # one step further back: ∂h[T-1]/∂h[t-1]
        norms.append(np.linalg.norm(J, 2))
    return np.array(norms)
    ### END SOLUTION


check.jacobian_norms(jacobian_norms)

# %% [markdown]
# ## 04.4 · A forget-gate bias for a given memory
#
# Along an LSTM's cell path, each step back multiplies the gradient by the forget gate
# `f = σ(b_f + …)` (the gate of Gers, Schmidhuber and Cummins, 2000; Jozefowicz, Zaremba
# and Sutskever, 2015, advise starting its bias at 1, Keras' `unit_forget_bias`). Suppose the rest of the gate's input is 0, so `f = σ(b)` at every step.
# Return the bias `b` for which `n` steps keep the share `keep` of the gradient,
# `σ(b)^n = keep`. (The lesson's LSTM with forget bias 3 has `σ(3) ≈ 0.95`.)

# %%
def forget_bias_for(n, keep):
    """n >= 1 steps, keep in (0, 1) -> the bias b (a float) with sigmoid(b) ** n == keep."""
    ### BEGIN SOLUTION
    f = keep ** (1.0 / n)
    return math.log(f / (1.0 - f))
    ### END SOLUTION


check.forget_bias_for(forget_bias_for)

# %% [markdown]
# ## Your score

# %%
summary("04")
