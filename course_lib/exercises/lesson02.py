"""Checks for exercises/02_rnn_from_scratch.ipynb: the RNN step, its backward pass, a
ReLU variant, PyTorch's weight layout and the loss of an untrained language model."""

from __future__ import annotations

import numpy as np

from course_lib import gradcheck
from course_lib import numpy_rnn as nr
from course_lib.exercises.core import NotRight, answer, exercise, expect_close, expect_equal

NAMES = ("dx", "dprev_h", "dWx", "dWh", "db")
__all__ = ["from_torch_rnn", "initial_loss", "relu_step_backward", "rnn_step_backward", "rnn_step_forward"]


def _step_inputs(seed: int = 2):
    """x: (3, 4), prev_h: (3, 5), Wx: (4, 5), Wh: (5, 5), b: (5,) float64, not symmetric."""
    rng = np.random.default_rng(seed)
    N, D, H = 3, 4, 5
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(scale=0.4, size=(D, H)),
            rng.normal(scale=0.4, size=(H, H)), rng.normal(scale=0.1, size=H))


@exercise("02.1", "One RNN step", "h_next = tanh(x · Wx + h_prev · Wh + b): Wx is (D, H), Wh is (H, H)")
def rnn_step_forward(student):
    """student(x, prev_h, Wx, Wh, b) -> next_h: (N, H)."""
    x, prev_h, Wx, Wh, b = _step_inputs()
    got = answer(student, x, prev_h, Wx, Wh, b)
    expect_close(got, nr.rnn_step_forward(x, prev_h, Wx, Wh, b)[0], "next_h")


def _gradients_of(student, step, names, seed: int = 3):
    """Compare the student's backward pass of ``step`` with numeric gradients."""
    x, prev_h, Wx, Wh, b = _step_inputs(seed)
    next_h = step(x, prev_h, Wx, Wh, b)
    dnext_h = np.random.default_rng(seed + 1).normal(size=next_h.shape)
    got = answer(student, dnext_h, x, prev_h, Wx, Wh, next_h)
    if not isinstance(got, tuple) or len(got) != 5:
        raise NotRight(f"expected a tuple of five gradients {NAMES}, got {type(got).__name__}")
    for name, array, grad in zip(names, (x, prev_h, Wx, Wh, b), got):
        numeric = gradcheck.numeric_gradient_array(lambda: step(x, prev_h, Wx, Wh, b), array, dnext_h)
        expect_close(grad, numeric, f"{name} (against the numeric gradient)", tol=1e-7)


@exercise("02.2", "The step's backward pass",
          "first da = dnext_h ⊙ (1 − next_h²), the tanh's derivative; then each gradient is a product "
          "with da whose shape matches its variable")
def rnn_step_backward(student):
    """student(dnext_h, x, prev_h, Wx, Wh, next_h) -> (dx, dprev_h, dWx, dWh, db)."""
    _gradients_of(student, lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b), NAMES)


@exercise("02.3", "A ReLU RNN's backward pass",
          "ReLU's derivative is 1 where the step's output is positive and 0 elsewhere: only that factor changes")
def relu_step_backward(student):
    """student(dnext_h, x, prev_h, Wx, Wh, next_h) -> gradients of next_h = relu(x Wx + prev_h Wh + b)."""
    _gradients_of(student, lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0.0), NAMES, seed=5)


@exercise("02.4", "From PyTorch's layout to ours",
          "PyTorch computes tanh(x · weight_ihᵀ + bias_ih + h · weight_hhᵀ + bias_hh)")
def from_torch_rnn(student):
    """student(weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,)) -> (Wx, Wh, b)."""
    rng = np.random.default_rng(7)
    H, D = 5, 3
    w_ih, w_hh = rng.normal(size=(H, D)), rng.normal(scale=0.4, size=(H, H))
    b_ih, b_hh = rng.normal(size=H), rng.normal(size=H)
    got = answer(student, w_ih, w_hh, b_ih, b_hh)
    if not isinstance(got, tuple) or len(got) != 3:
        raise NotRight(f"expected a tuple (Wx, Wh, b), got {type(got).__name__}")
    for name, array, shape in zip(("Wx", "Wh", "b"), got, ((D, H), (H, H), (H,))):
        expect_equal(np.shape(array), shape, f"the shape of {name}")
    x, h = rng.normal(size=(4, D)), rng.normal(size=(4, H))
    torch_step = np.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
    expect_close(nr.rnn_step_forward(x, h, *(np.asarray(a, float) for a in got))[0], torch_step,
                 "our step with your weights, against PyTorch's formula")


@exercise("02.5", "The loss of an untrained language model",
          "an untrained model spreads its probability evenly over the V characters")
def initial_loss(student):
    """student(V) -> the expected cross-entropy (nats) of a uniform guess over V classes."""
    for V in (2, 65, 10_000):
        expect_close(answer(student, V), np.log(V), f"the loss for V = {V}", tol=1e-9)
