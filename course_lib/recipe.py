"""The training recipe's helpers: LR range test, hyperparameter samplers, ensembles,
snapshot ensembles and weight averaging (EMA / Polyak).

- ``lr_range_test`` / ``suggest_learning_rate``: raise the learning rate geometrically,
  one batch at a time, record the loss, and pick the rate where it falls fastest.
- ``log_uniform``, ``grid_search_points``, ``random_search_points``: the two ways of
  spending a fixed budget of trials on a search space.
- ``ensemble_probabilities``, ``accuracy``: average the predicted class probabilities of
  several models and score them.
- ``cosine_restarts``, ``cycle_ends``, ``SnapshotEnsemble``: one run with a cyclic cosine
  learning rate that keeps the weights at the end of every cycle, where the rate is lowest.
- ``WeightEMA``: an exponential moving average of the weights kept beside training.
- ``train_parallel_mlps``: many small MLPs trained at once, each with its own learning
  rate, weight decay, initial scale and training examples (searches and galleries).

Only the functions that build Keras objects import Keras (when called).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from course_lib.checks import (
    check_array,
    check_finite,
    check_positive,
    check_positive_int,
    check_probability,
    check_seed,
)

__all__ = [
    "SnapshotEnsemble",  # noqa: F822 (built on first use, see __getattr__)
    "WeightEMA",  # noqa: F822
    "accuracy",
    "cosine_restarts",
    "cycle_ends",
    "ensemble_probabilities",
    "grid_search_points",
    "log_uniform",
    "lr_range_test",
    "random_search_points",
    "suggest_learning_rate",
    "train_parallel_mlps",
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
    rng = _generator(rng, "rng")
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


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
    probs = check_array(probs, "probs", ("N", "C"), dtype="number")
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
    from course_lib.training import check_class_targets

    check_class_targets(model, y, "y")
    rng = np.random.default_rng(check_seed(seed))
    saved = [w.copy() for w in model.get_weights()]
    saved_lr = float(np.asarray(optimizer.learning_rate))
    lrs = np.geomspace(min_lr, max_lr, steps)
    losses = np.full(steps, np.inf)
    try:
        for i, lr in enumerate(lrs):
            optimizer.learning_rate.assign(lr)
            idx = rng.choice(x.shape[0], size=min(batch_size, x.shape[0]), replace=False)
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


def cycle_ends(first_decay_steps: int, total_steps: int, t_mul: float = 1.0) -> list[int]:
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
    ends, start, length = [], 0, float(first)
    while start + length <= total:
        ends.append(start + int(round(length)) - 1)
        start += int(round(length))
        length *= t_mul
    return ends


def _to_numpy(variable) -> np.ndarray:
    import keras

    return keras.ops.convert_to_numpy(variable)


def _keras_callback_base():
    import keras

    return keras.callbacks.Callback


def _make_snapshot_class():
    Callback = _keras_callback_base()

    class SnapshotEnsemble(Callback):
        """Keep a copy of the weights at the end of every cosine cycle (the lowest rate).

        Use with an optimizer whose learning rate is ``cosine_restarts(lr, cycle_steps)``.

        Args:
            cycle_steps: optimizer steps per cycle (the schedule's ``first_decay_steps``).
            directory: if given, each snapshot is also saved there as
                ``snapshot_<k>.weights.h5``.

        Attributes:
            snapshots: list of weight lists (``model.get_weights()`` format).
            steps: the 0-based optimizer step at which each snapshot was taken.
        """

        def __init__(self, cycle_steps: int, directory=None):
            super().__init__()
            self.cycle_steps = check_positive_int(cycle_steps, "cycle_steps", minimum=2)
            self.directory = None if directory is None else Path(directory)
            self.snapshots: list[list[np.ndarray]] = []
            self.steps: list[int] = []
            self.paths: list[Path] = []

        def on_train_batch_end(self, batch, logs=None):
            step = int(np.asarray(self.model.optimizer.iterations)) - 1  # the step just taken
            if (step + 1) % self.cycle_steps == 0:
                self.snapshots.append([w.copy() for w in self.model.get_weights()])
                self.steps.append(step)
                if self.directory is not None:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    path = self.directory / f"snapshot_{len(self.snapshots)}.weights.h5"
                    self.model.save_weights(path)
                    self.paths.append(path)

        def predict_each(self, model, x, batch_size: int = 256) -> np.ndarray:
            """Probabilities of every snapshot: (snapshots, N, C). Restores the weights."""
            if not self.snapshots:
                raise ValueError("no snapshots yet: train with this callback first")
            current = model.get_weights()
            try:
                out = []
                for weights in self.snapshots:
                    model.set_weights(weights)
                    out.append(np.asarray(model.predict(x, batch_size=batch_size, verbose=0)))
            finally:
                model.set_weights(current)
            return np.stack(out)

    return SnapshotEnsemble


def _make_ema_class():
    Callback = _keras_callback_base()

    class WeightEMA(Callback):
        """Exponential moving average (Polyak averaging) of the trainable weights.

        After every optimizer step: ``average = m · average + (1 − m) · weights``; the
        first step copies the weights (the same rule as the optimizers' ``use_ema``).

        Args:
            momentum: ``m`` in [0, 1); 0.99 averages over roughly the last 100 steps.

        Use ``averaged_weights()`` for the averages (trainable weights, in order) and
        ``swap_in(model)`` / ``swap_out(model)`` to evaluate with them.
        """

        def __init__(self, momentum: float = 0.99):
            super().__init__()
            momentum = check_probability(momentum, "momentum")
            if momentum >= 1:
                raise ValueError(f"momentum: expected a number in [0, 1), got {momentum}")
            self.momentum = momentum
            self._average = None
            self._backup = None

        def on_train_begin(self, logs=None):
            self._average = None

        def on_train_batch_end(self, batch, logs=None):
            weights = [_to_numpy(v) for v in self.model.trainable_variables]
            if self._average is None:
                self._average = [w.astype("float64") for w in weights]
                return
            m = self.momentum
            for avg, w in zip(self._average, weights):
                avg *= m
                avg += (1.0 - m) * w

        def averaged_weights(self) -> list[np.ndarray]:
            """The averages of ``model.trainable_variables``, in the same order."""
            if self._average is None:
                raise ValueError("no average yet: train with this callback first")
            return [a.astype("float32") for a in self._average]

        def swap_in(self, model):
            """Put the averaged weights into ``model`` (keeps the current ones)."""
            self._backup = [_to_numpy(v) for v in model.trainable_variables]
            for v, a in zip(model.trainable_variables, self.averaged_weights()):
                v.assign(a)

        def swap_out(self, model):
            """Restore the weights ``swap_in`` replaced."""
            if self._backup is None:
                raise ValueError("swap_out without swap_in")
            for v, w in zip(model.trainable_variables, self._backup):
                v.assign(w)
            self._backup = None

    return WeightEMA


_CLASSES: dict[str, type] = {}


def __getattr__(name):
    """Build the Keras callback classes on first use (Keras is imported then)."""
    makers = {"SnapshotEnsemble": _make_snapshot_class, "WeightEMA": _make_ema_class}
    if name in makers:
        if name not in _CLASSES:
            _CLASSES[name] = makers[name]()
            _CLASSES[name].__module__ = __name__
        return _CLASSES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MAX_CLASSES = 100_000  # more classes than any course task; a label beyond it is a typo


def train_parallel_mlps(x, y, x_val, y_val, lr, *, weight_decay=0.0, init_scale=1.0,
                        example_mask=None, hidden: int = 32, epochs: int = 10,
                        batch_size: int = 64, momentum: float = 0.9, seed: int = 0):
    """Train K independent one-hidden-layer MLPs at once, each with its own settings.

    The K models see the same mini-batches, but each has its own weights, learning rate
    (optionally a per-step schedule), weight decay, initial weight scale and training
    examples, so a whole hyperparameter search or a gallery of runs costs about as much
    as one run. The models never interact: the summed loss's gradient with respect to
    one model's weights is that model's own gradient. SGD with momentum; weight decay is
    added to the gradient (L2); initialisation is Glorot-uniform times ``init_scale``.

    Args:
        x: (N, D) training inputs. y: (N,) integer labels in [0, C).
        x_val: (M, D) validation inputs. y_val: (M,) labels.
        lr: (K,) learning rates, or (K, S) one rate per model per step,
            S = epochs · ceil(N / batch_size).
        weight_decay: scalar or (K,) L2 coefficients (>= 0).
        init_scale: scalar or (K,) multipliers of the initial weights (> 0).
        example_mask: (K, N) 0/1 — which training examples each model learns from
            (default: all). Losses and accuracies on the training set use the mask.
        hidden: hidden units. epochs: passes over the data. batch_size: examples per step.
        momentum: SGD momentum in [0, 1). seed: seed of the initial weights and shuffling.

    Returns:
        dict of (K, epochs) arrays ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``
        (measured after each epoch; a diverged model gets loss ``inf``), ``val_probs``
        (K, M, C) at the end, and ``params`` (the final weights W1 (K, D, H), b1 (K, H),
        W2 (K, H, C), b2 (K, C)).
    """
    import tensorflow as tf

    x = check_finite(check_array(x, "x", ("N", "D"), dtype="number"), "x").astype("float32")
    y = check_array(y, "y", (x.shape[0],), dtype="int")
    x_val = check_array(x_val, "x_val", ("M", x.shape[1]), dtype="number").astype("float32")
    y_val = check_array(y_val, "y_val", (x_val.shape[0],), dtype="int")
    hidden = check_positive_int(hidden, "hidden")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    momentum = check_probability(momentum, "momentum")
    n, d = x.shape
    for name, labels in (("y", y), ("y_val", y_val)):
        if labels.min() < 0 or labels.max() >= MAX_CLASSES:
            raise ValueError(f"{name}: expected class ids in [0, {MAX_CLASSES}), got values in "
                             f"[{labels.min()}, {labels.max()}]")
    c = int(max(y.max(), y_val.max())) + 1
    steps_per_epoch = math.ceil(n / batch_size)
    total = epochs * steps_per_epoch
    lr = check_finite(check_array(lr, "lr", dtype="number").astype("float32"), "lr")
    if lr.ndim == 1:
        lr = np.repeat(lr[:, None], total, axis=1)
    if lr.ndim != 2 or lr.shape[1] != total:
        raise ValueError(f"lr: expected shape (K,) or (K, {total}) (K models, {total} steps), got {lr.shape}")
    if lr.min() < 0:
        raise ValueError("lr: expected learning rates >= 0")
    k = lr.shape[0]

    def per_model(v, name, positive):
        arr = np.broadcast_to(np.asarray(v, dtype="float32"), (k,)) if np.ndim(v) == 0 else \
            check_array(v, name, (k,), dtype="number").astype("float32")
        if (arr <= 0).any() if positive else (arr < 0).any():
            raise ValueError(f"{name}: expected values {'> 0' if positive else '>= 0'}")
        return np.array(arr)

    wd = per_model(weight_decay, "weight_decay", False)
    scale = per_model(init_scale, "init_scale", True)
    mask = np.ones((k, n), "float32") if example_mask is None else \
        check_array(example_mask, "example_mask", (k, n), dtype="number").astype("float32")
    if (mask.sum(1) == 0).any():
        raise ValueError("example_mask: every model needs at least one training example")

    rng = np.random.default_rng(check_seed(seed))
    lim1, lim2 = np.sqrt(6 / (d + hidden)), np.sqrt(6 / (hidden + c))
    params = [
        tf.Variable(rng.uniform(-lim1, lim1, (k, d, hidden)).astype("float32") * scale[:, None, None]),
        tf.Variable(np.zeros((k, hidden), "float32")),
        tf.Variable(rng.uniform(-lim2, lim2, (k, hidden, c)).astype("float32") * scale[:, None, None]),
        tf.Variable(np.zeros((k, c), "float32")),
    ]
    velocity = [tf.Variable(tf.zeros_like(p)) for p in params]
    wd_t = tf.constant(wd)
    shapes = [(k, 1, 1), (k, 1), (k, 1, 1), (k, 1)]

    def logits_of(xb):
        w1, b1, w2, b2 = params
        h = tf.nn.relu(tf.einsum("nd,kdh->knh", xb, w1) + b1[:, None, :])
        return tf.einsum("knh,khc->knc", h, w2) + b2[:, None, :]  # (K, n, C)

    def per_model_loss(xb, yb, mb):
        logits = logits_of(xb)
        labels = tf.broadcast_to(yb[None, :], tf.shape(logits)[:2])
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=labels.dtype), labels), tf.float32)
        weight = tf.maximum(tf.reduce_sum(mb, 1), 1.0)
        return tf.reduce_sum(ce * mb, 1) / weight, tf.reduce_sum(correct * mb, 1), tf.reduce_sum(mb, 1), logits

    @tf.function
    def step(xb, yb, mb, lr_now):
        with tf.GradientTape() as tape:
            losses = per_model_loss(xb, yb, mb)[0]
            total_loss = tf.reduce_sum(losses)
        grads = tape.gradient(total_loss, params)
        for p, v, g, shape in zip(params, velocity, grads, shapes):
            decay = tf.reshape(wd_t, shape)
            v.assign(momentum * v + g + decay * p)
            p.assign(p - tf.reshape(lr_now, shape) * v)

    @tf.function
    def measure(xa, ya, ma):
        losses, correct, count, logits = per_model_loss(xa, ya, ma)
        return losses, correct / tf.maximum(count, 1.0), tf.nn.softmax(logits)

    hist = {key: np.zeros((k, epochs)) for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    y32, yv32 = y.astype("int32"), y_val.astype("int32")
    ones_val = np.ones((k, x_val.shape[0]), "float32")
    t = 0
    for e in range(epochs):
        order = rng.permutation(n)
        for s in range(steps_per_epoch):
            idx = order[s * batch_size : (s + 1) * batch_size]
            if idx.size < batch_size:  # keep one compiled shape: top up from the start
                idx = np.concatenate([idx, order[: batch_size - idx.size]])
            step(x[idx], y32[idx], mask[:, idx], lr[:, t])
            t += 1
        loss, acc, _ = measure(x, y32, mask)
        vloss, vacc, probs = measure(x_val, yv32, ones_val)
        for key, val in (("loss", loss), ("accuracy", acc), ("val_loss", vloss), ("val_accuracy", vacc)):
            hist[key][:, e] = np.asarray(val)
    for key in ("loss", "val_loss"):
        hist[key][~np.isfinite(hist[key])] = np.inf
    probs = np.asarray(probs)
    hist["val_probs"] = np.where(np.isfinite(probs), probs, 1.0 / c)
    hist["params"] = [np.asarray(p) for p in params]
    return hist
