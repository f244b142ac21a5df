# %% [markdown]
# # 07 · Exercises: sequence to sequence
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/07_seq2seq.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [07 · Sequence to sequence: the encoder–decoder](../notebooks/07_seq2seq.ipynb).

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

import numpy as np

from course_lib.exercises import lesson07 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 07.1 · Teacher forcing: the decoder's input and target
#
# A decoder trained with teacher forcing reads `<start>` and then the true tokens, and at
# every step has to predict the next true token, `<end>` after the last one. Write
# `teacher_forcing_pairs(targets, start_id, end_id, pad_id)` for `targets`, a list of `N`
# lists of token ids (without special tokens, of different lengths, the longest `L`). It
# returns `(target_in, target_out)`, two int arrays `(N, L + 1)` padded with `pad_id` after
# each row's end: `target_in` is what the decoder reads, `target_out` what it must predict
# at the same steps (the lesson's `te["target_in"]` and `te["target_out"]`).

# %%
def teacher_forcing_pairs(targets, start_id, end_id, pad_id):
    """targets: N lists of ids (longest L) -> (target_in, target_out), each (N, L + 1) int."""
    ### BEGIN SOLUTION
    width = max(len(t) for t in targets) + 1
    target_in = np.full((len(targets), width), pad_id, dtype=np.int64)
    target_out = np.full((len(targets), width), pad_id, dtype=np.int64)
    for n, ids in enumerate(targets):
        target_in[n, : len(ids) + 1] = [start_id, *ids]
        target_out[n, : len(ids) + 1] = [*ids, end_id]
    return target_in, target_out
    ### END SOLUTION


check.teacher_forcing_pairs(teacher_forcing_pairs)

# %% [markdown]
# ## 07.2 · One beam-search expansion
#
# Beam search keeps `k` partial translations per example, each with a score, the sum of
# its tokens' log-probabilities. One step extends every hypothesis by every token of the
# vocabulary and keeps the `k` best of those `k · V` candidates. Write
# `beam_expand(scores, log_probs)` for a batch: `scores: (B, k)` the hypotheses' scores,
# `log_probs: (B, k, V)` the log-probabilities of the next token after each hypothesis. It
# returns `(new_scores, origin, tokens)`, each `(B, k)` and ordered best first: the
# survivors' scores, the index of the hypothesis each one extends (in `0 … k−1`) and the
# token it adds. At the first step all hypotheses are the same, so only hypothesis 0 has a
# finite score (the others are `-inf`); your function must handle that too.
# (`course_lib.decoding.beam_search` does this at every step, and also keeps finished
# hypotheses; leave those out here.)

# %%
def beam_expand(scores, log_probs):
    """scores: (B, k), log_probs: (B, k, V) -> (new_scores, origin, tokens), each (B, k), best first."""
    ### BEGIN SOLUTION
    B, k, V = log_probs.shape
    candidates = (scores[:, :, None] + log_probs).reshape(B, k * V)
    best = np.argsort(-candidates, axis=1)[:, :k]
    return np.take_along_axis(candidates, best, axis=1), best // V, best % V
    ### END SOLUTION


check.beam_expand(beam_expand)

# %% [markdown]
# ## 07.3 · Token accuracy without the padding
#
# Section 6 of the lesson scores translations by token accuracy: the share of the target's
# tokens that the output has right at the same position. On padded id arrays only the
# positions where the target is not padding count. Write
# `masked_token_accuracy(predicted, target, pad_id)` for `predicted, target: (N, T)` int
# arrays (the rows of `target` have different lengths, padded with `pad_id`); it returns one
# float for the whole batch.

# %%
def masked_token_accuracy(predicted, target, pad_id):
    """predicted, target: (N, T) ints -> the share of non-padding target positions predicted right."""
    ### BEGIN SOLUTION
    real = target != pad_id
    return float(np.sum((predicted == target) & real) / np.sum(real))
    ### END SOLUTION


check.masked_token_accuracy(masked_token_accuracy)

# %% [markdown]
# ## 07.4 · GNMT's length penalty
#
# A beam's score is a sum of negative numbers, so it favours short outputs. GNMT (Wu et al.,
# 2016) ranks finished hypotheses by `log P(Y | X) / lp(Y)` with the length penalty
# `lp(Y) = (5 + |Y|)^α / (5 + 1)^α`: `α = 0` is the plain sum, larger `α` favours longer
# outputs more. Write `gnmt_scores(log_probs, lengths, alpha)` for `log_probs: (B, k)` the
# hypotheses' log-probabilities and `lengths: (B, k)` their lengths `|Y|`; it returns the
# scores `(B, k)` to rank them by.

# %%
def gnmt_scores(log_probs, lengths, alpha):
    """log_probs: (B, k), lengths: (B, k) ints, alpha >= 0 -> length-normalised scores (B, k)."""
    ### BEGIN SOLUTION
    penalty = ((5.0 + lengths) / 6.0) ** alpha
    return log_probs / penalty
    ### END SOLUTION


check.gnmt_scores(gnmt_scores)

# %% [markdown] nbgrader={"solution": true}
# **Question.** The lesson's exercise 5 reranks the beams of the date translator with a
# length penalty and finds that the choice almost never changes. Using `gnmt_scores`,
# explain why: what do the `k` hypotheses of one date input have in common, and what would
# have to differ between two of them for the penalty to swap their order?
#
# ### BEGIN SOLUTION
# The penalty divides each score by a number that depends only on the hypothesis' length.
# Two hypotheses of the same length are divided by the same number, so their order cannot
# change; it can change only between hypotheses of different lengths whose log-probabilities
# are close. The beams of one date input almost always have the same length: an English date
# has a fixed format (month, day, comma, year), and the hypotheses differ in which month,
# day or year they write, not in how many tokens. And the trained model is confident, so a
# shorter or longer output, when one is in the beam at all, is far less probable than the
# best one, by more than a division by `((5 + |Y|) / 6)^α` can make up for a length
# difference of a token or two.
# ### END SOLUTION

# %% [markdown]
# ## Your score

# %%
summary("07")
