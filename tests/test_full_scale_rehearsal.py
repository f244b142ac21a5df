"""A rehearsal of every lesson's full-scale run (``course_lib.full_scale``).

Each lesson's ``SCALE = "full"`` cell is a call to one function of
``course_lib.full_scale``; here the same functions run end to end on fixture-size copies
of the real datasets, served from 127.0.0.1 (the ``full_scale`` fixture: the
``COURSE_MIRROR`` manifest replaces the pinned addresses and checksums, every other
connection is blocked), with random instead of ImageNet weights and one epoch each.
What is asserted is the plumbing: download, checksum, extraction and parsing, shapes,
a saved best model that reloads with safe mode on and predicts the same, a second call
that resumes the finished run instead of training again, finite metrics, the learning
curves and attention plots the lessons draw. How well the models learn is not claimed
here (fixture data is a handful of examples): that is checked by the full run itself,
whose cells assert it.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

from course_lib import env, full_scale, plots
from course_lib.data import anki

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*no GPU is visible:UserWarning")


def _curve_drawn(history):
    fig, ax = plt.subplots()
    plots.plot_learning_curves(history, ax=ax)
    assert ax.lines, "a learning curve is drawn"
    plt.close(fig)


def test_lesson_06_imdb_run_trains_saves_reloads_and_resumes(mirror_cache):
    kwargs = dict(epochs=1, max_tokens=200, seq_len=20, embed=8, units=4, run_root=mirror_cache / "runs")
    out = full_scale.imdb_sentiment(**kwargs)
    assert isinstance(out, full_scale.SentimentRun)
    assert len(out.history["loss"]) == 1 and 0 <= out.test_accuracy <= 1
    assert (mirror_cache / "runs" / "06_imdb" / "best.keras").is_file()
    _curve_drawn(out.history)
    again = full_scale.imdb_sentiment(**kwargs)
    assert again.run.initial_epoch == 1, "the finished run is resumed, not trained again"
    assert again.test_accuracy == pytest.approx(out.test_accuracy)


def test_lesson_08_anki_run_downloads_the_tf_mirror_and_translates(mirror_cache):
    path = anki.locate_anki(None)
    out = full_scale.anki_translation(path, epochs=1, limit=None, embed_dim=8, units=16,
                                      run_root=mirror_cache / "runs")
    assert isinstance(out, full_scale.TranslationRun)
    assert len(out.hypotheses) == len(out.references) == len(out.sources) == len(out.x_test) >= 1
    assert math.isfinite(out.bleu)
    reloaded = out.reloaded
    assert reloaded is not None, "best.keras reloaded with safe mode"
    x = out.x_test[:2]
    y_in = np.full((len(x), 3), out.target_vocab.start_id, "int32")
    np.testing.assert_allclose(reloaded.predict([x, y_in], verbose=0),
                               out.model.predict([x, y_in], verbose=0), atol=1e-5)
    weights, source, output = full_scale.translation_attention(out, 0)
    assert weights.shape == (len(output), len(source))
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)  # the source has no padding
    fig, ax = plt.subplots()
    plots.plot_attention_heatmap(weights, source, output, ax=ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="index: expected an int"):
        full_scale.translation_attention(out, len(out.sources))
    with pytest.raises(TypeError, match="result: expected the TranslationRun"):
        full_scale.translation_attention(vars(out), 0)  # the fields as a dict are not a run
    _curve_drawn(out.history)
    again = full_scale.anki_translation(path, epochs=1, limit=None, embed_dim=8, units=16,
                                        run_root=mirror_cache / "runs")
    assert again.run.initial_epoch == 1, "the finished run is resumed, not trained again"
    assert again.hypotheses == out.hypotheses


@pytest.mark.parametrize("decoder", ["show_and_tell", "show_attend_tell"])
def test_lessons_09_10_flickr8k_runs_download_encode_cache_train_and_caption(mirror_cache, decoder, capsys):
    # 64-pixel photos: MobileNetV2's grid is then 2×2 cells
    kwargs = dict(epochs=1, weights=None, image_size=64, embed_dim=8, units=8, min_count=1,
                  max_len=12, run_root=mirror_cache / "runs")
    out = full_scale.caption_flickr8k(decoder, None, **kwargs)
    assert isinstance(out, full_scale.CaptioningRun)
    assert len(out.hypotheses) == len(out.test_images) == len(out.references) >= 1
    assert all(math.isfinite(v) for v in out.bleu.values())
    assert "features:" in capsys.readouterr().out, "feature extraction shows its progress"
    if decoder == "show_attend_tell":
        assert out.alpha.shape[0] == len(out.test_images) and out.alpha.shape[2:] == (2, 2)
        fig, ax = plt.subplots()
        image = np.zeros((64, 64, 3), "float32")
        plots.plot_image_attention(image, out.alpha[0, 0], ax=ax)
        plt.close(fig)
    else:
        assert out.alpha is None
    _curve_drawn(out.history)
    again = full_scale.caption_flickr8k(decoder, None, **kwargs)
    assert "cached features" in capsys.readouterr().out, "features are read back, not recomputed"
    assert again.run.initial_epoch == 1, "the finished run is resumed, not trained again"
    assert again.hypotheses == out.hypotheses, "the resumed run is the finished one"


def test_lesson_11_flowers_run_both_phases_reload(mirror_cache):
    kwargs = dict(size=32, epochs=1, weights=None, width=0.35, test_fraction=0.5, run_root=mirror_cache / "runs")
    out = full_scale.flowers_transfer(**kwargs)
    assert isinstance(out, full_scale.FlowersRun)
    assert 0 <= out.frozen_accuracy <= 1 and 0 <= out.tuned_accuracy <= 1
    for phase in ("frozen", "tuned"):
        assert (mirror_cache / "runs" / f"11_flowers_{phase}" / "best.keras").is_file()
        _curve_drawn(out.histories[phase])
    again = full_scale.flowers_transfer(**kwargs)
    assert [again.runs[p].initial_epoch for p in ("frozen", "tuned")] == [1, 1], "both phases resume"
    assert again.tuned_accuracy == pytest.approx(out.tuned_accuracy)


def test_lesson_06_another_model_can_be_trained_in_its_place(mirror_cache):
    import keras

    def one_lstm(vocab_size):
        return keras.Sequential([keras.layers.Embedding(vocab_size, 8, mask_zero=True), keras.layers.LSTM(4),
                                 keras.layers.Dense(1, activation="sigmoid")])

    out = full_scale.imdb_sentiment(epochs=1, max_tokens=200, seq_len=20, build=one_lstm,
                                    run_root=mirror_cache / "runs_lstm")
    assert [type(layer).__name__ for layer in out.model.layers] == ["Embedding", "LSTM", "Dense"]
    with pytest.raises(TypeError, match="build: expected a function"):
        full_scale.imdb_sentiment(epochs=1, build="lstm", run_root=mirror_cache / "runs_bad")


def test_without_a_gpu_a_full_run_warns_with_an_estimate():
    with pytest.warns(UserWarning, match=r"demo: no GPU is visible; 7,200 training steps .* roughly 1\.0 h"):
        assert env.warn_without_gpu("demo", 7200, 0.5)
    with pytest.warns(UserWarning, match=r"SCALE is 'full': no GPU is visible; .*each run prints an estimate"):
        assert env.warn_without_gpu("SCALE is 'full'")
    with pytest.raises(TypeError, match="steps and seconds_per_step: give both"):
        env.warn_without_gpu("demo", 7200)


def test_lesson_13_mnist_downloads_and_its_full_settings_train_save_and_resume(mirror_cache):
    import keras

    from course_lib import glimpses, metrics
    from course_lib.data import cluttered, mnist

    full = glimpses.SETTINGS["full"]
    (x, y), (xt, yt) = mnist.load_mnist()
    assert x.shape[1:] == (28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    train = cluttered.clutter(x, y, full["canvas"], pieces=full["pieces"], piece_size=full["piece"], seed=0)
    assert train.images.shape[1:] == (60, 60)
    model = glimpses.GlimpseClassifier(full["canvas"], 10, glimpses=full["glimpses"], window=full["window"], units=8)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    labels = np.repeat(train.labels[:, None], model.steps, axis=1)
    kwargs = dict(name="13_glimpses", epochs=1, run_root=mirror_cache / "runs")
    run = full_scale.fit_named_run(model, train.images, labels, **kwargs)
    assert len(run.history["loss"]) == 1 and math.isfinite(run.history["loss"][0])
    assert metrics.windows_in_boxes(model.windows(train.images[:4]), train.boxes[:4]).shape == (full["glimpses"],)
    best = keras.saving.load_model(mirror_cache / "runs" / "13_glimpses" / "best.keras", safe_mode=True)
    np.testing.assert_allclose(best.predict(train.images[:4], verbose=0), model.predict(train.images[:4], verbose=0),
                               atol=1e-5)
    assert full_scale.fit_named_run(model, train.images, labels, **kwargs).initial_epoch == 1, "resumed"
    # the drawer at full settings on MNIST's 28×28 digits (its training is the same fit_named_run)
    drawer = glimpses.Drawer(28, steps=full["draw_steps"], window=full["draw_window"], units=8,
                             max_stride=full["draw_max_stride"])
    canvases, writes = drawer.canvases(xt[:3])
    assert canvases.shape == (3, full["draw_steps"], 28, 28) and writes[..., 2].max() <= full["draw_max_stride"] + 1e-6


def test_lesson_14_full_settings_build_train_score_export_and_reload(tmp_path):
    """The full search's settings (T = 50, 32 units, the looped bank) on eight of its cells, one step."""
    import keras

    from course_lib import cell_bank, cell_search

    full = cell_search.SETTINGS["full"]
    roster = cell_search.search_roster(full["copies"], full["mutants"], full["randoms"], seed=0)
    assert len(roster.rules) == 4 * full["copies"] + full["mutants"] + full["randoms"]
    for name in cell_search.TASKS:
        task = cell_search.search_task(name, full["T"], 4 * full["batch_size"], 64, seed=0)
        cells = np.r_[roster.where("reference")[:4], roster.where("mutant")[:2], roster.where("random")[:2]]
        result = cell_search.evaluate_rules([roster.rules[i] for i in cells], task, units=full["units"], steps=1,
                                            batch_size=full["batch_size"], learning_rate=full["learning_rate"],
                                            bias=roster.bias[cells], unroll=full["unroll"], seed=0)
        assert result.losses.shape == (1, len(cells)) and np.isfinite(result.losses).all()
        assert result.scores.shape == (len(cells),)
    cell, (V, c) = cell_bank.export_cell(result.bank, 4)
    inputs = keras.Input(task.x.shape[1:])
    model = keras.Model(inputs, keras.layers.RNN(cell)(inputs) @ V + c)
    model.save(tmp_path / "best_cell.keras")
    back = keras.saving.load_model(tmp_path / "best_cell.keras", safe_mode=True)
    np.testing.assert_allclose(back.predict(task.x_val[:8], verbose=0), model.predict(task.x_val[:8], verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(model.predict(task.x_val[:8], verbose=0), result.bank(task.x_val[:8]).numpy()[:, 4],
                               atol=1e-5)
