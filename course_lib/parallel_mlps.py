"""Many small MLPs trained at once, each with its own settings (lesson 12's searches).

A hyperparameter search or a gallery of runs trains K independent one-hidden-layer
MLPs. Holding them in one set of stacked weights — W1 (K, D, H), b1 (K, H), W2 (K, H, C),
b2 (K, C) — makes the K forward passes two ``einsum`` calls, so K runs cost about as much
as one. The models never interact: the gradient of the summed loss with respect to one
model's weights is that model's own gradient.

``train_parallel_mlps`` checks its inputs and runs the steps, each a function of this
module: ``_init_params`` (Glorot-uniform times each model's scale), ``_forward`` (logits
of every model), ``_masked_losses`` (each model's loss on the examples it may learn from)
and ``_sgd_momentum_update`` (one step with each model's learning rate and weight decay).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from course_lib.checks import (
    check_array,
    check_finite,
    check_positive_int,
    check_probability,
    check_seed,
)

__all__ = ["train_parallel_mlps"]

_MAX_CLASSES = 100_000  # more classes than any course task; a label beyond it is a typo


def _per_model(value, name: str, k: int, *, positive: bool) -> np.ndarray:
    """A scalar or (K,) setting as a (K,) float32 array, checked for sign."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
        arr = np.full(k, value, dtype="float32")
    elif isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "__array__"):
        arr = check_array(value, name, (k,), dtype="number").astype("float32")
    else:
        raise TypeError(f"{name}: expected a number or a ({k},) array, got {type(value).__name__}")
    check_finite(arr, name)
    if (arr <= 0).any() if positive else (arr < 0).any():
        raise ValueError(f"{name}: expected values {'> 0' if positive else '>= 0'}")
    return arr


def _init_params(k: int, d: int, hidden: int, c: int, scale: np.ndarray, rng) -> list[np.ndarray]:
    """Initial weights of K models: W1 (K, D, H), b1 (K, H), W2 (K, H, C), b2 (K, C)."""
    lim1, lim2 = np.sqrt(6 / (d + hidden)), np.sqrt(6 / (hidden + c))
    return [
        rng.uniform(-lim1, lim1, (k, d, hidden)).astype("float32") * scale[:, None, None],
        np.zeros((k, hidden), "float32"),
        rng.uniform(-lim2, lim2, (k, hidden, c)).astype("float32") * scale[:, None, None],
        np.zeros((k, c), "float32"),
    ]


def _forward(params, x, keep=None):
    """x (n, D) -> logits (K, n, C) of every model; ``keep`` (K, n, H): dropout's
    multipliers of the hidden units (0, or 1 / keep probability), ``None`` at evaluation."""
    w1, b1, w2, b2 = params
    h = tf.nn.relu(tf.einsum("nd,kdh->knh", x, w1) + b1[:, None, :])
    if keep is not None:
        h = h * keep
    return tf.einsum("knh,khc->knc", h, w2) + b2[:, None, :]


def _dropout_multipliers(rate: np.ndarray, n: int, hidden: int, rng) -> np.ndarray:
    """(K, n, H) inverted-dropout multipliers: a unit is kept with probability 1 - rate."""
    keep = 1.0 - rate[:, None, None]
    return (rng.random((len(rate), n, hidden)) < keep).astype("float32") / keep.astype("float32")


def _masked_losses(params, x, y, mask, keep=None):
    """Each model's mean loss over its own examples (mask (K, n)), its correct count,
    its example count and the logits (K, n, C)."""
    logits = _forward(params, x, keep)
    labels = tf.broadcast_to(y[None, :], tf.shape(logits)[:2])
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=labels.dtype), labels), tf.float32)
    count = tf.reduce_sum(mask, 1)
    return tf.reduce_sum(ce * mask, 1) / tf.maximum(count, 1.0), tf.reduce_sum(correct * mask, 1), count, logits


_BROADCAST = [(-1, 1, 1), (-1, 1), (-1, 1, 1), (-1, 1)]  # a (K,) setting against each weight


def _sgd_momentum_update(params, velocity, grads, lr, weight_decay, momentum: float):
    """v <- m v + g + wd w;  w <- w - lr v, with each model's own lr and wd (both (K,))."""
    for p, v, g, shape in zip(params, velocity, grads, _BROADCAST):
        v.assign(momentum * v + g + tf.reshape(weight_decay, shape) * p)
        p.assign(p - tf.reshape(lr, shape) * v)


def _check_labels(y, y_val):
    for name, labels in (("y", y), ("y_val", y_val)):
        if labels.min() < 0 or labels.max() >= _MAX_CLASSES:
            raise ValueError(f"{name}: expected class ids in [0, {_MAX_CLASSES}), got values in "
                             f"[{labels.min()}, {labels.max()}]")
    return int(max(y.max(), y_val.max())) + 1


def train_parallel_mlps(x, y, x_val, y_val, lr, *, weight_decay=0.0, init_scale=1.0, dropout=0.0,
                        example_mask=None, hidden: int = 32, epochs: int = 10,
                        batch_size: int = 64, momentum: float = 0.9, seed: int = 0):
    """Train K independent one-hidden-layer MLPs at once, each with its own settings.

    The K models see the same mini-batches, but each has its own weights, learning rate
    (optionally a per-step schedule), weight decay, initial weight scale and training
    examples. SGD with momentum; weight decay is added to the gradient (L2);
    initialisation is Glorot-uniform times ``init_scale``.

    Args:
        x: (N, D) training inputs. y: (N,) integer labels in [0, C).
        x_val: (M, D) validation inputs. y_val: (M,) labels.
        lr: (K,) learning rates, or (K, S) one rate per model per step,
            S = epochs · ceil(N / batch_size).
        weight_decay: scalar or (K,) L2 coefficients (>= 0).
        init_scale: scalar or (K,) multipliers of the initial weights (> 0).
        dropout: scalar or (K,) dropout rates of the hidden units in [0, 1) (inverted
            dropout: kept units are scaled by 1 / (1 - rate) while training, nothing is
            dropped at evaluation).
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
    x = check_finite(check_array(x, "x", ("N", "D"), dtype="number"), "x").astype("float32")
    y = check_array(y, "y", (x.shape[0],), dtype="int")
    x_val = check_array(x_val, "x_val", ("M", x.shape[1]), dtype="number").astype("float32")
    y_val = check_array(y_val, "y_val", (x_val.shape[0],), dtype="int")
    hidden = check_positive_int(hidden, "hidden")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    momentum = check_probability(momentum, "momentum")
    n, d = x.shape
    c = _check_labels(y, y_val)
    steps_per_epoch = math.ceil(n / batch_size)
    lr = _lr_schedule(lr, epochs * steps_per_epoch)
    k = lr.shape[0]
    wd = tf.constant(_per_model(weight_decay, "weight_decay", k, positive=False))
    scale = _per_model(init_scale, "init_scale", k, positive=True)
    rate = _per_model(dropout, "dropout", k, positive=False)
    if rate.max() >= 1:
        raise ValueError(f"dropout: expected rates in [0, 1), got a maximum of {rate.max()}")
    mask = _example_mask(example_mask, k, n)

    rng = np.random.default_rng(check_seed(seed))
    drop_rng = np.random.default_rng([seed, 1])  # dropout's own draws: the batches stay those of ``seed``
    params = [tf.Variable(p) for p in _init_params(k, d, hidden, c, scale, rng)]
    train_step, evaluate = _compiled_steps(params, wd, momentum)
    hist = {key: np.zeros((k, epochs)) for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    y32, yv32 = y.astype("int32"), y_val.astype("int32")
    ones_val = np.ones((k, x_val.shape[0]), "float32")
    for e in range(epochs):
        order = rng.permutation(n)
        for s in range(steps_per_epoch):
            idx = _batch_indices(order, s, batch_size)
            keep = _dropout_multipliers(rate, batch_size, hidden, drop_rng) if rate.max() > 0 else None
            train_step(x[idx], y32[idx], mask[:, idx], lr[:, e * steps_per_epoch + s], keep)
        loss, acc, _ = evaluate(x, y32, mask)
        vloss, vacc, probs = evaluate(x_val, yv32, ones_val)
        for key, val in (("loss", loss), ("accuracy", acc), ("val_loss", vloss), ("val_accuracy", vacc)):
            hist[key][:, e] = np.asarray(val)
    return _finish_history(hist, probs, params, c)


def _lr_schedule(lr, total: int) -> np.ndarray:
    """(K,) rates or a (K, total) schedule -> (K, total) float32, checked."""
    lr = check_finite(check_array(lr, "lr", dtype="number").astype("float32"), "lr")
    if lr.ndim == 1:
        lr = np.repeat(lr[:, None], total, axis=1)
    if lr.ndim != 2 or lr.shape[1] != total:
        raise ValueError(f"lr: expected shape (K,) or (K, {total}) (K models, {total} steps), got {lr.shape}")
    if lr.min() < 0:
        raise ValueError("lr: expected learning rates >= 0")
    return lr


def _example_mask(example_mask, k: int, n: int) -> np.ndarray:
    """None (every model learns from every example) or a (K, N) 0/1 mask -> (K, N) float32."""
    if example_mask is None:
        return np.ones((k, n), "float32")
    mask = check_array(example_mask, "example_mask", (k, n), dtype="number").astype("float32")
    if (mask.sum(1) == 0).any():
        raise ValueError("example_mask: every model needs at least one training example")
    return mask


def _compiled_steps(params, weight_decay, momentum: float):
    """The compiled training step (SGD with momentum on ``params``) and evaluation."""
    velocity = [tf.Variable(tf.zeros_like(p)) for p in params]

    @tf.function
    def train_step(xb, yb, mb, lr_now, keep):
        with tf.GradientTape() as tape:
            total_loss = tf.reduce_sum(_masked_losses(params, xb, yb, mb, keep)[0])
        _sgd_momentum_update(params, velocity, tape.gradient(total_loss, params), lr_now, weight_decay, momentum)

    @tf.function
    def evaluate(xa, ya, ma):
        losses, correct, count, logits = _masked_losses(params, xa, ya, ma)
        return losses, correct / tf.maximum(count, 1.0), tf.nn.softmax(logits)

    return train_step, evaluate


def _batch_indices(order: np.ndarray, step: int, batch_size: int) -> np.ndarray:
    """Step ``step``'s examples from the epoch's ``order``; the last batch is topped up from the
    start, so every step has one shape and the step is compiled once."""
    idx = order[step * batch_size : (step + 1) * batch_size]
    if idx.size < batch_size:
        idx = np.concatenate([idx, order[: batch_size - idx.size]])
    return idx


def _finish_history(hist: dict, probs, params, c: int) -> dict:
    """A diverged model's losses as ``inf``, its probabilities as uniform; the final weights added."""
    for key in ("loss", "val_loss"):
        hist[key][~np.isfinite(hist[key])] = np.inf
    probs = np.asarray(probs)
    hist["val_probs"] = np.where(np.isfinite(probs), probs, 1.0 / c)
    hist["params"] = [np.asarray(p) for p in params]
    return hist
