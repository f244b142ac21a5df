"""Checks for exercises/09_image_captioning.ipynb: BLEU's clipped n-gram counts, its brevity
penalty, corpus BLEU from both, and the log-probability of a caption up to its ``<end>``."""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax

from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal
from course_lib.vocabulary import Vocabulary

__all__ = ["brevity_penalty", "caption_log_prob", "clipped_counts", "corpus_bleu"]

#: (hypothesis, references): repeated words, words found in one reference only, a long caption.
CLIPPING_CASES = [
    ("the the the the the the the", ["the cat is on the mat", "there is a cat on the mat"]),
    ("there is a cat on the mat", ["the cat is on the mat", "there is a cat on the mat"]),
    ("a big red square to the left of a big red square",
     ["a big red square to the left of a small blue circle",
      "a small blue circle to the right of a large red square",
      "a large red square and a small blue circle"]),
]


def _sacrebleu(hypotheses, references, max_order: int = 4):
    """sacrebleu's corpus statistics; ``references``: N lists of the same number of strings."""
    from sacrebleu.metrics import BLEU

    streams = [list(refs) for refs in zip(*references)]
    return BLEU(tokenize="none", max_ngram_order=max_order).corpus_score(list(hypotheses), streams)


def _pair(got, what):
    try:
        matched, total = got
        return int(matched), int(total)
    except (TypeError, ValueError) as error:
        raise NotRight(f"{what}: expected a pair of counts (matched, total), got {got!r}") from error


@exercise("09.1", "BLEU's clipped n-gram counts",
          "count each n-gram of the hypothesis, and credit it at most as many times as it occurs in the one "
          "reference that has it most often (the references are not added up)")
def clipped_counts(student):
    """student(hypothesis str, references list[str], n) -> (matched, total) ints."""
    for hypothesis, references in CLIPPING_CASES:
        stats = _sacrebleu([hypothesis], [references])
        for n in (1, 2, 3, 4):
            got = _pair(answer(student, hypothesis, list(references), n), f"n = {n}")
            expect_equal(got, (stats.counts[n - 1], stats.totals[n - 1]),
                         f"(matched, total) for n = {n} of {hypothesis!r}, against sacrebleu")


_WORDS = "a small green triangle to the left of a big blue square and a large red circle on the right".split()


def _caption(length: int, offset: int = 0) -> str:
    return " ".join(_WORDS[offset:offset + length])


def _corpus(hypothesis_lengths, reference_lengths):
    """Captions of the given numbers of words (only their lengths matter to the penalty)."""
    return ([_caption(n) for n in hypothesis_lengths],
            [[_caption(n, 1 + k) for k, n in enumerate(refs)] for refs in reference_lengths])


#: hypothesis lengths, reference lengths: ties between two closest references (take the
#: shorter), a short reference far from the hypothesis; then a corpus longer than its references.
PENALTY_CASES = [([5, 3, 7], [[4, 6, 9], [5, 8, 4], [9, 3, 12]]),
                 ([9, 6, 11, 4], [[8, 12, 7], [5, 9, 6], [10, 13, 9], [3, 6, 4]])]


@exercise("09.2", "The brevity penalty",
          "c is the number of words of all the hypotheses; r adds up, for each example, the length of the "
          "reference closest to its hypothesis (on a tie, the shorter); a corpus longer than r is not penalised")
def brevity_penalty(student):
    """student(hypotheses list[str], references list[list[str]]) -> BP, a float in (0, 1]."""
    for hyp_lengths, ref_lengths in PENALTY_CASES:
        hypotheses, references = _corpus(hyp_lengths, ref_lengths)
        stats = _sacrebleu(hypotheses, references)
        got = answer(student, hypotheses, [list(r) for r in references])
        expect_close(got, stats.bp, f"the penalty for c = {stats.sys_len} words against r = {stats.ref_len}, "
                     "against sacrebleu", tol=1e-9)


#: scene captions with two to four references each; every n-gram order has matches.
CORPUS = [
    ("a small red circle to the left of a blue square",
     ["a small red circle to the left of a large blue square", "a large blue square to the right of a small red circle",
      "a little red circle and a big blue square"]),
    ("a big green triangle",
     ["a big green triangle", "a large green triangle on its own"]),
    ("a blue square to the left of a red circle",
     ["a small blue square to the left of a small red circle to the left of a big green triangle",
      "a small blue square , a small red circle and a big green triangle",
      "a big green triangle to the right of a small red circle",
      "three shapes : a small blue square , a small red circle and a big green triangle"]),
    ("a large red square to the right of a red square",
     ["a small red square to the left of a large red square", "a large red square to the right of a small red square"]),
]


@exercise("09.3", "Corpus BLEU",
          "add up the clipped counts and the totals of each order over the whole corpus first, then take the "
          "geometric mean of the max_order precisions, times the brevity penalty, in percent")
def corpus_bleu(student):
    """student(hypotheses, references, max_order) -> corpus BLEU-max_order in [0, 100]."""
    from course_lib.metrics import bleu_scores

    hypotheses = [h for h, _ in CORPUS]
    references = [list(r) for _, r in CORPUS]
    expected = bleu_scores(hypotheses, references, max_order=4)
    for n in (1, 2, 3, 4):
        got = answer(student, list(hypotheses), [list(r) for r in references], n)
        expect_close(got, expected[n], f"BLEU-{n} of a corpus of {len(CORPUS)} captions, against "
                     "course_lib.metrics.bleu_scores", tol=1e-7)


def _decoder_outputs(seed: int = 9, N: int = 4, T: int = 7, V: int = 11, end_id: int = Vocabulary.END_ID):
    """log_probs (N, T, V) of a model that ignores its input; row n writes <end> at step ends[n]
    (the last row never does); PAD (0) and <start> (2) are never likely."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(N, T, V))
    logits[:, :, [Vocabulary.PAD_ID, Vocabulary.START_ID]] = -30.0
    ends = [2, 5, 0, None]
    for n, end in enumerate(ends):
        logits[n, :, end_id] = -30.0
        if end is not None:
            logits[n, end, end_id] = logits[n, end].max() + 1.0  # the most likely, but not certain
    return log_softmax(logits, axis=-1)


def _greedy(log_probs, end_id: int):
    """course_lib.decoding.greedy_decode on the log-probs above: (tokens (N, T), log_prob (N,))."""
    from course_lib.decoding import greedy_decode

    step = {"t": 0}

    def step_fn(tokens, state):
        out = log_probs[:, step["t"]]
        step["t"] += 1
        return out, state

    return greedy_decode(step_fn, np.zeros((len(log_probs), 1)), start_id=Vocabulary.START_ID, end_id=end_id,
                         max_len=log_probs.shape[1], pad_id=Vocabulary.PAD_ID)


@exercise("09.4", "The log-probability of a caption",
          "at each step take the log-probability of the caption's own token there (not the most likely one); "
          "add them up to and including the first <end>, and nothing after it")
def caption_log_prob(student):
    """student(log_probs (N, T, V), tokens (N, T), end_id) -> (N,) summed log-probabilities."""
    end_id = Vocabulary.END_ID
    log_probs = _decoder_outputs(end_id=end_id)
    tokens, greedy_score = _greedy(log_probs, end_id)
    got = answer(student, log_probs.copy(), tokens.copy(), end_id)
    expect_close(got, greedy_score, "the log-probabilities of greedy decoding's captions, against "
                 "course_lib.decoding.greedy_decode", tol=1e-9)
    rng = np.random.default_rng(10)  # teacher-forced captions that are not the most likely ones
    N, T, V = log_probs.shape
    captions = rng.integers(4, V, size=(N, T))
    ends = np.array([2, -1, 0, 4])  # where each caption's <end> is; -1: it fills all T steps
    for n, end in enumerate(ends):
        if end >= 0:
            captions[n, end], captions[n, end + 1:] = end_id, 0  # <end>, then padding
    counted = np.arange(T)[None, :] <= np.where(ends < 0, T, ends)[:, None]
    kept = np.take_along_axis(log_probs, captions[..., None], axis=-1)[..., 0]
    expected = (kept * counted).sum(axis=1)
    got = answer(student, log_probs.copy(), captions.copy(), end_id)
    expect_close(got, expected, "the log-probabilities of given captions", tol=1e-9)
