"""Bahdanau attention: weights, masking, parity with Keras, saving, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_lib.attention import BahdanauAttention  # noqa: E402


def _inputs(batch=3, s=6, dq=5, dv=4, seed=0):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, dq)).astype("float32")
    values = rng.normal(size=(batch, s, dv)).astype("float32")
    lengths = np.array([s, 3, 1])[:batch]
    mask = np.arange(s)[None, :] < lengths[:, None]
    return query, values, mask


def test_weights_sum_to_one_and_padding_gets_zero():
    query, values, mask = _inputs()
    layer = BahdanauAttention(8)
    context, weights = layer(query, values, values_mask=mask)
    weights = np.asarray(weights)
    assert weights.shape == (3, 6)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert np.all(weights[~mask] == 0.0)
    assert np.all(weights[mask] > 0.0)
    np.testing.assert_allclose(context, np.einsum("bs,bsd->bd", weights, values), atol=1e-5)
    # a row with one real position puts all its weight there
    np.testing.assert_allclose(weights[2, 0], 1.0, atol=1e-6)


def test_padding_values_do_not_change_the_context():
    query, values, mask = _inputs()
    layer = BahdanauAttention(8)
    c1, _ = layer(query, values, values_mask=mask)
    noisy = values.copy()
    noisy[~mask] = 100.0
    c2, _ = layer(query, noisy, values_mask=mask)
    np.testing.assert_allclose(c1, c2, atol=1e-5)


def test_scores_match_the_formula():
    query, values, _ = _inputs()
    layer = BahdanauAttention(7)
    _, weights = layer(query, values)
    W, U, v = (np.asarray(w) for w in (layer.W, layer.U, layer.v))
    e = np.tanh((query @ W)[:, None, :] + values @ U) @ v
    expected = np.exp(e - e.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, atol=1e-5)


def test_many_queries_equal_one_query_at_a_time():
    rng = np.random.default_rng(1)
    queries = rng.normal(size=(2, 4, 5)).astype("float32")
    values = rng.normal(size=(2, 6, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 0, 0], [1] * 6], bool)
    layer = BahdanauAttention(8)
    ctx, w = layer(queries, values, values_mask=mask)
    assert tuple(ctx.shape) == (2, 4, 3) and tuple(w.shape) == (2, 4, 6)
    for t in range(4):
        ct, wt = layer(queries[:, t], values, values_mask=mask)
        np.testing.assert_allclose(ctx[:, t], ct, atol=1e-5)
        np.testing.assert_allclose(w[:, t], wt, atol=1e-6)


def test_parity_with_keras_additive_attention():
    # Keras' AdditiveAttention scores are sum(scale * tanh(q + k)): the Bahdanau score
    # with W = U = identity and v = scale.
    rng = np.random.default_rng(2)
    dim = 6
    queries = rng.normal(size=(2, 3, dim)).astype("float32")
    values = rng.normal(size=(2, 5, dim)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1] * 5], bool)
    ours = BahdanauAttention(dim)
    ours(queries, values)
    keras_layer = keras.layers.AdditiveAttention(use_scale=True)
    expected, expected_w = keras_layer(
        [queries, values], mask=[None, mask], return_attention_scores=True
    )
    ours.set_weights([np.eye(dim), np.eye(dim), np.asarray(keras_layer.scale)])
    ctx, w = ours(queries, values, values_mask=mask)
    np.testing.assert_allclose(ctx, expected, atol=1e-5)
    np.testing.assert_allclose(w, expected_w, atol=1e-6)


def test_flattened_grid_positions():
    # spatial attention: a 4x5 grid of 8-channel features flattened to S = 20 positions
    rng = np.random.default_rng(3)
    grid = rng.normal(size=(2, 4, 5, 8)).astype("float32")
    flat = grid.reshape(2, 20, 8)
    ctx, w = BahdanauAttention(6)(rng.normal(size=(2, 3)).astype("float32"), flat)
    assert tuple(ctx.shape) == (2, 8) and tuple(w.shape) == (2, 20)
    np.testing.assert_allclose(np.asarray(w).sum(-1), 1.0, atol=1e-6)


def test_save_and_reload_in_safe_mode(tmp_path):
    q = keras.Input((5,))
    vals = keras.Input((6, 4))
    ctx, w = BahdanauAttention(8, name="att")(q, vals)
    model = keras.Model([q, vals], [ctx, w])
    query, values, _ = _inputs()
    before = model.predict([query, values], verbose=0)
    path = tmp_path / "att.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    after = again.predict([query, values], verbose=0)
    for a, b in zip(before, after):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert again.get_layer("att").get_config()["units"] == 8


@pytest.mark.parametrize("units", [0, -3, 2.5, True])
def test_bad_units(units):
    with pytest.raises((ValueError, TypeError), match="units"):
        BahdanauAttention(units)


def test_bad_shapes():
    query, values, mask = _inputs()
    with pytest.raises(ValueError, match="values"):
        BahdanauAttention(4)(query, values[:, :, 0])
    with pytest.raises(ValueError, match="query"):
        BahdanauAttention(4)(query[:, :, None, None], values)
    with pytest.raises(ValueError, match="values_mask"):
        BahdanauAttention(4)(query, values, values_mask=mask[:, :, None])


def test_alignment_accuracy():
    from course_lib.metrics import alignment_accuracy

    w = np.zeros((2, 3, 4))
    w[0, 0, 1] = w[0, 1, 2] = w[0, 2, 0] = 1.0
    w[1, 0, 3] = w[1, 1, 3] = w[1, 2, 3] = 1.0
    truth = np.array([[1, 2, -1], [3, 0, -1]])
    assert alignment_accuracy(w, truth) == pytest.approx(3 / 4)
    assert alignment_accuracy(w, np.array([[1, 2, 0], [3, 3, 3]])) == 1.0
    with pytest.raises(ValueError, match="agree"):
        alignment_accuracy(w, truth[:, :2])
    with pytest.raises(ValueError, match="at least one"):
        alignment_accuracy(w, np.full((2, 3), -1))
    with pytest.raises(ValueError, match="< S"):
        alignment_accuracy(w, np.full((2, 3), 4))
    with pytest.raises(TypeError, match="int"):
        alignment_accuracy(w, truth.astype(float))


def test_plot_attention_heatmap():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.plots import plot_attention_heatmap

    w = np.array([[0.1, 0.9, 0.0], [0.7, 0.2, 0.1]])
    ax = plot_attention_heatmap(w, ["a", "b", "c"], ["B", "A"], true_alignment=np.array([1, 0]), title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "A"]
    assert len(ax.patches) == 2 and ax.get_title() == "t"
    with pytest.raises(ValueError, match="weights"):
        plot_attention_heatmap(w, ["a", "b"], ["B", "A"])
