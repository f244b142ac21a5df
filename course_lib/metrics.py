"""Evaluation metrics: perplexity and bits per character, exact match and token accuracy,
BLEU (through sacrebleu), and alignment scores for attention maps."""

from __future__ import annotations


def perplexity(mean_nll):
    """Perplexity ``exp(mean cross-entropy)`` from a mean negative log-likelihood in nats.

    Args:
        mean_nll: mean cross-entropy per token, in nats (natural log), a number >= 0.

    Returns:
        float >= 1 (a uniform guess over V tokens has perplexity V).
    """
    import math

    from course_lib.checks import check_positive

    return math.exp(check_positive(mean_nll, "mean_nll", allow_zero=True))


def bits_per_char(mean_nll):
    """Bits per character ``mean cross-entropy / ln 2`` from a mean loss in nats.

    Args:
        mean_nll: mean cross-entropy per character, in nats, a number >= 0.

    Returns:
        float >= 0 (a uniform guess over V characters costs log2(V) bits).
    """
    import math

    from course_lib.checks import check_positive

    return check_positive(mean_nll, "mean_nll", allow_zero=True) / math.log(2)
