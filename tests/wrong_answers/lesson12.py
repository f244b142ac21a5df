"""Wrong answers to lesson 12's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np


def _suggest(lrs, losses, smooth=5, against_lr=False, steepest_rise=False):
    stop = len(losses) if np.isfinite(losses).all() else int(np.argmin(np.isfinite(losses)))
    smoothed = np.convolve(losses[:stop], np.ones(smooth) / smooth, mode="valid")
    centre = lrs[smooth // 2 : smooth // 2 + len(smoothed)]
    slope = np.gradient(smoothed, centre if against_lr else np.log(centre))
    return float(centre[int(np.argmax(slope) if steepest_rise else np.argmin(slope))])


def _cosine(steps, initial, cycle, alpha, period=None, floor=True):
    fraction = (steps % (period or cycle)) / cycle
    cosine = 0.5 * (1 + np.cos(np.pi * fraction))
    return initial * (alpha + (1 - alpha) * cosine) if floor else initial * cosine


def _ema(trajectory, m, start_at_zero=False, correct=False, swap=False):
    keep = 1 - m if swap else m
    average = np.zeros_like(trajectory[0]) if start_at_zero else trajectory[0]
    out = [] if start_at_zero else [average]
    for t, weights in enumerate(trajectory if start_at_zero else trajectory[1:], start=1):
        average = keep * average + (1 - keep) * weights
        out.append(average / (1 - keep**t) if correct else average)
    return np.stack(out)


WRONG = {
    "12.1": {
        "the rate of the lowest loss": lambda lrs, losses: float(lrs[np.argmin(losses)]),
        "slope against the rate, not its log": lambda lrs, losses: _suggest(lrs, losses, against_lr=True),
        "the steepest rise": lambda lrs, losses: _suggest(lrs, losses, steepest_rise=True),
    },
    "12.2": {
        "uniform, not log-uniform": lambda low, high, size, rng: rng.uniform(low, high, size),
        "natural log, power of 10": lambda low, high, size, rng: 10 ** rng.uniform(np.log(low), np.log(high), size),
    },
    "12.3": {
        "alpha ignored": lambda s, lr, T, a: _cosine(s, lr, T, a, floor=False),
        "restarts one step late": lambda s, lr, T, a: _cosine(s, lr, T, a, period=T + 1),
    },
    "12.4": {
        "momentum on the new weights": lambda traj, m: _ema(traj, m, swap=True),
        "average starts at zero": lambda traj, m: _ema(traj, m, start_at_zero=True),
        "starts at zero, Adam's bias correction": lambda traj, m: _ema(traj, m, start_at_zero=True, correct=True),
    },
}
