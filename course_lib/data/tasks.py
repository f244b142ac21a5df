"""Synthetic sequence tasks (generated, seeded): two long-memory tasks and one that needs the future.

The adding problem and the recall task put the information the answer needs near the
*start* of a sequence and ask for the answer at its *end*, so a model only solves them if
it carries information over ``T`` steps. The rising-digit tags (lesson 06) ask at every
step about the *next* input, so only a model that reads the future solves them. The
moving-dot clips (lesson 01) are tiny videos with a label per clip and a label per frame.
Every generator is vectorised (one NumPy call per array, no Python loop over
examples) and takes a ``seed``, so a lesson gets the same data on every run.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_positive_int, check_result_size, check_seed

__all__ = ["ADDING_BASELINE_MSE", "adding_problem", "moving_dot_clips", "recall_chance_accuracy", "recall_task",
           "rising_tags", "rising_tags_causal_ceiling"]

#: MSE of always predicting the mean (1.0) on the adding problem: the variance of the sum
#: of two independent U(0, 1) numbers, 2 · 1/12 = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(n: int, T: int, seed: int = 0):
    """The adding problem (Hochreiter & Schmidhuber, 1997).

    Each sequence has ``T`` steps of two features: a random number in [0, 1) and a
    marker that is 1 at exactly two steps and 0 elsewhere. One marker sits in the first
    half of the sequence, the other in the second half. The target is the sum of the two
    marked numbers, so a model must remember the first one for up to ``T`` steps.
    Predicting the mean (1.0) gives MSE 1/6 (``ADDING_BASELINE_MSE``).

    Args:
        n: number of sequences, >= 1.
        T: sequence length, >= 2.
        seed: seed of the generator.

    Returns:
        ``x: (n, T, 2) float32`` and ``y: (n, 1) float32``.

    Example:
        >>> x, y = adding_problem(2, 10, seed=0)
        >>> x.shape, y.shape, x[..., 1].sum(axis=1).tolist()
        ((2, 10, 2), (2, 1), [2.0, 2.0])
        >>> bool(np.allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1)))
        True
    """
    n = check_positive_int(n, "n")
    T = check_positive_int(T, "T", minimum=2)
    check_result_size((n, T, 2), np.float32, "n, T")
    rng = np.random.default_rng(check_seed(seed))
    x = np.zeros((n, T, 2), dtype=np.float32)
    x[..., 0] = rng.random((n, T), dtype=np.float32)
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    rows = np.arange(n)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (x[rows, first, 0] + x[rows, second, 0])[:, None]
    return x, y


def recall_task(n: int, T: int, num_symbols: int = 8, seed: int = 0, *, marked: bool = False):
    """The recall task: read ``T`` symbols, then output one seen long ago.

    Each sequence is ``T`` random symbols in ``0..num_symbols-1``. With ``marked=False``
    the target is the symbol at step 0. With ``marked=True`` one step in the first half
    of the sequence is *marked*: its id is shifted by ``num_symbols`` (so the input
    vocabulary has ``2·num_symbols`` ids), and the target is that step's symbol; the model
    must notice the mark wherever it falls and hold the symbol to the end. Everything else
    is a distractor. Chance accuracy is ``1/num_symbols``.

    Args:
        n: number of sequences, >= 1.
        T: sequence length, >= 1 (>= 2 when ``marked``).
        num_symbols: alphabet size, >= 2.
        seed: seed of the generator.
        marked: recall the marked symbol instead of the first one.

    Returns:
        ``x: (n, T) int32`` ids (in ``0..2·num_symbols-1`` when ``marked``) and
        ``y: (n,) int32`` the symbol to recall, in ``0..num_symbols-1``.
    """
    n = check_positive_int(n, "n")
    T = check_positive_int(T, "T", minimum=2 if marked else 1)
    num_symbols = check_positive_int(num_symbols, "num_symbols", minimum=2)
    check_result_size((n, T), np.int32, "n, T")
    rng = np.random.default_rng(check_seed(seed))
    x = rng.integers(0, num_symbols, size=(n, T), dtype=np.int32)
    if not marked:
        return x, x[:, 0].copy()
    rows = np.arange(n)
    where = rng.integers(0, T // 2, size=n)
    y = x[rows, where].copy()
    x[rows, where] += num_symbols
    return x, y


def recall_chance_accuracy(num_symbols: int) -> float:
    """Accuracy of guessing on the recall task: ``1 / num_symbols``."""
    num_symbols = check_positive_int(num_symbols, "num_symbols", minimum=2)
    return 1.0 / num_symbols


def rising_tags(n: int, length: int, seed: int = 0):
    """Digits 0–9 tagged 1 where the *next* digit is larger (the last step is tagged 0).

    Args:
        n: number of sequences, >= 1.
        length: steps per sequence, >= 2.
        seed: seed of the generator.

    Returns:
        ``x: (n, length) int32`` digits and ``y: (n, length) int32`` tags.

    Example:
        >>> x, y = rising_tags(1, 5, seed=0)
        >>> bool((y[0, :-1] == (x[0, 1:] > x[0, :-1])).all()) and int(y[0, -1]) == 0
        True
    """
    n = check_positive_int(n, "n")
    length = check_positive_int(length, "length", minimum=2)
    digits = np.random.default_rng(check_seed(seed)).integers(0, 10, size=(n, length))
    tags = np.zeros_like(digits)
    tags[:, :-1] = digits[:, 1:] > digits[:, :-1]
    return digits.astype("int32"), tags.astype("int32")


def rising_tags_causal_ceiling(length: int) -> float:
    """The best per-step accuracy on ``rising_tags`` of a model that sees only the past.

    After digit d the next one is larger with probability (9 − d)/10, so the best guess
    is right with probability max(9 − d, d + 1)/10: 0.75 on average over d. The last
    step (always 0) is right for sure: ``(0.75 · (length − 1) + 1) / length``.
    """
    length = check_positive_int(length, "length", minimum=2)
    return (0.75 * (length - 1) + 1.0) / length


def moving_dot_clips(n: int, frames: int, width: int = 8, seed: int = 0):
    """Tiny videos of one dot moving sideways and bouncing off the edges.

    In each clip the dot keeps one random row; its column starts at random and moves one
    pixel per frame, left or right at random, turning back at the first and last column.
    Two labels come with a clip: for the whole clip, whether the dot ends to the right of
    where it started (with an odd number of moves it never ends where it started); and for
    each frame, whether the dot moved right to get there. Frame 0 has no move before it:
    its label is the first move's direction, which that frame alone does not show.

    Args:
        n: number of clips, >= 1.
        frames: frames per clip, an even number >= 2 (so the number of moves is odd).
        width: frame height and width in pixels, >= 2.
        seed: seed of the generator.

    Returns:
        ``clips: (n, frames, width, width) float32`` (1 at the dot, 0 elsewhere),
        ``ends_right: (n,) int32`` and ``moves_right: (n, frames) int32``.

    Example:
        >>> clips, ends_right, moves_right = moving_dot_clips(2, 4, width=5, seed=0)
        >>> clips.shape, ends_right.shape, moves_right.shape, float(clips.sum())
        ((2, 4, 5, 5), (2,), (2, 4), 8.0)
    """
    n = check_positive_int(n, "n")
    frames = check_positive_int(frames, "frames", minimum=2)
    if frames % 2:
        raise ValueError(f"frames: expected an even number (an odd number of moves), got {frames}")
    width = check_positive_int(width, "width", minimum=2)
    check_result_size((n, frames, width, width), np.float32, "n, frames, width")
    rng = np.random.default_rng(check_seed(seed))
    period = 2 * (width - 1)  # one trip right and back, in moves
    start = rng.integers(0, period, size=(n, 1))  # a phase of the trip: column and direction
    step = rng.choice([-1, 1], size=(n, 1))
    phase = (start + step * np.arange(frames + 1)) % period  # (n, frames + 1): one more to read frame 0's move
    column = np.where(phase < width, phase, period - phase)  # fold the trip back into 0..width-1
    row = rng.integers(0, width, size=n)
    clips = np.zeros((n, frames, width, width), np.float32)
    clips[np.arange(n)[:, None], np.arange(frames), row[:, None], column[:, :frames]] = 1.0
    ends_right = (column[:, frames - 1] > column[:, 0]).astype(np.int32)
    moved = np.diff(column, axis=1) > 0  # (n, frames): the move after each frame
    moves_right = np.concatenate([moved[:, :1], moved[:, :-1]], axis=1).astype(np.int32)
    return clips, ends_right, moves_right
