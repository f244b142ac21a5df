"""The training recipe's helpers: LR range test, hyperparameter samplers, ensembles and
cyclic learning rates.

- ``lr_range_test`` / ``suggest_learning_rate``: raise the learning rate geometrically,
  one batch at a time, record the loss, and pick the rate where it falls fastest.
- ``log_uniform``, ``grid_search_points``, ``random_search_points``: the two ways of
  spending a fixed budget of trials on a search space.
- ``ensemble_probabilities``, ``accuracy``: average the predicted class probabilities of
  several models and score them.
- ``cosine_restarts``: a cyclic cosine learning rate (``course_lib.callbacks.SnapshotEnsemble``
  keeps the weights at the end of each cycle).

The Keras callbacks of the recipe (snapshot ensembles, weight averaging) are in
``course_lib.callbacks``; many small models trained at once for a search are in
``course_lib.parallel_mlps``. Only the functions that build Keras objects import Keras
(when called).
"""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks import (
    check_array,
    check_finite,
    check_positive,
    check_positive_int,
    check_probability,
    check_result_size,
    check_seed,
)

__all__ = [
    "accuracy",
    "cosine_restarts",
    "ensemble_probabilities",
    "grid_search_points",
    "log_uniform",
    "lr_range_test",
    "random_search_points",
    "suggest_learning_rate",
]


def _check_range(low, high, name: str, *, log: bool) -> tuple[float, float]:
    if isinstance(low, bool) or isinstance(high, bool):
        raise TypeError(f"{name}: expected two numbers (low, high), got {low!r}, {high!r}")
    if not isinstance(low, (int, float, np.number)) or not isinstance(high, (int, float, np.number)):
        raise TypeError(f"{name}: expected two numbers (low, high), got {low!r}, {high!r}")
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name}: expected finite bounds, got ({low}, {high})")
    if log and (low <= 0 or high <= 0):
        raise ValueError(
            f"{name}: a log-scale range needs bounds > 0, got ({low}, {high}); "
            "a learning rate or weight decay of 0 or less has no logarithm"
        )
    if not low < high:
        raise ValueError(f"{name}: expected low < high, got ({low}, {high})")
    return low, high


def _check_space(space) -> dict[str, tuple[float, float, bool]]:
    """space: {name: (low, high)} (log scale) or {name: (low, high, "linear"|"log")}."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space: expected a non-empty dict name -> (low, high[, scale]), got {space!r}")
    out = {}
    for name, spec in space.items():
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ValueError(f"space[{name!r}]: expected (low, high) or (low, high, scale), got {spec!r}")
        scale = spec[2] if len(spec) == 3 else "log"
        if scale not in ("log", "linear"):
            raise ValueError(f"space[{name!r}]: scale must be 'log' or 'linear', got {scale!r}")
        low, high = _check_range(spec[0], spec[1], f"space[{name!r}]", log=scale == "log")
        out[name] = (low, high, scale == "log")
    return out


def _generator(seed, name: str) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, an int seed or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed, name, allow_none=True))


def log_uniform(low: float, high: float, size: int, rng=None) -> np.ndarray:
    """Draw ``size`` numbers whose logarithm is uniform on ``[log low, log high)``.

    Each decade (1e-4..1e-3, 1e-3..1e-2, ...) gets the same share of the draws, which is
    what a learning rate or a weight decay needs.

    Args:
        low, high: bounds, ``0 < low < high``.
        size: how many numbers.
        rng: a ``numpy.random.Generator`` or an int seed.

    Returns:
        (size,) float64 array.
    """
    low, high = _check_range(low, high, "(low, high)", log=True)
    size = check_positive_int(size, "size")
    check_result_size(size, np.float64, "size")
    rng = _generator(rng, "rng")
    draws = rng.uniform(np.log(low), np.log(high), size)
    return np.exp(draws, out=draws)


def grid_search_points(space, per_axis: int) -> list[dict[str, float]]:
    """Every combination of ``per_axis`` evenly spaced values of each hyperparameter.

    Args:
        space: ``{name: (low, high)}`` searched in log space, or
            ``{name: (low, high, "linear")}`` searched in linear space.
        per_axis: values per hyperparameter (>= 2, both ends included).

    Returns:
        ``per_axis ** len(space)`` dicts ``{name: value}``.
    """
    space = _check_space(space)
    per_axis = check_positive_int(per_axis, "per_axis", minimum=2)
    check_result_size(per_axis ** len(space), None, "space, per_axis", what="points")
    axes = []
    for low, high, log in space.values():
        axes.append(np.geomspace(low, high, per_axis) if log else np.linspace(low, high, per_axis))
    mesh = np.meshgrid(*axes, indexing="ij")
    flat = [m.ravel() for m in mesh]
    return [{name: float(flat[j][i]) for j, name in enumerate(space)} for i in range(flat[0].size)]


def random_search_points(space, n_trials: int, seed=None) -> list[dict[str, float]]:
    """``n_trials`` independent random points: log-uniform (or uniform for "linear") per axis.

    Args:
        space: as in ``grid_search_points``.
        n_trials: number of points.
        seed: int seed or ``numpy.random.Generator``.

    Returns:
        ``n_trials`` dicts ``{name: value}``.
    """
    space = _check_space(space)
    n_trials = check_positive_int(n_trials, "n_trials")
    check_result_size(n_trials, None, "n_trials", what="points")
    rng = _generator(seed, "seed")
    cols = {}
    for name, (low, high, log) in space.items():
        cols[name] = log_uniform(low, high, n_trials, rng) if log else rng.uniform(low, high, n_trials)
    return [{name: float(cols[name][i]) for name in space} for i in range(n_trials)]


def ensemble_probabilities(probs) -> np.ndarray:
    """Average the class probabilities predicted by several models.

    Args:
        probs: (models, N, C) probabilities; every row must sum to 1.

    Returns:
        (N, C) the ensemble's probabilities.
    """
    probs = check_finite(check_array(probs, "probs", ("models", "N", "C"), dtype="float"), "probs")
    if probs.min() < 0 or not np.allclose(probs.sum(-1), 1.0, atol=1e-3):
        raise ValueError(
            "probs: expected probabilities (non-negative, each row summing to 1); "
            "apply a softmax to logits first"
        )
    return probs.mean(axis=0)


def accuracy(probs, labels) -> float:
    """Share of examples whose most probable class is the label.

    Args:
        probs: (N, C) scores or probabilities.
        labels: (N,) integer labels in ``[0, C)``.
    """
    probs = check_finite(check_array(probs, "probs", ("N", "C"), dtype="number"), "probs")  # argmax(NaN) is 0
    labels = check_array(labels, "labels", (probs.shape[0],), dtype="int")
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"labels: expected values in [0, {probs.shape[1]}), got [{labels.min()}, {labels.max()}]")
    return float(np.mean(probs.argmax(-1) == labels))


def suggest_learning_rate(lrs, losses, smooth: int = 5) -> float:
    """The learning rate where the (smoothed) loss falls fastest against log(lr).

    Only the part of the curve before the loss blows up (4 × its minimum) is used.

    Args:
        lrs: (S,) increasing learning rates, one per step of a range test.
        losses: (S,) the loss measured at each step.
        smooth: width of the moving average applied to the losses (odd, >= 1).

    Returns:
        the suggested learning rate.
    """
    lrs = check_finite(check_array(lrs, "lrs", ("S",), dtype="number").astype(float), "lrs")
    losses = check_array(losses, "losses", (lrs.shape[0],), dtype="number").astype(float)
    smooth = check_positive_int(smooth, "smooth")
    if lrs.min() <= 0 or np.any(np.diff(lrs) <= 0):
        raise ValueError("lrs: expected positive, strictly increasing learning rates")
    if lrs.size < smooth + 3:
        raise ValueError(f"lrs: expected at least {smooth + 3} steps for smoothing {smooth}, got {lrs.size}")
    finite = np.isfinite(losses)
    stop = int(np.argmin(finite)) if not finite.all() else losses.size
    if stop < smooth + 3:
        raise ValueError(f"losses: expected at least {smooth + 3} finite losses before the first "
                         f"NaN or infinity, got {stop}; lower the range's smallest learning rate")
    kernel = np.ones(smooth) / smooth
    smoothed = np.convolve(losses[:stop], kernel, mode="valid")
    centre = lrs[smooth // 2 : smooth // 2 + smoothed.size]
    blown = np.nonzero(smoothed > 4 * smoothed.min())[0]
    blown = blown[blown > np.argmin(smoothed)]
    end = int(blown[0]) if blown.size else smoothed.size
    if end < 3:
        raise ValueError("losses: the loss blew up at once; lower the range's smallest learning rate")
    slope = np.gradient(smoothed[:end], np.log(centre[:end]))
    return float(centre[int(np.argmin(slope))])


def lr_range_test(model, x, y, min_lr: float = 1e-5, max_lr: float = 1.0, steps: int = 100,
                  batch_size: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    """Train ``model`` for ``steps`` batches while the learning rate grows geometrically.

    The model must be compiled with an optimizer whose learning rate is a plain number
    (not a schedule). Its weights are restored afterwards, so the same model can then be
    trained for real.

    Args:
        model: a compiled ``keras.Model``.
        x: (N, ...) inputs. y: (N, ...) targets.
        min_lr, max_lr: the range, ``0 < min_lr < max_lr``.
        steps: number of batches (>= 8).
        batch_size: examples per batch.
        seed: seed of the batch sampling.

    Returns:
        ``{"lr": (steps,), "loss": (steps,)}``; the loss of each batch (inf once it is NaN).
    """
    min_lr, max_lr = _check_range(min_lr, max_lr, "(min_lr, max_lr)", log=True)
    steps = check_positive_int(steps, "steps", minimum=8)
    batch_size = check_positive_int(batch_size, "batch_size")
    x = check_array(x, "x", allow_empty=False)
    y = check_array(y, "y", allow_empty=False)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"x, y: expected arrays with an example axis, got shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of examples, got {x.shape[0]} and {y.shape[0]}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model: expected a compiled keras.Model (call model.compile first)")
    optimizer = model.optimizer
    if isinstance(optimizer.get_config()["learning_rate"], dict):  # a serialised schedule
        raise ValueError("model: the optimizer's learning rate must be a number, not a schedule")
    from course_lib.checks import check_class_targets

    check_class_targets(model, y, "y")
    from course_lib.fitting import build_optimizer

    build_optimizer(model)  # the training step is then traced once, not twice
    rng = np.random.default_rng(check_seed(seed))
    saved = [w.copy() for w in model.get_weights()]
    saved_lr = float(np.asarray(optimizer.learning_rate))
    lrs = np.geomspace(min_lr, max_lr, steps)
    losses = np.full(steps, np.inf)
    try:
        for i, lr in enumerate(lrs):
            optimizer.learning_rate.assign(lr)
            idx = rng.choice(x.shape[0], size=min(batch_size, x.shape[0]), replace=False)
            # Keras before 3.14 reports the running mean over every train_on_batch call
            # since the last reset, not this batch's loss: reset, so each is its own.
            model.reset_metrics()
            logs = model.train_on_batch(x[idx], y[idx], return_dict=True)
            loss = float(logs["loss"])
            if not np.isfinite(loss):
                break
            losses[i] = loss
    finally:
        model.set_weights(saved)
        optimizer.learning_rate.assign(saved_lr)
    return {"lr": lrs, "loss": losses}


def cosine_restarts(initial_lr: float, cycle_steps: int, alpha: float = 0.0):
    """A ``keras.optimizers.schedules.CosineDecayRestarts`` with cycles of equal length.

    Args:
        initial_lr: rate at the start of every cycle (> 0).
        cycle_steps: optimizer steps per cycle.
        alpha: the rate at each cycle's end, as a fraction of ``initial_lr``, in [0, 1].
    """
    import keras

    initial_lr = check_positive(initial_lr, "initial_lr")
    cycle_steps = check_positive_int(cycle_steps, "cycle_steps", minimum=2)
    alpha = check_probability(alpha, "alpha")
    return keras.optimizers.schedules.CosineDecayRestarts(
        initial_lr, first_decay_steps=cycle_steps, t_mul=1.0, m_mul=1.0, alpha=alpha
    )


def _count_cycles(first: int, total: int, t_mul: float) -> int:
    """How many cycles end within ``total`` steps: exact for ``t_mul == 1``, else a bound.

    A cycle's rounded length is at least ``first`` and at least ``(first - 0.5) * t_mul**k``,
    so ``n`` cycles need ``(first - 0.5) * (t_mul**n - 1) / (t_mul - 1) <= total`` steps.
    """
    if t_mul == 1:
        return total // first
    ratio = min(total * (t_mul - 1) / (first - 0.5), 1e300)
    return min(total // first, int(math.log1p(ratio) / math.log1p(t_mul - 1)))


def _cycle_ends(first_decay_steps: int, total_steps: int, t_mul: float = 1.0) -> list[int]:
    """0-based optimizer steps that end a cycle of ``CosineDecayRestarts`` (its lowest rate).

    Args:
        first_decay_steps: length of the first cycle.
        total_steps: steps the run will take.
        t_mul: each cycle is ``t_mul`` times longer than the previous one (>= 1).

    Returns:
        sorted step indices ``s`` (the rate used at step ``s`` is a cycle's minimum).
    """
    first = check_positive_int(first_decay_steps, "first_decay_steps", minimum=2)
    total = check_positive_int(total_steps, "total_steps")
    t_mul = check_positive(t_mul, "t_mul")
    if t_mul < 1:
        raise ValueError(f"t_mul: expected a number >= 1, got {t_mul}")
    check_result_size(_count_cycles(first, total, t_mul), None, "first_decay_steps, total_steps, t_mul",
                      what="cycle ends")
    if t_mul == 1:
        return list(range(first - 1, total, first))
    ends, start, length = [], 0, float(first)
    while start + length <= total:
        ends.append(start + int(round(length)) - 1)
        start += int(round(length))
        length *= t_mul
    return ends
