# %% [markdown]
# # 11 · Exercises: transfer learning
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/11_transfer_learning.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [11 · Transfer learning](../notebooks/11_transfer_learning.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

setup_notebook(seed=0)

import numpy as np
from sklearn.linear_model import LogisticRegression

from course_lib.exercises import lesson11 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 11.1 · k examples per class
#
# The lesson pretends it can afford only `k` labelled examples of each target class. Write
# `sample_per_class(y, k, rng, n_classes)`: given the labels `y: (N,)` (integers in
# `[0, n_classes)`, in any order, with at least `k` examples of each class), return
# `k · n_classes` indices into `y`, exactly `k` of each class, no index twice, chosen at
# random with the NumPy generator `rng` (so the same seed gives the same draw).

# %%
def sample_per_class(y, k, rng, n_classes):
    """y: (N,) labels, k: examples per class, rng: np.random.Generator -> (k·n_classes,) indices."""
    ### BEGIN SOLUTION
    return np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=False) for c in range(n_classes)])
    ### END SOLUTION


check.sample_per_class(sample_per_class)

# %% [markdown]
# ## 11.2 · A linear probe
#
# Method (a) of the lesson fits a linear classifier on frozen features. Write
# `linear_probe(f_train, y_train, f_eval, y_eval)`: fit a linear classifier on the training
# features `f_train: (n, D)` with labels `y_train: (n,)`, and return its accuracy (a number
# in [0, 1]) on `f_eval: (m, D)`, `y_eval: (m,)`. This one is a measurement: the check
# accepts any reasonable linear classifier whose accuracy lies within 0.1 of a reference
# logistic regression's, on two sets of features with only 5 or 6 examples per class.

# %%
def linear_probe(f_train, y_train, f_eval, y_eval):
    """f_train: (n, D), y_train: (n,), f_eval: (m, D), y_eval: (m,) -> accuracy on the evaluation set."""
    ### BEGIN SOLUTION
    classifier = LogisticRegression(max_iter=3000).fit(f_train, y_train)
    return float(classifier.score(f_eval, y_eval))
    ### END SOLUTION


check.linear_probe(linear_probe)

# %% [markdown] nbgrader={"solution": true}
# **Question.** With 5 examples per class and 16 features, what accuracy does your probe
# reach on its own training features, and why is that number useless as a measure of the
# features?
#
# ### BEGIN SOLUTION
# It is at or near 1: with more features than examples per class, a linear classifier can
# separate a few dozen points almost whatever their labels, so the training accuracy says
# how well it memorised them, not how well the features separate the classes. Only
# examples it was not fitted on measure that, which is why the lesson scores every probe
# on the held-out test images (and chooses the penalty by cross-validation on the
# training examples, never on the test set).
# ### END SOLUTION

# %% [markdown]
# ## 11.3 · Trainable parameters after freezing
#
# The lesson's backbone (`vision.conv_backbone`) is a stack of blocks, one per entry of
# `widths`: a 3×3 convolution with no bias, a `BatchNormalization` and a ReLU (max pooling
# between blocks has no weights, nor has the final global average pooling). A `Dense`
# layer on top scores the classes. Write `trainable_counts(widths, channels, classes)` for
# images with `channels` channels, returning three integers: the numbers Keras trains
# (a) with the whole backbone frozen (`backbone.trainable = False`), (b) with only its
# BatchNorm layers frozen, as in the lesson's inference-mode fine-tuning, and (c) with
# nothing frozen. The check builds the models and counts `model.trainable_weights`.

# %%
def trainable_counts(widths, channels, classes):
    """widths: channels of each block, channels: of the images -> (backbone frozen, BatchNorm frozen, none)."""
    ### BEGIN SOLUTION
    ins = (channels, *widths[:-1])
    convolutions = sum(9 * c_in * c_out for c_in, c_out in zip(ins, widths))
    head = widths[-1] * classes + classes
    return head, convolutions + head, convolutions + 2 * sum(widths) + head
    ### END SOLUTION


check.trainable_counts(trainable_counts)

# %% [markdown]
# ## 11.4 · BatchNorm's moving statistics
#
# In training mode a `BatchNormalization` layer normalises with the batch's own mean and
# variance and moves its stored averages towards them. Write
# `bn_moving_update(moving_mean, moving_var, batch, momentum)` for a batch of feature maps
# `batch: (N, H, W, C)` and stored averages `moving_mean, moving_var: (C,)`; return the two
# new averages `(C,)` after one training step, in Keras' convention (the check runs
# `keras.layers.BatchNormalization(momentum=...)` on the same batch). Careful: Keras'
# momentum is the weight of the *old* average, and PyTorch's means the opposite.

# %%
def bn_moving_update(moving_mean, moving_var, batch, momentum):
    """moving_mean, moving_var: (C,), batch: (N, H, W, C) -> (new moving_mean (C,), new moving_var (C,))."""
    ### BEGIN SOLUTION
    mean, var = batch.mean(axis=(0, 1, 2)), batch.var(axis=(0, 1, 2))
    return momentum * moving_mean + (1 - momentum) * mean, momentum * moving_var + (1 - momentum) * var
    ### END SOLUTION


check.bn_moving_update(bn_moving_update)

# %% [markdown] nbgrader={"solution": true}
# **Question.** The lesson notes that after 10 training steps with momentum 0.9 the
# moving averages "still hold about a third of their starting values". Where does that
# number come from, and how many steps does it take until less than 1% is left?
#
# ### BEGIN SOLUTION
# Each step keeps the share `momentum` of the old average, so after `t` steps the starting
# value weighs `0.9^t`: `0.9^10 ≈ 0.35`, about a third. Less than 1% needs
# `0.9^t < 0.01`, that is `t > ln(0.01) / ln(0.9) ≈ 43.7`: 44 steps.
# ### END SOLUTION

# %% [markdown]
# ## Your score

# %%
summary("11")
