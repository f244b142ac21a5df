# %% [markdown]
# # 09 · Exercises: image captioning, BLEU and a caption's probability
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/exercises/09_image_captioning.ipynb)
#
# Each exercise asks for a function. Replace `raise NotImplementedError()` with your code and
# run the cell: the check below it answers **correct**, **not yet right** (with what it
# expected, what it got and a hint) or **not done yet**. The checks use inputs of their own,
# so a function that works only on the lesson's arrays will not pass.
# Lesson: [09 · Image captioning: a CNN encoder and an RNN decoder](../notebooks/09_image_captioning.ipynb).
#
# The lesson scores its captions with `course_lib.metrics.bleu_scores`, a wrapper around
# sacrebleu. Here you write BLEU yourself (Papineni et al., 2002), in three parts, and the
# checks compare each part with sacrebleu. A caption is a string of words separated by
# spaces (no further tokenisation, as in the lesson); each hypothesis has a list of one or
# more references.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from collections import Counter

import numpy as np

from course_lib.exercises import lesson09 as check
from course_lib.exercises import summary

# %% [markdown]
# ## 09.1 · BLEU's clipped n-gram counts
#
# A caption that repeats a right word should not get credit for every repetition: "the the
# the the the the the" has seven unigrams that all occur in the reference "the cat is on
# the mat", but that reference has "the" only twice. BLEU's *modified* precision clips the
# count of each n-gram of the hypothesis to the largest number of times it occurs in any
# single reference. Write `clipped_counts(hypothesis, references, n)`: it returns the pair
# `(matched, total)`, the clipped count summed over the hypothesis's distinct n-grams and
# the number of n-grams in the hypothesis (`len(words) - n + 1`, or 0 when it is shorter
# than n). `collections.Counter` counts tuples of words.

# %%
def clipped_counts(hypothesis, references, n):
    """hypothesis: str, references: list of str, n: int >= 1 -> (matched, total) ints."""
    ### BEGIN SOLUTION
    def ngrams(caption):
        words = caption.split()
        return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))

    most = Counter()
    for reference in references:
        most |= ngrams(reference)  # union of Counters: the largest count of each n-gram
    hyp = ngrams(hypothesis)
    return sum(min(count, most[gram]) for gram, count in hyp.items()), sum(hyp.values())
    ### END SOLUTION


check.clipped_counts(clipped_counts)

# %% [markdown]
# ## 09.2 · The brevity penalty
#
# Precision alone rewards short captions ("a big"). BLEU multiplies it by a penalty
# computed on the whole corpus: with `c` the number of words of all the hypotheses and `r`
# the *effective reference length* — for each example, the length of its reference closest
# in length to its hypothesis (on a tie, the shorter one), added up over the corpus —
#
# $$\mathrm{BP} = \begin{cases} 1 & \text{if } c > r \\ e^{\,1 - r/c} & \text{if } c \le r. \end{cases}$$
#
# Write `brevity_penalty(hypotheses, references)`: `hypotheses` a list of N strings,
# `references` a list of N lists of strings → BP, a float.

# %%
def brevity_penalty(hypotheses, references):
    """hypotheses: N str, references: N lists of str -> the corpus's brevity penalty in (0, 1]."""
    ### BEGIN SOLUTION
    c = r = 0
    for hypothesis, refs in zip(hypotheses, references):
        length = len(hypothesis.split())
        c += length
        r += min((len(ref.split()) for ref in refs), key=lambda ref_len: (abs(ref_len - length), ref_len))
    return 1.0 if c > r else float(np.exp(1 - r / c))
    ### END SOLUTION


check.brevity_penalty(brevity_penalty)

# %% [markdown]
# ## 09.3 · Corpus BLEU
#
# Corpus BLEU-N pools the counts before dividing: for each order n = 1..N, the precision
# `p_n` is the sum of the clipped counts over all the examples divided by the sum of their
# totals. Then
#
# $$\mathrm{BLEU}\text{-}N = 100 \cdot \mathrm{BP} \cdot \exp\Big(\frac{1}{N} \sum_{n=1}^{N} \log p_n\Big),$$
#
# the geometric mean of the precisions, penalised, in percent. Write
# `corpus_bleu(hypotheses, references, max_order)` with your two functions above. The check
# compares with `course_lib.metrics.bleu_scores` on a corpus in which every order has at
# least one match (sacrebleu smooths a precision of zero; you do not need to).

# %%
def corpus_bleu(hypotheses, references, max_order=4):
    """hypotheses: N str, references: N lists of str, max_order: N -> BLEU-N in [0, 100]."""
    ### BEGIN SOLUTION
    log_precisions = []
    for n in range(1, max_order + 1):
        counts = [clipped_counts(h, refs, n) for h, refs in zip(hypotheses, references)]
        log_precisions.append(np.log(sum(m for m, _ in counts) / sum(t for _, t in counts)))
    return 100 * brevity_penalty(hypotheses, references) * float(np.exp(np.mean(log_precisions)))
    ### END SOLUTION


check.corpus_bleu(corpus_bleu)

# %% [markdown] nbgrader={"solution": true}
# **Question.** Write a caption for the scene "a small red circle to the left of a large blue
# square" that a human would call wrong but that gets a high BLEU-4 against that reference.
# What does BLEU not see?
#
# ### BEGIN SOLUTION
# "a large blue square to the left of a small red circle" puts the objects in the wrong
# order, the failure the lesson counts in section 7. Yet every word is in the reference, so
# are most of its 2-, 3- and 4-grams ("to the left of", "a small red circle", "a large blue
# square"), and it has the reference's length, so there is no brevity penalty: BLEU-4 is
# about 73 against that reference alone, while the right paraphrase "a small red circle and
# a large blue square" gets about 43. BLEU sees which word sequences occur, not what they
# claim about the image: a swap that reverses the meaning can cost less than a harmless
# change of wording.
# ### END SOLUTION

# %% [markdown]
# ## 09.4 · The log-probability of a caption
#
# Greedy decoding and beam search rank captions by their log-probability under the model:
# the sum of the log-probabilities of the caption's words and of its `<end>` — the words
# after `<end>` are padding and do not count. Given the decoder's next-word
# log-probabilities at every step of a teacher-forced pass, `log_probs: (N, T, V)`, and
# the captions' ids, `tokens: (N, T)` (the word written at step `t` is `tokens[:, t]`; after
# its `<end>` a row holds padding, and a row may also fill all `T` steps without an
# `<end>`), return each caption's log-probability, `(N,)`. The check compares with the scores
# of `course_lib.decoding.greedy_decode`, the search the lesson's `generate_captions` runs
# (its `log_prob` holds these scores).

# %%
def caption_log_prob(log_probs, tokens, end_id):
    """log_probs: (N, T, V), tokens: (N, T) int, end_id: int -> (N,) log-probabilities."""
    ### BEGIN SOLUTION
    chosen = np.take_along_axis(log_probs, tokens[..., None], axis=-1)[..., 0]  # (N, T)
    is_end = tokens == end_id
    counted = np.cumsum(is_end, axis=1) - is_end == 0  # up to and including the first <end>
    return (chosen * counted).sum(axis=1)
    ### END SOLUTION


check.caption_log_prob(caption_log_prob)

# %% [markdown]
# ## Your score

# %%
summary("09")
