"""Unit tests of course_lib.recipe: samplers, ensembling, LR range test, snapshots, EMA."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import callbacks, parallel_mlps, recipe


def test_log_uniform_is_uniform_in_log_space():
    draws = recipe.log_uniform(1e-4, 1.0, 20000, rng=0)
    assert draws.min() >= 1e-4 and draws.max() < 1.0
    per_decade = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1, 0])[0] / draws.size
    np.testing.assert_allclose(per_decade, 0.25, atol=0.02)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1e-3, 1.0), (1e-2, 1e-3), (1e-3, 1e-3)])
def test_log_uniform_rejects_bad_ranges(low, high):
    with pytest.raises(ValueError):
        recipe.log_uniform(low, high, 3)


def test_grid_points_cover_every_combination():
    pts = recipe.grid_search_points({"lr": (1e-3, 1e-1), "dropout": (0.0, 0.5, "linear")}, 3)
    assert len(pts) == 9
    assert sorted({round(p["lr"], 6) for p in pts}) == [0.001, 0.01, 0.1]
    assert sorted({p["dropout"] for p in pts}) == [0.0, 0.25, 0.5]


def test_random_points_have_distinct_values_and_respect_bounds():
    pts = recipe.random_search_points({"lr": (1e-4, 1.0), "wd": (1e-6, 1e-2)}, 16, seed=0)
    lrs = [p["lr"] for p in pts]
    assert len(set(lrs)) == 16 and min(lrs) >= 1e-4 and max(lrs) < 1.0
    again = recipe.random_search_points({"lr": (1e-4, 1.0), "wd": (1e-6, 1e-2)}, 16, seed=0)
    assert again == pts


@pytest.mark.parametrize(
    "space, err",
    [
        ({}, TypeError),
        ({"lr": (0, 1)}, ValueError),
        ({"lr": (-1, 1)}, ValueError),
        ({"lr": (1, 0.1)}, ValueError),
        ({"lr": (1e-3, 1, "cubic")}, ValueError),
        ({"lr": ("a", 1)}, TypeError),
    ],
)
def test_search_space_errors(space, err):
    with pytest.raises(err):
        recipe.random_search_points(space, 4)
    with pytest.raises(err):
        recipe.grid_search_points(space, 2)


def test_ensemble_averages_probabilities_and_accuracy():
    p = np.array([[[0.9, 0.1], [0.4, 0.6]], [[0.3, 0.7], [0.2, 0.8]]])
    avg = recipe.ensemble_probabilities(p)
    np.testing.assert_allclose(avg, [[0.6, 0.4], [0.3, 0.7]])
    assert recipe.accuracy(avg, np.array([0, 1])) == 1.0
    assert recipe.accuracy(p[1], np.array([0, 1])) == 0.5


def test_ensemble_rejects_logits_and_bad_shapes():
    with pytest.raises(ValueError, match="probabilities"):
        recipe.ensemble_probabilities(np.array([[[2.0, -1.0]]]))
    with pytest.raises(ValueError, match="models, N, C"):
        recipe.ensemble_probabilities(np.ones((3, 2)) / 2)
    with pytest.raises(ValueError):
        recipe.accuracy(np.ones((2, 3)) / 3, np.array([0, 3]))


def test_suggest_learning_rate_finds_the_steepest_drop():
    lrs = np.geomspace(1e-5, 10, 120)
    x = np.log10(lrs)
    losses = 2.3 - 2.0 / (1 + np.exp(-(x + 2) * 4))  # steepest at lr = 1e-2
    losses[x > -0.5] = 50.0  # blows up
    lr = recipe.suggest_learning_rate(lrs, losses)
    assert 5e-3 < lr < 2e-2


def test_suggest_learning_rate_errors():
    with pytest.raises(ValueError, match="increasing"):
        recipe.suggest_learning_rate(np.array([1e-3, 1e-4] * 10), np.ones(20))
    with pytest.raises(ValueError, match="increasing"):
        recipe.suggest_learning_rate(np.linspace(-1, 1, 20), np.ones(20))
    with pytest.raises(ValueError):
        recipe.suggest_learning_rate(np.geomspace(1e-3, 1, 20), np.ones(19))


def test_cycle_ends():
    assert recipe._cycle_ends(10, 50) == [9, 19, 29, 39, 49]
    assert recipe._cycle_ends(10, 45) == [9, 19, 29, 39]
    assert recipe._cycle_ends(10, 70, t_mul=2.0) == [9, 29, 69]
    with pytest.raises(ValueError):
        recipe._cycle_ends(10, 50, t_mul=0.5)
    with pytest.raises(ValueError):
        recipe._cycle_ends(1, 50)


def _tiny_model(lr=0.01):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _toy_data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x, y


def test_lr_range_test_restores_weights_and_rejects_bad_ranges():
    x, y = _toy_data()
    model = _tiny_model()
    before = [w.copy() for w in model.get_weights()]
    out = recipe.lr_range_test(model, x, y, 1e-4, 1.0, steps=20, batch_size=16)
    assert out["lr"].shape == out["loss"].shape == (20,)
    assert np.all(np.diff(out["lr"]) > 0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(0.01)
    for low, high in [(0.0, 1.0), (-1e-3, 1.0), (1.0, 1e-3)]:
        with pytest.raises(ValueError, match="range|low < high"):
            recipe.lr_range_test(model, x, y, low, high, steps=20)
    with pytest.raises(ValueError, match="same number"):
        recipe.lr_range_test(model, x, y[:10], steps=20)


def test_lr_range_test_records_each_batch_own_loss():
    """Each recorded loss is the loss of that step's batch, not a mean over earlier steps.

    One example per batch, a zero model that the tiny rates cannot move, and targets
    2**j: every batch's loss is a power of 4, and the mean of two different powers of 4
    never is one (Keras 3.13's train_on_batch reported such running means).
    """
    import keras

    x = np.zeros((10, 1), "float32")
    y = (2.0 ** np.arange(10)).astype("float32")[:, None]
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.train_on_batch(x, y)  # an earlier call (rate 0): its loss must not leak into the first step
    out = recipe.lr_range_test(model, x, y, 1e-20, 1e-19, steps=12, batch_size=1, seed=3)
    per_example = y[:, 0] ** 2  # (10,) 1, 4, 16, ...
    for step, loss in enumerate(out["loss"]):
        nearest = per_example[np.argmin(np.abs(np.log(per_example) - np.log(loss)))]
        assert loss == pytest.approx(nearest, rel=1e-4), (
            f"step {step}: recorded loss {loss:.6g} is not the loss of one batch (the nearest is "
            f"{nearest:.6g}); the range test must record each batch's own loss"
        )
    assert len(set(np.round(out["loss"], 3))) > 3, f"the batches differ: {out['loss']}"


def test_snapshot_callback_keeps_weights_at_each_cycle_end(tmp_path):
    import keras

    x, y = _toy_data(96)
    model = _tiny_model()
    model.compile(
        optimizer=keras.optimizers.SGD(recipe.cosine_restarts(0.1, cycle_steps=6)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    snap = callbacks.SnapshotEnsemble(cycle_steps=6, directory=tmp_path)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[snap])  # 18 steps
    assert snap.steps == [5, 11, 17]
    assert len(snap.paths) == 3 and all(p.exists() for p in snap.paths)
    for a, b in zip(snap.snapshots[-1], model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(snap.snapshots[0][0], snap.snapshots[1][0])
    probs = snap.predict_each(model, x)
    assert probs.shape == (3, 96, 3)
    with pytest.raises(ValueError):
        callbacks.SnapshotEnsemble(cycle_steps=0)


def test_manual_ema_matches_the_optimizers_use_ema():
    import keras

    x, y = _toy_data(96)
    model = _tiny_model()
    model.compile(
        optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    ema = callbacks.WeightEMA(momentum=0.9)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[ema])
    # fit ends by copying the optimizer's averages into the model
    for v, a in zip(model.trainable_variables, ema.averaged_weights()):
        np.testing.assert_allclose(np.asarray(v.value), a, atol=1e-5)
    with pytest.raises(ValueError):
        callbacks.WeightEMA(momentum=1.0)


def test_parallel_mlps_are_independent_and_learn():
    x, y = _toy_data(128)
    lr = np.array([0.1, 0.0, 0.1])
    out = parallel_mlps.train_parallel_mlps(x, y, x, y, lr, hidden=8, epochs=5, batch_size=32, seed=0)
    assert out["loss"].shape == (3, 5) and out["val_probs"].shape == (3, 128, 3)
    assert out["loss"][0, -1] < 0.7 * out["loss"][1, -1]  # lr 0 learns nothing
    np.testing.assert_allclose(out["loss"][1], out["loss"][1, 0], rtol=1e-5)
    # model 0 is untouched by what its neighbour does, even when the neighbour diverges
    wild = parallel_mlps.train_parallel_mlps(x, y, x, y, np.array([0.1, 50.0, 0.1]), hidden=8, epochs=5,
                                      batch_size=32, seed=0)
    assert not np.isfinite(wild["loss"][1, -1]) or wild["loss"][1, -1] > 2 * out["loss"][0, -1]
    np.testing.assert_allclose(wild["params"][0][0], out["params"][0][0], rtol=1e-5)
    np.testing.assert_allclose(wild["loss"][0], out["loss"][0], rtol=1e-5)
    with pytest.raises(ValueError, match="lr"):
        parallel_mlps.train_parallel_mlps(x, y, x, y, np.ones((3, 7)), epochs=5)
    with pytest.raises(ValueError, match="example_mask"):
        parallel_mlps.train_parallel_mlps(x, y, x, y, lr, example_mask=np.zeros((3, 128)))


def test_parallel_mlps_dropout_drops_hidden_units_only_while_training():
    x, y = _toy_data(128)
    lr = np.full(3, 0.1)
    plain = parallel_mlps.train_parallel_mlps(x, y, x, y, lr, hidden=8, epochs=3, batch_size=32, seed=0)
    zero = parallel_mlps.train_parallel_mlps(x, y, x, y, lr, dropout=0.0, hidden=8, epochs=3, batch_size=32, seed=0)
    np.testing.assert_array_equal(zero["loss"], plain["loss"])  # rate 0 is exactly no dropout
    some = parallel_mlps.train_parallel_mlps(x, y, x, y, lr, dropout=np.array([0.0, 0.5, 0.9]), hidden=8,
                                             epochs=3, batch_size=32, seed=0)
    # the model at rate 0 is untouched by its neighbours' dropout (same batches, no masks)
    np.testing.assert_allclose(some["params"][0][0], plain["params"][0][0], rtol=1e-5)
    assert not np.allclose(some["params"][0][1], plain["params"][0][1], atol=1e-3), "dropout changes training"
    assert some["loss"][2, -1] > some["loss"][0, -1], "dropping 90% of the units slows learning"
    # evaluation uses every unit: the recorded loss is the final weights' loss without masks
    w1, b1, w2, b2 = some["params"]
    h = np.maximum(np.einsum("nd,kdh->knh", x, w1) + b1[:, None], 0)
    logits = np.einsum("knh,khc->knc", h, w2) + b2[:, None]
    logp = logits - logits.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    unmasked = -np.take_along_axis(logp, np.broadcast_to(y[None, :, None], logp.shape[:2] + (1,)), -1).mean((1, 2))
    np.testing.assert_allclose(some["loss"][:, -1], unmasked, rtol=1e-4)
    keep = parallel_mlps._dropout_multipliers(np.array([0.0, 0.25]), 4000, 8, np.random.default_rng(0))
    np.testing.assert_allclose(np.unique(keep[1]), [0.0, 1 / 0.75], rtol=1e-6)  # dropped, or scaled up
    assert abs((keep[1] > 0).mean() - 0.75) < 0.01
    assert (keep[0] == 1).all()
    with pytest.raises(ValueError, match="dropout"):
        parallel_mlps.train_parallel_mlps(x, y, x, y, lr, dropout=1.0, epochs=1)


def test_plot_learning_curves_draws_train_and_validation():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.plots import plot_learning_curves

    ax = plot_learning_curves({"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9]}, title="run")
    assert [line.get_label() for line in ax.get_lines()] == ["train loss", "val loss"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [2.1, 1.2, 0.9])
    with pytest.raises(ValueError, match="accuracy"):
        plot_learning_curves({"loss": [1.0]}, metric="accuracy")
    with pytest.raises(TypeError):
        plot_learning_curves([1.0, 2.0])


def test_metrics_refuse_scores_that_are_not_finite():
    """argmax of NaN is 0: all-NaN scores would count as correct for every label-0 example."""
    from course_lib import metrics

    nan = np.full((4, 2), np.nan)
    with pytest.raises(ValueError, match="probs: expected finite values"):
        recipe.accuracy(nan, np.zeros(4, int))
    with pytest.raises(ValueError, match="probs: expected finite values"):
        recipe.ensemble_probabilities(nan[None])
    with pytest.raises(ValueError, match="weights: expected finite values"):
        metrics.attention_on_mask(np.full((2, 2), np.nan), np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="weights: expected finite values"):
        metrics.alignment_accuracy(np.full((1, 2, 3), np.nan), np.zeros((1, 2), int))
    with pytest.raises(ValueError, match="boxes: expected finite values"):
        metrics.windows_in_boxes(np.zeros((1, 2, 3)), np.array([[0, 0, np.nan, 4]]))
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="mean_nll"):
            metrics.perplexity(bad)
        with pytest.raises(ValueError, match="mean_nll"):
            metrics.bits_per_char(bad)
