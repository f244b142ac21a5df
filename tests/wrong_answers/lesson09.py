"""Wrong answers to lesson 09's exercises (see ``__init__.py``)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


def _ngrams(caption, n):
    words = caption.split()
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def _clipped(hypothesis, references, n):
    best = Counter()
    for ref in references:
        best |= _ngrams(ref, n)  # the largest count in any one reference
    hyp = _ngrams(hypothesis, n)
    return sum(min(c, best[g]) for g, c in hyp.items()), sum(hyp.values())


def _not_clipped(hypothesis, references, n):
    found = set().union(*(_ngrams(ref, n) for ref in references))
    hyp = _ngrams(hypothesis, n)
    return sum(c for g, c in hyp.items() if g in found), sum(hyp.values())


def _clipped_by_the_sum(hypothesis, references, n):
    total = sum((_ngrams(ref, n) for ref in references), Counter())
    hyp = _ngrams(hypothesis, n)
    return sum(min(c, total[g]) for g, c in hyp.items()), sum(hyp.values())


def _closest(hyp_len, ref_lens):
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def _penalty(c, r):
    return 1.0 if c > r else math.exp(1 - r / c)


def _lengths(hypotheses, references, choose):
    c = sum(len(h.split()) for h in hypotheses)
    r = sum(choose(len(h.split()), [len(x.split()) for x in refs]) for h, refs in zip(hypotheses, references))
    return c, r


def _shortest_reference(hypotheses, references):
    return _penalty(*_lengths(hypotheses, references, lambda h, refs: min(refs)))


def _ties_to_the_longer(hypotheses, references):
    return _penalty(*_lengths(hypotheses, references, lambda h, refs: min(refs, key=lambda r: (abs(r - h), -r))))


def _penalty_always(hypotheses, references):
    c, r = _lengths(hypotheses, references, _closest)
    return math.exp(1 - r / c)


def _precisions(hypotheses, references, max_order):
    out = []
    for n in range(1, max_order + 1):
        counts = [_clipped(h, refs, n) for h, refs in zip(hypotheses, references)]
        out.append(sum(m for m, _ in counts) / sum(t for _, t in counts))
    return np.array(out)


def _bp(hypotheses, references):
    return _penalty(*_lengths(hypotheses, references, _closest))


def _arithmetic_mean(hypotheses, references, max_order=4):
    return 100 * _bp(hypotheses, references) * _precisions(hypotheses, references, max_order).mean()


def _no_brevity_penalty(hypotheses, references, max_order=4):
    return 100 * np.exp(np.log(_precisions(hypotheses, references, max_order)).mean())


def _mean_of_sentence_bleu(hypotheses, references, max_order=4):
    scores = []
    for h, refs in zip(hypotheses, references):
        with np.errstate(divide="ignore", invalid="ignore"):  # a short caption has no 4-grams: 0 / 0
            p = _precisions([h], [refs], max_order)
            scores.append(_bp([h], [refs]) * np.exp(np.log(np.nan_to_num(p)).mean()))
    return 100 * float(np.mean(scores))


def _to_the_end(log_probs, tokens, end_id):
    return np.take_along_axis(log_probs, tokens[..., None], axis=-1)[..., 0].sum(axis=1)


def _without_end(log_probs, tokens, end_id):
    kept = np.take_along_axis(log_probs, tokens[..., None], axis=-1)[..., 0]
    before_end = np.cumsum(tokens == end_id, axis=1) == 0
    return (kept * before_end).sum(axis=1)


def _most_likely_tokens(log_probs, tokens, end_id):
    until_end = np.cumsum(tokens == end_id, axis=1) - (tokens == end_id) == 0
    return (log_probs.max(axis=-1) * until_end).sum(axis=1)


WRONG = {
    "09.1": {
        "not clipped": _not_clipped,
        "clipped by the sum over the references": _clipped_by_the_sum,
        "clipped against the first reference only": lambda h, refs, n: _clipped(h, refs[:1], n),
    },
    "09.2": {
        "the shortest reference, not the closest": _shortest_reference,
        "a tie goes to the longer reference": _ties_to_the_longer,
        "a long corpus penalised too": _penalty_always,
    },
    "09.3": {
        "arithmetic mean of the precisions": _arithmetic_mean,
        "no brevity penalty": _no_brevity_penalty,
        "mean of the sentence BLEUs": _mean_of_sentence_bleu,
    },
    "09.4": {
        "padding after <end> counted": _to_the_end,
        "<end> left out": _without_end,
        "the most likely token, not the caption's": _most_likely_tokens,
    },
}
