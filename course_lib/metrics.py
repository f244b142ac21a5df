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


def _token_lists(x, name):
    if isinstance(x, str) or not all(isinstance(t, (list, tuple)) for t in x):
        raise TypeError(f"{name}: expected a list of token lists")
    return [list(t) for t in x]


def exact_match(predictions, references):
    """Share of examples whose predicted token list equals the reference exactly.

    Args:
        predictions: N token lists (e.g. ``[["March", "3", ",", "2021"], ...]``).
        references: N token lists.

    Returns:
        a float in [0, 1].
    """
    predictions = _token_lists(predictions, "predictions")
    references = _token_lists(references, "references")
    if len(predictions) != len(references) or not references:
        raise ValueError(
            f"predictions and references: expected the same non-zero number of examples, "
            f"got {len(predictions)} and {len(references)}"
        )
    return sum(p == r for p, r in zip(predictions, references)) / len(references)


def token_accuracy(predictions, references):
    """Share of reference tokens predicted right at their position.

    Position i of a reference counts as right when the prediction has the same token at
    position i; a prediction that stops early gets the rest wrong. The denominator is
    the total number of reference tokens.

    Args:
        predictions: N token lists; references: N token lists.

    Returns:
        a float in [0, 1].
    """
    predictions = _token_lists(predictions, "predictions")
    references = _token_lists(references, "references")
    if len(predictions) != len(references) or not references:
        raise ValueError(
            f"predictions and references: expected the same non-zero number of examples, "
            f"got {len(predictions)} and {len(references)}"
        )
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("references: expected at least one token")
    right = sum(sum(a == b for a, b in zip(p, r)) for p, r in zip(predictions, references))
    return right / total


def alignment_accuracy(weights, true_alignment):
    """Share of target tokens whose most-attended source token is the true one.

    Args:
        weights: (N, T, S) attention weights (target step t attends over S sources).
        true_alignment: (N, T) int, index of the true source token of each target
            token, or -1 where there is none (those steps are not scored).

    Returns:
        a float in [0, 1] over the scored steps.
    """
    from course_lib.checks import check_array

    weights = check_array(weights, "weights", ("N", "T", "S"), dtype="number")
    true_alignment = check_array(true_alignment, "true_alignment", ("N", "T"), dtype="int")
    if weights.shape[:2] != true_alignment.shape:
        raise ValueError(
            f"weights (N, T, S) and true_alignment (N, T) must agree on N and T, "
            f"got {weights.shape} and {true_alignment.shape}"
        )
    scored = true_alignment >= 0
    if not scored.any():
        raise ValueError("true_alignment: expected at least one entry >= 0")
    if true_alignment.max() >= weights.shape[2]:
        raise ValueError(f"true_alignment: indices must be < S = {weights.shape[2]}")
    return float((weights.argmax(axis=-1) == true_alignment)[scored].mean())
