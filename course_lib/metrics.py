"""Evaluation metrics: perplexity and bits per character, exact match and token accuracy,
BLEU (through sacrebleu), and alignment scores for attention maps and glimpse windows."""

from __future__ import annotations

__all__ = [
    "alignment_accuracy",
    "attention_on_mask",
    "bits_per_char",
    "bleu_scores",
    "exact_match",
    "perplexity",
    "score_by_group",
    "token_accuracy",
    "windows_in_boxes",
]


def perplexity(mean_nll):
    """Perplexity ``exp(mean cross-entropy)`` from a mean negative log-likelihood in nats.

    Args:
        mean_nll: mean cross-entropy per token, in nats (natural log), a number >= 0.

    Returns:
        float >= 1 (a uniform guess over V tokens has perplexity V).
    """
    import math

    from course_lib.checks import check_positive

    nll = check_positive(mean_nll, "mean_nll", allow_zero=True)
    return math.exp(nll) if nll < 700 else math.inf  # exp overflows a float past ~709


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


def bleu_scores(hypotheses, references, max_order: int = 4) -> dict:
    """Corpus BLEU-1 … BLEU-``max_order`` against several references per example (sacrebleu).

    BLEU-n is the brevity penalty times the geometric mean of the clipped 1..n-gram
    precisions over the whole corpus, in percent (0–100), with sacrebleu's default
    exponential smoothing of zero n-gram counts. Words are the space-separated tokens of
    each caption (no further tokenisation).

    Args:
        hypotheses: N strings, one prediction per example.
        references: N lists of reference strings (at least one each; the counts may differ).
        max_order: largest n (1..4).

    Returns:
        ``{1: bleu1, …, max_order: bleuN}`` floats in [0, 100].
    """
    from course_lib.checks import check_choice, check_sequence

    check_choice(max_order, "max_order", (1, 2, 3, 4))
    hypotheses = check_sequence(hypotheses, "hypotheses", "strings", allow_empty=True)
    if not all(isinstance(h, str) for h in hypotheses):
        raise TypeError("hypotheses: expected a list of strings")
    references = check_sequence(references, "references", "reference lists", allow_empty=True)
    if len(hypotheses) != len(references):
        raise ValueError(
            f"hypotheses and references must have the same length, got {len(hypotheses)} and {len(references)}"
        )
    if not hypotheses:
        raise ValueError("hypotheses: expected at least one example")
    for i, refs in enumerate(references):
        if isinstance(refs, str) or not refs or not all(isinstance(r, str) for r in refs):
            raise TypeError(f"references[{i}]: expected a non-empty list of strings, got {refs!r}")
    # sacrebleu wants equally many reference streams; repeating a reference changes
    # nothing (clipping takes the max count over references, the brevity penalty the
    # closest length), so shorter lists are padded with their own first reference.
    k = max(len(r) for r in references)
    streams = [[refs[j] if j < len(refs) else refs[0] for refs in references] for j in range(k)]
    from sacrebleu.metrics import BLEU

    return {
        n: float(BLEU(tokenize="none", max_ngram_order=n).corpus_score(hypotheses, streams).score)
        for n in range(1, max_order + 1)
    }


def attention_on_mask(weights, mask):
    """Share of an attention map that falls on a pixel mask.

    The (h, w) grid of weights is spread evenly over the pixels each cell covers
    (the image side must be a multiple of the grid side), then summed over the mask.
    Uniform attention gets exactly the mask's area share, ``mask.mean()``.

    Args:
        weights: (h, w) or (N, h, w) attention weights, each map summing to 1.
        mask: (H, W) or (N, H, W) bool pixel masks, H = k·h and W = k'·w.

    Returns:
        a float in [0, 1], or (N,) floats.
    """
    from course_lib.checks import check_array, check_finite

    weights = check_finite(check_array(weights, "weights", dtype="number").astype(float), "weights")
    mask = check_array(mask, "mask", dtype="mask")
    if weights.ndim not in (2, 3) or mask.ndim != weights.ndim:
        raise ValueError(
            f"weights and mask: expected shapes (h, w) and (H, W), or (N, h, w) and (N, H, W); "
            f"got {weights.shape} and {mask.shape}"
        )
    if weights.ndim == 3 and weights.shape[0] != mask.shape[0]:
        raise ValueError(f"weights and mask must have the same N, got {weights.shape[0]} and {mask.shape[0]}")
    (h, w), (H, W) = weights.shape[-2:], mask.shape[-2:]
    if H % h or W % w:
        raise ValueError(f"mask: its size {(H, W)} must be a multiple of the grid size {(h, w)}")
    covered = mask.astype(float).reshape(*mask.shape[:-2], h, H // h, w, W // w).mean(axis=(-3, -1))
    return (weights * covered).sum(axis=(-2, -1))


def _token_lists(x, name):
    if not isinstance(x, (list, tuple)) or not all(isinstance(t, (list, tuple)) for t in x):
        raise TypeError(f"{name}: expected a list of token lists")
    return [list(t) for t in x]


def _paired_token_lists(predictions, references):
    predictions = _token_lists(predictions, "predictions")
    references = _token_lists(references, "references")
    if len(predictions) != len(references) or not references:
        raise ValueError(
            f"predictions and references: expected the same non-zero number of examples, "
            f"got {len(predictions)} and {len(references)}"
        )
    return predictions, references


def exact_match(predictions, references):
    """Share of examples whose predicted token list equals the reference exactly.

    Args:
        predictions: N token lists (e.g. ``[["March", "3", ",", "2021"], ...]``).
        references: N token lists.

    Returns:
        a float in [0, 1].

    Example:
        >>> exact_match([["March", "3"], ["May", "1"]], [["March", "3"], ["May", "2"]])
        0.5
    """
    predictions, references = _paired_token_lists(predictions, references)
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

    Example:
        >>> token_accuracy([["March", "4", ","]], [["March", "3", ",", "2021"]])
        0.5
    """
    predictions, references = _paired_token_lists(predictions, references)
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
    from course_lib.checks import check_array, check_finite

    weights = check_finite(check_array(weights, "weights", ("N", "T", "S"), dtype="number"), "weights")
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


def score_by_group(metric, predictions, references, groups):
    """A metric computed separately on each group of examples (e.g. by input length).

    Args:
        metric: ``metric(predictions, references) -> float``, e.g. ``exact_match``.
        predictions, references: N items each (e.g. token lists).
        groups: N hashable, sortable group keys (e.g. the number of dates in each input).

    Returns:
        ``(keys, scores)``: keys (G,) the distinct groups in sorted order, scores (G,)
        floats, ``metric`` on the examples of each group.
    """
    import numpy as np

    if not callable(metric):
        raise TypeError(f"metric: expected a function (predictions, references) -> float, got {metric!r}")
    from course_lib.checks import check_array, check_sequence

    predictions = check_sequence(predictions, "predictions", allow_empty=True)
    references = check_sequence(references, "references", allow_empty=True)
    groups = check_array(groups, "groups", ("N",), allow_empty=True)
    if groups.dtype.kind not in "biuUS":
        raise TypeError(f"groups: expected int or string group keys, got dtype {groups.dtype}")
    groups = groups.tolist()
    if not (len(predictions) == len(references) == len(groups)) or not groups:
        raise ValueError(
            f"predictions, references and groups: expected the same non-zero length, "
            f"got {len(predictions)}, {len(references)} and {len(groups)}"
        )
    keys = sorted(set(groups))
    scores = []
    for key in keys:
        idx = [i for i, g in enumerate(groups) if g == key]
        scores.append(float(metric([predictions[i] for i in idx], [references[i] for i in idx])))
    return np.array(keys), np.array(scores)


def windows_in_boxes(windows, boxes):
    """Share of window centres that fall inside each image's object box, per step
    (where a glimpse model looked, scored against where the object is).

    Args:
        windows: (N, steps, 3) ``centre_y, centre_x, stride`` in pixels, as
            ``glimpses.GlimpseClassifier.windows`` returns.
        boxes: (N, 4) integer ``(top, left, bottom, right)``, bottom and right exclusive.

    Returns:
        ``(steps,)`` fractions in [0, 1].
    """
    from course_lib.checks import check_array, check_finite

    windows = check_finite(check_array(windows, "windows", ("N", "steps", 3), dtype="float"), "windows")
    boxes = check_finite(check_array(boxes, "boxes", ("N", 4), dtype="number"), "boxes")
    if len(boxes) != len(windows):
        raise ValueError(f"boxes: expected one box per image ({len(windows)}), got {len(boxes)}")
    y, x = windows[..., 0], windows[..., 1]
    top, left, bottom, right = (boxes[:, i:i + 1] for i in range(4))
    # a centre is inside when it is within the box's pixels (pixel centres at integers)
    inside = (y >= top - 0.5) & (y <= bottom - 0.5) & (x >= left - 0.5) & (x <= right - 0.5)
    return inside.mean(axis=0)
