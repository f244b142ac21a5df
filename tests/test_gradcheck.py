"""Tests of course_lib.gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.gradcheck import numeric_gradient, numeric_gradient_array, rel_error


def test_numeric_gradient_of_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    grad = numeric_gradient(lambda: np.sum(np.sin(x) * x), x)
    assert rel_error(grad, np.cos(x) * x + np.sin(x)) < 1e-9
    np.testing.assert_array_equal(x, [[0.3, -1.2], [2.0, 0.5]])  # restored


def test_numeric_gradient_array_is_a_vector_jacobian_product():
    rng = np.random.default_rng(0)
    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    dout = rng.normal(size=3)
    assert rel_error(numeric_gradient_array(lambda: A @ x, x, dout), A.T @ dout) < 1e-9


def test_rel_error_detects_a_wrong_gradient():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(5, 5))
    assert rel_error(g, g) == 0.0
    assert rel_error(g, g * (1 + 1e-4)) > 1e-7
    assert rel_error(g, 2 * g) == pytest.approx(1 / 3)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_bad_inputs():
    with pytest.raises(TypeError, match="float64"):
        numeric_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError, match="NumPy array"):
        numeric_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="callable"):
        numeric_gradient(3, np.zeros(3))
    with pytest.raises(ValueError, match="h: expected a finite number > 0"):
        numeric_gradient(lambda: 0.0, np.zeros(3), h=0)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2,\)"):
        numeric_gradient_array(lambda: np.zeros(2), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(2), np.zeros(3))
