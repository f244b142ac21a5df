"""Gradient checks and bad-input tests for course_lib.numpy_rnn."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import numpy_rnn as nr
from course_lib.gradcheck import numeric_gradient, numeric_gradient_array, rel_error

TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _weights(rng, D=4, H=5):
    return rng.normal(size=(D, H)) * 0.5, rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.1


def test_step_forward_matches_formula(rng):
    Wx, Wh, b = _weights(rng)
    x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    out, _ = nr.rnn_step_forward(x, h, Wx, Wh, b)
    # column-vector form h' = tanh(W_xh x + W_hh h + b) with W_xh = Wx^T, W_hh = Wh^T
    expected = np.stack([np.tanh(Wx.T @ x[i] + Wh.T @ h[i] + b) for i in range(3)])
    assert out.shape == (3, 5)
    assert rel_error(out, expected) < 1e-12


def test_step_backward_gradcheck(rng):
    Wx, Wh, b = _weights(rng)
    x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    out, cache = nr.rnn_step_forward(x, h, Wx, Wh, b)
    dout = rng.normal(size=out.shape)
    dx, dh, dWx, dWh, db = nr.rnn_step_backward(dout, cache)
    f = lambda: nr.rnn_step_forward(x, h, Wx, Wh, b)[0]  # noqa: E731
    for analytic, arr in [(dx, x), (dh, h), (dWx, Wx), (dWh, Wh), (db, b)]:
        assert rel_error(analytic, numeric_gradient_array(f, arr, dout)) < TOL


def test_sequence_backward_gradcheck(rng):
    N, T, D, H = 2, 6, 3, 4
    Wx, Wh, b = _weights(rng, D, H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    dh = rng.normal(size=h.shape)
    grads = nr.rnn_backward(dh, cache)
    f = lambda: nr.rnn_forward(x, h0, Wx, Wh, b)[0]  # noqa: E731
    for analytic, arr in zip(grads, [x, h0, Wx, Wh, b]):
        assert rel_error(analytic, numeric_gradient_array(f, arr, dh)) < TOL


def test_forward_equals_repeated_steps_with_shared_weights(rng):
    Wx, Wh, b = _weights(rng)
    x = rng.normal(size=(2, 7, 4))
    h, _ = nr.rnn_forward(x, np.zeros((2, 5)), Wx, Wh, b)
    prev = np.zeros((2, 5))
    for t in range(7):
        prev, _ = nr.rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t], prev)


def test_embedding_forward_backward(rng):
    W = rng.normal(size=(6, 3))
    x = np.array([[0, 2, 2], [5, 0, 1]])
    out, cache = nr.word_embedding_forward(x, W)
    np.testing.assert_array_equal(out[1, 0], W[5])
    dout = rng.normal(size=out.shape)
    dW = nr.word_embedding_backward(dout, cache)
    num = numeric_gradient_array(lambda: nr.word_embedding_forward(x, W)[0], W, dout)
    assert rel_error(dW, num) < TOL
    np.testing.assert_array_equal(dW[3], 0.0)  # id 3 never used


def test_temporal_affine_gradcheck(rng):
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    out, cache = nr.temporal_affine_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = nr.temporal_affine_backward(dout, cache)
    f = lambda: nr.temporal_affine_forward(x, w, b)[0]  # noqa: E731
    for analytic, arr in [(dx, x), (dw, w), (db, b)]:
        assert rel_error(analytic, numeric_gradient_array(f, arr, dout)) < TOL


def test_temporal_softmax_loss_value_and_gradient(rng):
    N, T, V = 12, 4, 10
    x = 0.001 * rng.normal(size=(N, T, V))
    y = rng.integers(V, size=(N, T))
    loss, _ = nr.temporal_softmax_loss(x, y)
    assert abs(loss - T * np.log(V)) < 0.05  # near-uniform scores: log V per step
    mask = rng.random((N, T)) > 0.3
    loss_m, dx = nr.temporal_softmax_loss(x, y, mask)
    assert abs(loss_m - mask.sum() / N * np.log(V)) < 0.05
    num = numeric_gradient(lambda: nr.temporal_softmax_loss(x, y, mask)[0], x)
    assert rel_error(dx, num) < TOL
    assert np.all(dx[~mask] == 0)


def test_rnn_lm_loss_gradcheck_and_initial_loss(rng):
    V, N, T = 7, 3, 5
    params = nr.init_rnn_lm(V, 4, 6, seed=1)
    ids = rng.integers(V, size=(N, T + 1))
    loss, grads, h_last = nr.rnn_lm_loss(params, ids[:, :-1], ids[:, 1:])
    assert h_last.shape == (N, 6)
    assert abs(loss / T - np.log(V)) < 0.1 * np.log(V)
    for k, p in params.items():
        num = numeric_gradient(lambda: nr.rnn_lm_loss(params, ids[:, :-1], ids[:, 1:])[0], p)
        assert rel_error(grads[k], num) < TOL, k


def test_rnn_lm_forward_is_the_three_layers_chained_and_scores_the_loss(rng):
    V, N, T, H = 7, 3, 5, 6
    params = nr.init_rnn_lm(V, 4, H, seed=2)
    ids = rng.integers(V, size=(N, T + 1))
    h0 = rng.normal(size=(N, H))
    scores, h, caches = nr.rnn_lm_forward(params, ids[:, :-1], h0)
    emb, _ = nr.word_embedding_forward(ids[:, :-1], params["W_embed"])
    h_ref, _ = nr.rnn_forward(emb, h0, params["Wx"], params["Wh"], params["b"])
    np.testing.assert_allclose(h, h_ref)
    np.testing.assert_allclose(scores, h_ref @ params["W_out"] + params["b_out"])
    assert scores.shape == (N, T, V) and len(caches) == 3
    loss, _, h_last = nr.rnn_lm_loss(params, ids[:, :-1], ids[:, 1:], h0)
    assert loss == pytest.approx(nr.temporal_softmax_loss(scores, ids[:, 1:])[0])
    np.testing.assert_allclose(h_last, h[:, -1])


def test_rnn_lm_sample_greedy_is_deterministic():
    params = nr.init_rnn_lm(5, 3, 4, seed=0)
    a = nr.rnn_lm_sample(params, [1, 2], 8, temperature=0.0, rng=np.random.default_rng(1))
    b = nr.rnn_lm_sample(params, [1, 2], 8, temperature=0.0, rng=np.random.default_rng(2))
    assert a.shape == (8,) and a.dtype == np.int64
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0 and a.max() < 5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda W: nr.rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 5)), *W), r"x: expected shape \(N, 4\)"),
        (lambda W: nr.rnn_step_forward(np.zeros((2, 4)), np.zeros((3, 5)), *W), "batch size"),
        (lambda W: nr.rnn_forward(np.zeros((2, 4)), np.zeros((2, 5)), *W), r"x: expected shape \(N, T, 4\)"),
        (lambda W: nr.rnn_forward(np.zeros((2, 3, 4)), np.zeros((2, 5)), W[0], W[0], W[2]),
         r"Wh: expected shape \(5, 5\)"),
        (lambda W: nr.rnn_forward(np.zeros((2, 3, 4)), np.zeros((2, 5)), W[0], W[1], np.zeros(4)),
         r"b: expected shape \(5,\)"),
        (lambda W: nr.word_embedding_forward(np.array([[0, 9]]), np.zeros((6, 3))), r"ids in \[0, 6\)"),
        (lambda W: nr.word_embedding_forward(np.zeros((2,), int), np.zeros((6, 3))), r"x: expected shape \(N, T\)"),
        (lambda W: nr.temporal_affine_forward(np.zeros((2, 3, 3)), np.zeros((4, 5)), np.zeros(5)),
         r"x: expected shape \(N, T, 4\)"),
        (lambda W: nr.temporal_softmax_loss(np.zeros((2, 3, 4)), np.zeros((2, 2), int)), r"y: expected shape \(2, 3\)"),
        (lambda W: nr.temporal_softmax_loss(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.ones((3, 3))),
         r"mask: expected shape"),
        (lambda W: nr.rnn_lm_loss({"Wx": 1}, np.zeros((1, 2), int), np.zeros((1, 2), int)), "missing"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_expected_shape(rng, call, match):
    with pytest.raises(ValueError, match=match):
        call(_weights(rng))


def test_backward_rejects_wrong_upstream_shape(rng):
    Wx, Wh, b = _weights(rng)
    h, cache = nr.rnn_forward(rng.normal(size=(2, 3, 4)), np.zeros((2, 5)), Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh: expected shape \(2, 3, 5\)"):
        nr.rnn_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(TypeError, match="float"):
        nr.rnn_step_forward(np.zeros((2, 4)), np.zeros((2, 5)), Wx.astype(int), Wh, b)
