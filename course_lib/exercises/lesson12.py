"""Checks for exercises/12_training_recipe.ipynb: a learning rate from a range test,
log-uniform sampling, the cyclic cosine learning rate of snapshot ensembles, and the
exponential moving average of the weights."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_between, expect_close

__all__ = ["cosine_restarts_lr", "log_uniform", "suggest_learning_rate", "weight_ema"]


def _range_test(seed: int, best: float, blow: float, stop: float | None = None, steps: int = 160):
    """A synthetic range test: lrs (steps,) from 1e-5 to 10 and noisy losses (steps,) that fall
    fastest near ``best`` and blow up beyond ``blow``; with ``stop``, inf from the first loss above it."""
    rng = np.random.default_rng(seed)
    lrs = np.geomspace(1e-5, 10.0, steps)
    u = np.log10(lrs)
    loss = 2.3 - 1.9 / (1 + np.exp(-(u - np.log10(best)) / 0.3)) + 0.05 * np.exp(3.0 * (u - np.log10(blow)))
    loss *= np.exp(0.04 * rng.normal(size=steps))
    if stop is not None and (loss > stop).any():
        loss[np.argmax(loss > stop):] = np.inf  # the test stopped: the loss was no longer finite
    return lrs, loss


@exercise("12.1", "A learning rate from the range test",
          "smooth the losses with a centred moving average of `smooth` values (np.convolve, mode 'valid'), "
          "keep only the part before the smoothed loss first exceeds 4 × its minimum (after that minimum), "
          "and take the rate where its slope against log(lr) is most negative")
def suggest_learning_rate(student):
    """student(lrs (S,), losses (S,), smooth=5) -> one learning rate."""
    from course_lib import recipe

    for seed, best, blow, stop in ((1, 3e-3, 1.0, None), (4, 1e-3, 0.3, 4.0)):
        lrs, losses = _range_test(seed, best, blow, stop)
        reference = recipe.suggest_learning_rate(lrs, losses)
        tail = " (the losses end in inf)" if stop else ""
        got = answer(student, lrs.copy(), losses.copy())
        expect_between(got, reference / 2, reference * 2,
                       f"the suggested rate{tail}: within a factor 2 of course_lib.recipe's {reference:.3g}")


def _draws(student, low, high, size, seed):
    got = answer(student, low, high, size, np.random.default_rng(seed))
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NotRight(f"expected {size} numbers, got {type(got).__name__}") from error
    if got.shape != (size,):
        raise NotRight(f"expected an array of shape ({size},), got shape {got.shape}")
    return got


@exercise("12.2", "Log-uniform sampling",
          "draw the logarithm uniformly between log(low) and log(high) with the generator you are given, then "
          "undo the logarithm with the matching base")
def log_uniform(student):
    """student(low, high, size, rng) -> (size,) numbers whose logarithm is uniform on [log low, log high)."""
    n = 20_000
    for low, high in ((1e-5, 1e-1), (3e-4, 2e-2)):
        got = _draws(student, low, high, n, 3)
        if not (np.isfinite(got).all() and got.min() >= low and got.max() <= high * (1 + 1e-12)):
            raise NotRight(f"draws between {low:g} and {high:g}: expected every value in that range, "
                           f"got values from {np.nanmin(got):.3g} to {np.nanmax(got):.3g}")
        quantiles = np.linspace(0.1, 0.9, 9)
        points = low * (high / low) ** quantiles  # the q-quantiles of the log-uniform distribution
        shares = (got[:, None] < points).mean(axis=0)
        worst = int(np.argmax(np.abs(shares - quantiles)))
        if abs(shares[worst] - quantiles[worst]) > 0.02:
            raise NotRight(f"{n:,} draws between {low:g} and {high:g}: expected a share of {quantiles[worst]:.1f} "
                           f"of them below {points[worst]:.3g} (each factor of the range equally likely), "
                           f"got {shares[worst]:.3f}")
    if not np.array_equal(_draws(student, 1e-4, 1.0, 50, 5), _draws(student, 1e-4, 1.0, 50, 5)):
        raise NotRight("two generators with the same seed: expected the same draws, got different ones "
                       "(draw with the rng you are given)")
    if np.array_equal(_draws(student, 1e-4, 1.0, 50, 5), _draws(student, 1e-4, 1.0, 50, 6)):
        raise NotRight("generators with different seeds: expected different draws, got the same numbers")


@exercise("12.3", "The cyclic cosine learning rate",
          "within a cycle the fraction of it done is (step mod cycle_steps) / cycle_steps; the cosine part is "
          "½(1 + cos(π · fraction)), and alpha sets the floor it decays to, as a share of initial_lr")
def cosine_restarts_lr(student):
    """student(steps (S,), initial_lr, cycle_steps, alpha) -> (S,) learning rates."""
    import keras

    for initial, cycle, alpha in ((0.3, 7, 0.05), (0.02, 10, 0.0)):
        steps = np.arange(4 * cycle + 3)
        schedule = keras.optimizers.schedules.CosineDecayRestarts(initial, cycle, t_mul=1.0, m_mul=1.0, alpha=alpha)
        expected = keras.ops.convert_to_numpy(schedule(steps))
        got = answer(student, steps, initial, cycle, alpha)
        expect_close(got, expected, f"the rates at steps 0..{steps[-1]} (initial_lr {initial}, cycles of {cycle} "
                                    f"steps, alpha {alpha}; against Keras' CosineDecayRestarts)", tol=1e-5)


@exercise("12.4", "The exponential moving average of the weights",
          "the first average is the first weights themselves; after that, average = m · average + (1 − m) · weights")
def weight_ema(student):
    """student(trajectory (T, ...), momentum) -> (T, ...) the average after each step."""
    import keras

    rng = np.random.default_rng(12)
    for momentum, shape in ((0.8, (3, 4)), (0.95, (5,))):
        variable = keras.Variable(rng.normal(size=shape).astype("float32"))
        optimizer = keras.optimizers.SGD(0.3, use_ema=True, ema_momentum=momentum)
        trajectory = []
        for gradient in rng.normal(size=(9, *shape)).astype("float32"):
            optimizer.apply([gradient], [variable])
            trajectory.append(keras.ops.convert_to_numpy(variable))
        trajectory = np.array(trajectory, dtype=np.float64)  # (9, *shape): the weights after each step
        optimizer.finalize_variable_values([variable])  # the optimizer's average replaces the weights
        expected = [trajectory[0]]
        for weights in trajectory[1:]:
            expected.append(momentum * expected[-1] + (1 - momentum) * weights)
        got = answer(student, trajectory.copy(), momentum)
        what = f"the averages after each of 9 steps (momentum {momentum}, weights of shape {shape})"
        expect_close(got, np.array(expected), what)
        expect_close(np.asarray(got)[-1], keras.ops.convert_to_numpy(variable),
                     f"the last average against Keras' SGD(use_ema=True, ema_momentum={momentum})", tol=1e-5)
