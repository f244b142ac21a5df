"""Checks for exercises/04_gradient_flow.ipynb: clipping by global norm, the number of steps
until ρ^k passes a threshold, the norms of a product of recurrent Jacobians, and the
forget-gate bias that keeps a given share of the gradient."""

from __future__ import annotations

import math

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal

__all__ = ["clip_by_global_norm", "forget_bias_for", "jacobian_norms", "steps_to_cross"]

SHAPES = ((3, 4), (4,), (2, 4, 5))  # a kernel, a bias and a 3-D variable: every axis differs


@exercise("04.1", "Clipping by global norm",
          "‖g‖ is the square root of the sum of squares over every entry of every variable together; "
          "when it exceeds c, every variable is multiplied by the same factor c / ‖g‖, otherwise by 1")
def clip_by_global_norm(student):
    """student(grads: list of arrays, c) -> (clipped list, ‖g‖ before clipping)."""
    import tensorflow as tf

    rng = np.random.default_rng(41)
    grads = [rng.normal(scale=s, size=shape).astype("float32") for s, shape in zip((0.3, 4.0, 0.5), SHAPES)]
    for c in (2.0, 50.0):  # ‖g‖ ≈ 8.6: the first clips, the second leaves the gradient alone
        got = answer(student, [g.copy() for g in grads], c)
        if not isinstance(got, tuple) or len(got) != 2:
            raise NotRight(f"expected a tuple (clipped, norm), got {type(got).__name__}")
        clipped, norm = got
        expected, expected_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], c)
        expect_close(norm, float(expected_norm), f"‖g‖ (c = {c}), against tf.clip_by_global_norm", tol=1e-5)
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
            raise NotRight(f"expected a list of {len(grads)} clipped gradients (c = {c}), got {type(clipped).__name__}")
        for i, (mine, ref) in enumerate(zip(clipped, expected)):
            expect_close(mine, ref.numpy(), f"clipped variable {i} (c = {c}), against tf.clip_by_global_norm",
                         tol=1e-5)


def _steps(rho: float, threshold: float) -> int:
    """The first k with rho**k past threshold (above it if rho > 1, below it if rho < 1), by counting."""
    k, value = 0, 1.0
    while (value <= threshold) if rho > 1 else (value >= threshold):
        k, value = k + 1, value * rho
    return k


@exercise("04.2", "Steps until ρ^k passes a threshold",
          "solve ρ^k = threshold for a real k with logarithms (any base, the same for both), then "
          "take the first integer strictly past it")
def steps_to_cross(student):
    """student(rho, threshold) -> the smallest int k with ρ^k > threshold (ρ > 1) or ρ^k < threshold (ρ < 1)."""
    for rho, threshold in ((1.05, 100.0), (1.2, 1e3), (1.01, 10.0), (0.8, 1e-3), (0.95, 0.01), (3.0, 1.5)):
        got = answer(student, rho, threshold)
        if isinstance(got, float) and not got.is_integer():
            raise NotRight(f"ρ = {rho}, threshold {threshold}: expected a whole number of steps, got {got}")
        expect_equal(got, _steps(rho, threshold), f"the number of steps for ρ = {rho}, threshold {threshold}")


def _states(seed: int, T: int = 7, D: int = 3, H: int = 5):
    """x: (T, D), Wx: (D, H), Wh: (H, H) (not symmetric), b: (H,) and h: (T, H), float64."""
    rng = np.random.default_rng(seed)
    x, Wx = rng.normal(size=(T, D)), rng.normal(scale=0.6, size=(D, H))
    Wh, b = rng.normal(scale=0.6, size=(H, H)), rng.normal(scale=0.2, size=H)
    h, prev = np.empty((T, H)), np.zeros(H)
    for t in range(T):
        prev = h[t] = np.tanh(x[t] @ Wx + prev @ Wh + b)
    return x, Wx, Wh, b, h


def _autodiff_norms(x, Wx, Wh, b, h) -> np.ndarray:
    """‖∂h_T/∂h_t‖₂ by TensorFlow's autodiff, index = distance T − t (0 .. T − 1)."""
    import tensorflow as tf

    T, H = h.shape
    norms = []
    for d in range(T):
        start = tf.Variable(np.tile(h[T - 1 - d], (H, 1)))  # H copies: row i gives row i of the Jacobian
        with tf.GradientTape() as tape:
            state = start
            for t in range(T - d, T):
                state = tf.tanh(x[t] @ Wx + state @ Wh + b)
            picked = tf.linalg.diag_part(state)  # picked[i] = h_T[i] of copy i
        jacobian = tape.gradient(picked, start).numpy() if d else np.eye(H)
        norms.append(np.linalg.norm(jacobian, 2))
    return np.array(norms)


@exercise("04.3", "The norm of a product of Jacobians",
          "one step back multiplies by diag(1 − h_k²) Whᵀ, with h_k the state that step produced; "
          "multiply them from k = T downwards and take the spectral norm, the largest singular value")
def jacobian_norms(student):
    """student(h: (T, H), Wh: (H, H)) -> (T,) ‖∂h_T/∂h_t‖₂, index = distance T − t."""
    x, Wx, Wh, b, h = _states(seed=43)
    got = answer(student, h.copy(), Wh.copy())
    expect_close(got, _autodiff_norms(x, Wx, Wh, b, h), "the norms, against TensorFlow's autodiff", tol=1e-7)


@exercise("04.4", "A forget-gate bias for a given memory",
          "along the cell path each step multiplies the gradient by f = σ(b), so n steps keep f^n; "
          "solve for f, then invert the sigmoid")
def forget_bias_for(student):
    """student(n steps, keep in (0, 1)) -> the bias b with σ(b)^n = keep."""
    for n, keep in ((20, 0.5), (100, 0.1), (5, 0.9), (1, 0.25)):
        f = keep ** (1.0 / n)
        expected = math.log(f / (1.0 - f))
        got = answer(student, n, keep)
        expect_close(got, expected, f"the bias for n = {n}, keep = {keep} (σ(b)^n should be {keep})", tol=1e-7)
