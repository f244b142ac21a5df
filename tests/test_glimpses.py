"""The read/write window, the glimpse and drawing RNNs, cluttered digits and MNIST parsing."""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

from course_lib import glimpses, metrics, plots
from course_lib.data import cluttered, mnist
from course_lib.gradcheck import numeric_gradient, rel_error

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RNG = np.random.default_rng(0)


def _window(*values, dtype="float64"):
    return [tf.constant([v], dtype) for v in values]


# -- the window ------------------------------------------------------------------------------

def test_filters_are_normalised_gaussians_at_their_centres():
    f = glimpses.window_filters(tf.constant([5.0, 2.0]), tf.constant([2.0, 1.0]), 3, 12).numpy()
    assert f.shape == (2, 3, 12)
    np.testing.assert_allclose(f.sum(-1), 1.0, atol=1e-6)
    assert list(f[0].argmax(-1)) == [3, 5, 7], "filter i sits at centre + (i - 1) * stride"
    assert list(f[1].argmax(-1)) == [1, 2, 3]


def test_a_narrow_window_on_the_pixel_grid_reads_nearly_the_pixels():
    image = RNG.random((1, 10, 10)).astype("float32")
    glimpse = glimpses.read_window(image, *_window(4.0, 3.0, glimpses.MIN_STRIDE, dtype="float32"), 2).numpy()
    # filters at 3.625 / 4.375 (rows) put most of their weight on pixels 3-4 / 4-5
    assert glimpse.shape == (1, 2, 2)
    assert abs(glimpse[0, 0, 0] - image[0, 3:5, 2:4].mean()) < 0.35


def test_write_is_the_transpose_of_read():
    x = tf.constant(RNG.random((3, 9, 11)))
    p = tf.constant(RNG.normal(size=(3, 4, 4)))
    at = [tf.constant(RNG.uniform(1, 8, 3)) for _ in range(2)] + [tf.constant(RNG.uniform(0.8, 2.5, 3))]
    lhs = tf.reduce_sum(glimpses.read_window(x, *at, 4) * p, axis=(1, 2))
    rhs = tf.reduce_sum(x * glimpses.write_window(p, *at, (9, 11)), axis=(1, 2))
    np.testing.assert_allclose(lhs.numpy(), rhs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("what", ["read", "write"])
def test_window_gradients_match_finite_differences(what):
    x = tf.constant(RNG.random((1, 12, 12)))
    p = tf.constant(RNG.normal(size=(1, 4, 4)))

    def score(values):
        y, c, s = (tf.reshape(v, (1,)) for v in values)
        if what == "read":
            return tf.reduce_sum(glimpses.read_window(x, y, c, s, 4) * p)
        return tf.reduce_sum(glimpses.write_window(p, y, c, s, (12, 12)) * x)

    window = np.array([5.3, 6.7, 1.4])
    at = [tf.constant([v]) for v in window]
    with tf.GradientTape() as tape:
        tape.watch(at)
        value = score(at)
    auto = np.array([float(g[0]) for g in tape.gradient(value, at)])
    numeric = numeric_gradient(lambda: float(score([tf.constant(v) for v in window])), window, h=1e-6)
    assert np.abs(auto).min() > 1e-4, "the score depends on every window parameter"
    assert rel_error(auto, numeric) < 1e-6


def test_window_from_params_stays_on_the_image():
    params = tf.constant([[-50.0, 50.0, -50.0], [50.0, -50.0, 50.0], [0.0, 0.0, 0.0]])
    y, x, s = (v.numpy() for v in glimpses.window_from_params(params, 24, 6))
    assert y.min() >= 0 and y.max() <= 23 and x.min() >= 0 and x.max() <= 23
    assert s[0] == pytest.approx(glimpses.MIN_STRIDE) and s[1] == pytest.approx(23 / 5)
    assert y[2] == pytest.approx(11.5) and x[2] == pytest.approx(11.5)
    capped = glimpses.window_from_params(params, 24, 6, max_stride=1.5)[2].numpy()
    assert capped.max() == pytest.approx(1.5)


@pytest.mark.parametrize("call, message", [
    (lambda: glimpses.read_window(np.zeros((2, 8), "float32"), *_window(1.0, 1.0, 1.0), 3), "images"),
    (lambda: glimpses.read_window(np.zeros((2, 8, 8), "float32"), *_window(1.0, 1.0, 1.0), 3), "batch size"),
    (lambda: glimpses.write_window(np.zeros((1, 3, 4), "float32"), *_window(1.0, 1.0, 1.0), (8, 8)), "patch"),
    (lambda: glimpses.write_window(np.zeros((1, 3, 3), "float32"), *_window(1.0, 1.0, 1.0), 8), "size"),
    (lambda: glimpses.window_from_params(np.zeros((2, 3), "float32"), 10, 4, max_stride=20.0), "max_stride"),
    (lambda: glimpses.GlimpseCell(6, 10, window=8), "window"),
    (lambda: glimpses.GlimpseCell(24, 1), "classes"),
    (lambda: glimpses.GlimpseCell(24, 10, centred="yes"), "centred"),
    (lambda: glimpses.GlimpseCell(24, 10, feed_window=1), "feed_window"),
    (lambda: glimpses.window_filters(tf.constant([1.0]), tf.constant([0.0]), 3, 8), "stride"),
    (lambda: glimpses.window_from_params(np.zeros((2, 3), "float32"), 4, 6), "n"),
    (lambda: glimpses.GlimpseClassifier(24, 10)(np.zeros((2, 20, 20), "float32")), "images"),
])
def test_bad_inputs_are_refused_by_name(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# -- the models ------------------------------------------------------------------------------

def test_glimpse_classifier_shapes_windows_and_safe_mode_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    model = glimpses.GlimpseClassifier(12, 3, glimpses=4, window=3, units=8)
    images = RNG.random((5, 12, 12)).astype("float32")
    assert model(images).shape == (5, 4, 3)
    windows = model.windows(images)
    assert windows.shape == (5, 4, 3)
    np.testing.assert_allclose(windows[:, 0], [[5.5, 5.5, (glimpses.MIN_STRIDE + 11 / 2) / 2]] * 5, rtol=1e-5,
                               err_msg="h0 = 0 and a zero-initialised `where` give the middle window")
    model.save(tmp_path / "g.keras")
    again = keras.saving.load_model(tmp_path / "g.keras", safe_mode=True)
    np.testing.assert_allclose(again.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    assert again.get_config()["glimpses"] == 4


def test_centred_classifier_reads_the_centre_crop_and_has_no_placing_layer():
    cell = glimpses.GlimpseCell(9, 2, window=3, units=4, centred=True)
    out, _ = cell(tf.zeros((2, 81)), [tf.zeros((2, 4))])
    np.testing.assert_allclose(out[:, 2:].numpy(), [[4.0, 4.0, 1.0]] * 2)
    assert cell.where is None
    assert glimpses.GlimpseCell.from_config(cell.get_config()).centred


def test_drawer_builds_its_canvas_by_adding_writes(tmp_path):
    keras.utils.set_random_seed(0)
    model = glimpses.Drawer(10, steps=3, window=3, units=6, code=2, max_stride=1.2)
    images = RNG.random((4, 10, 10)).astype("float32")
    canvases, writes = model.canvases(images)
    assert canvases.shape == (4, 3, 10, 10) and writes.shape == (4, 3, 3)
    np.testing.assert_allclose(model.predict(images, verbose=0), canvases[:, -1], atol=1e-6)
    assert writes[..., 2].max() <= 1.2 + 1e-6
    # the ink a step adds is one write: at most a window's worth of pixels far from zero
    first = np.abs(canvases[:, 0])
    assert (first > 1e-3 * first.max()).sum(axis=(1, 2)).max() < 100
    model.save(tmp_path / "d.keras")
    again = keras.saving.load_model(tmp_path / "d.keras", safe_mode=True)
    np.testing.assert_allclose(again.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    assert again.get_config()["max_stride"] == 1.2


def test_windows_in_boxes_counts_centres_on_the_object():
    windows = np.array([[[2.0, 2.0, 1.0], [9.0, 9.0, 1.0]], [[5.0, 5.0, 1.0], [5.0, 5.0, 1.0]]])
    boxes = np.array([[0, 0, 4, 4], [0, 0, 4, 4]])
    np.testing.assert_allclose(metrics.windows_in_boxes(windows, boxes), [0.5, 0.0])
    with pytest.raises(ValueError, match="boxes"):
        metrics.windows_in_boxes(windows, boxes[:1])


def test_plot_windows_draws_one_square_per_window_and_the_box():
    fig, ax = plt.subplots()
    plots.plot_windows(np.zeros((8, 8)), np.array([[3.0, 3.0, 1.0], [4.0, 4.0, 2.0]]), 2, ax=ax, box=(1, 1, 5, 5))
    assert len(ax.patches) == 3 and [t.get_text() for t in ax.texts] == ["1", "2"]
    plt.close(fig)


# -- cluttered digits and MNIST --------------------------------------------------------------

def test_clutter_pastes_each_digit_whole_inside_its_box():
    digits = RNG.random((5, 4, 4)).astype("float32")
    out = cluttered.clutter(digits, np.arange(5), 10, pieces=3, piece_size=2, copies=2, seed=1)
    assert out.images.shape == (10, 10, 10) and list(out.labels) == [0, 1, 2, 3, 4] * 2
    for image, label, (top, left, bottom, right) in zip(*out):
        assert bottom - top == 4 and right - left == 4
        assert (image[top:bottom, left:right] >= digits[label] - 1e-7).all()
    again = cluttered.clutter(digits, np.arange(5), 10, pieces=3, piece_size=2, copies=2, seed=1)
    np.testing.assert_array_equal(again.images, out.images)
    assert cluttered.box_area_fraction(out.boxes, 10) == pytest.approx(0.16)


@pytest.mark.parametrize("kwargs, message", [
    (dict(size=3), "size"),
    (dict(piece_size=5), "piece_size"),
    (dict(digits=np.full((2, 4, 4), 2.0)), "digits"),
    (dict(labels=np.arange(3)), "labels"),
])
def test_clutter_refuses_bad_arguments(kwargs, message):
    args = dict(digits=np.zeros((2, 4, 4)), labels=np.arange(2), size=8) | kwargs
    with pytest.raises(ValueError, match=message):
        cluttered.clutter(**args)


def _write_mnist(path, **override):
    arrays = {"x_train": RNG.integers(0, 256, (6, 28, 28)).astype("uint8"), "y_train": np.arange(6, dtype="uint8"),
              "x_test": RNG.integers(0, 256, (2, 28, 28)).astype("uint8"), "y_test": np.array([7, 9], "uint8")}
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_read_mnist_scales_images_and_keeps_labels(tmp_path):
    (x, y), (xt, yt) = mnist.read_mnist(_write_mnist(tmp_path / "mnist.npz"))
    assert x.shape == (6, 28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert list(y) == list(range(6)) and list(yt) == [7, 9]


@pytest.mark.parametrize("override, message", [
    (dict(y_test=None), "missing"),
    (dict(x_train=np.zeros((6, 28, 27), "uint8")), "x_train"),
    (dict(y_train=np.arange(6) + 5), "labels 0..9"),
    (dict(x_test=np.zeros((2, 28, 28), "float64")), "uint8"),
])
def test_read_mnist_refuses_other_files(tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        mnist.read_mnist(_write_mnist(tmp_path / "mnist.npz", **override))
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(ValueError, match="npz"):
        mnist.read_mnist(tmp_path / "text.npz")
