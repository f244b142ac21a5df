"""Attention windows that read from and write to an image, and two RNNs built on them.

A *window* is DRAW's grid of ``n × n`` Gaussian filters (Gregor et al., 2015): its centre
``(g_y, g_x)`` and its stride ``δ`` (pixels between neighbouring filter centres) say where
it looks and how far apart its samples are; every filter has the width ``σ = δ / 2``, so
a wide window averages (a blurred overview) and a narrow one reads single pixels. With
the filter matrices ``F_y: (n, H)`` and ``F_x: (n, W)``:

* ``read_window``:  ``glimpse = F_y · image · F_xᵀ``, an ``(n, n)`` patch;
* ``write_window``: ``image = F_yᵀ · patch · F_x``, the patch painted back at the window.

Both are smooth in the centre and the stride, so a network that chooses the window is
trained by ordinary backpropagation.

* ``GlimpseClassifier`` looks at an image through a few small windows, one after another;
  a GRU decides where to look next from what it has seen, and guesses the class after
  every glimpse.
* ``Drawer`` writes an image onto a blank canvas in a few steps, one small window at a
  time (DRAW without the variational part: an encoder GRU sees the image and what is
  still missing, a decoder GRU chooses where and what to paint).

Both are ``keras.layers.RNN`` over a "sequence" that is the same image at every step: the
sequence is in the computation, not in the data.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from course_lib.checks import check_array, check_positive, check_positive_int, check_tensor, known_values

__all__ = [
    "SETTINGS",
    "DrawCell",
    "Drawer",
    "GlimpseCell",
    "GlimpseClassifier",
    "MIN_STRIDE",
    "read_window",
    "window_filters",
    "window_from_params",
    "write_window",
]

_PACKAGE = "course_lib"
#: The narrowest stride a learned window may take, in pixels.
MIN_STRIDE = 0.75

#: Lesson 13's sizes per scale: the cluttered canvas (side, clutter pieces and their side,
#: canvases per digit), the glimpse classifier (window, glimpses, units, epochs) and the
#: drawer (upsampling of the digits, window, stride cap, steps, units, epochs). Lesson
#: scale: scikit-learn's 8×8 digits; full scale: MNIST's 28×28 digits.
SETTINGS = {
    "lesson": dict(canvas=24, pieces=4, piece=3, copies=3, window=6, glimpses=6, units=128, epochs=18,
                   draw_scale=2, draw_window=4, draw_max_stride=1.5, draw_steps=8, draw_units=64, draw_epochs=20),
    "full": dict(canvas=60, pieces=8, piece=8, copies=1, window=12, glimpses=8, units=256, epochs=10,
                 draw_scale=1, draw_window=6, draw_max_stride=1.5, draw_steps=16, draw_units=256, draw_epochs=10),
}


def window_filters(centre, stride, n: int, size: int):
    """Gaussian filters of a window along one image axis.

    Args:
        centre: (batch,) window centres, in pixels (0 is the first pixel's centre).
        stride: (batch,) distances between neighbouring filter centres, in pixels (> 0).
        n: filters per axis.
        size: pixels along the axis.

    Returns:
        ``F: (batch, n, size)``; row ``i`` is a Gaussian of width ``stride / 2`` centred at
        ``centre + (i - (n - 1) / 2) · stride``, normalised to sum to one.
    """
    n = check_positive_int(n, "n")
    size = check_positive_int(size, "size")
    check_tensor(centre, "centre", ("batch",))
    _same_batch(("centre", centre), ("stride", check_tensor(stride, "stride", ("batch",))))
    _check_positive_values(stride, "stride")
    dtype = keras.backend.standardize_dtype(centre.dtype)  # float32 in models, float64 for checks
    stride = ops.cast(stride, dtype)
    offsets = ops.arange(n, dtype=dtype) - (n - 1) / 2
    mu = ops.expand_dims(centre, -1) + offsets[None, :] * ops.expand_dims(stride, -1)  # (batch, n)
    pixels = ops.arange(size, dtype=dtype)
    var = ops.square(stride / 2)[:, None, None]
    f = ops.exp(-ops.square(pixels[None, None, :] - mu[:, :, None]) / (2 * var))
    return f / (ops.sum(f, axis=-1, keepdims=True) + 1e-8)


def _check_positive_values(x, name: str) -> None:
    """Refuse values <= 0 when they are known (eager); traced values pass."""
    values = known_values(x)
    if values is not None and np.any(values <= 0):  # NaN passes: it comes from the input and shows in the output
        raise ValueError(f"{name}: expected values > 0 (pixels), got {np.min(values)}")


def _same_batch(*named):
    """Raise unless the tensors' first axes agree (where they are known)."""
    sizes = [(name, x.shape[0]) for name, x in named if x.shape[0] is not None]
    if len({size for _, size in sizes}) > 1:
        raise ValueError("expected the same batch size, got " + ", ".join(f"{n}: {s}" for n, s in sizes))


def _filters(data, data_name, size, centre_y, centre_x, stride, n):
    """Both filter matrices in the dtype of ``data`` (the image or the patch)."""
    check_tensor(centre_y, "centre_y", ("batch",))
    check_tensor(centre_x, "centre_x", ("batch",))
    check_tensor(stride, "stride", ("batch",))
    _same_batch((data_name, data), ("centre_y", centre_y), ("centre_x", centre_x), ("stride", stride))
    dtype = keras.backend.standardize_dtype(data.dtype)
    centre_y, centre_x, stride = (ops.cast(v, dtype) for v in (centre_y, centre_x, stride))
    return window_filters(centre_y, stride, n, size[0]), window_filters(centre_x, stride, n, size[1])


def read_window(images, centre_y, centre_x, stride, n: int):
    """Read an ``n × n`` glimpse: ``F_y · image · F_xᵀ``.

    Args:
        images: (batch, H, W).
        centre_y, centre_x, stride: (batch,) the window, in pixels.
        n: the glimpse's size.

    Returns:
        ``glimpse: (batch, n, n)``, each value a weighted average of pixels.
    """
    check_tensor(images, "images", ("batch", "H", "W"))
    fy, fx = _filters(images, "images", tuple(images.shape[1:]), centre_y, centre_x, stride, n)
    return ops.matmul(ops.matmul(fy, images), ops.transpose(fx, (0, 2, 1)))


def write_window(patch, centre_y, centre_x, stride, size):
    """Paint an ``n × n`` patch into a blank image at the window: ``F_yᵀ · patch · F_x``.

    Args:
        patch: (batch, n, n).
        centre_y, centre_x, stride: (batch,) the window, in pixels.
        size: ``(H, W)`` of the image written to.

    Returns:
        ``image: (batch, H, W)``, zero far from the window.
    """
    check_tensor(patch, "patch", ("batch", "n", "n"))
    if patch.shape[1] != patch.shape[2]:
        raise ValueError(f"patch: expected a square (batch, n, n) patch, got shape {tuple(patch.shape)}")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size: expected (H, W), got {size!r}")
    size = (check_positive_int(size[0], "size[0]"), check_positive_int(size[1], "size[1]"))
    fy, fx = _filters(patch, "patch", size, centre_y, centre_x, stride, int(patch.shape[1]))
    return ops.matmul(ops.matmul(ops.transpose(fy, (0, 2, 1)), patch), fx)


def window_from_params(params, size: int, n: int, max_stride: float | None = None):
    """Turn three unbounded numbers per example into a window that stays on the image.

    Args:
        params: (batch, 3) raw outputs of a Dense layer.
        size: the image's side in pixels.
        n: the window's filters per axis (>= 2).
        max_stride: the widest stride allowed (default: the window spans the whole image).

    Returns:
        ``(centre_y, centre_x, stride)``, each ``(batch,)``: the centres through ``tanh``
        onto ``[0, size - 1]``, the stride through a sigmoid onto ``[MIN_STRIDE, max_stride]``.
        Zeros give the image's centre and the middle of the stride range.
    """
    check_tensor(params, "params", ("batch", 3))
    size = check_positive_int(size, "size", minimum=2)
    n = check_positive_int(n, "n", minimum=2)
    half = (size - 1) / 2
    if n > size:
        raise ValueError(f"n: expected at most size={size} filters, got {n}")
    widest = (size - 1) / (n - 1) if max_stride is None else check_positive(max_stride, "max_stride")
    if max_stride is not None and not MIN_STRIDE < widest <= size - 1:
        raise ValueError(f"max_stride: expected a number in ({MIN_STRIDE}, {size - 1}], got {max_stride!r}")
    widest = max(widest, MIN_STRIDE)
    centre_y = half * (ops.tanh(params[:, 0]) + 1)
    centre_x = half * (ops.tanh(params[:, 1]) + 1)
    stride = MIN_STRIDE + (widest - MIN_STRIDE) * ops.sigmoid(params[:, 2])
    return centre_y, centre_x, stride


class _WindowCell(layers.Layer):
    """Shared sizes and config of the two cells (images are ``size × size``)."""

    def __init__(self, size: int, window: int, units: int, **kwargs):
        super().__init__(**kwargs)
        self.size = check_positive_int(size, "size", minimum=2)
        self.window = check_positive_int(window, "window", minimum=2)
        self.units = check_positive_int(units, "units")
        if self.window > self.size:
            raise ValueError(f"window: expected at most size={self.size} filters, got {self.window}")

    def _step_input(self, inputs, states, sizes):
        """Check ``inputs: (batch, size·size)`` and ``states``: one (batch, k) tensor per k in ``sizes``."""
        check_tensor(inputs, "inputs", ("batch", self.size * self.size))
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(sizes):
            raise ValueError(f"states: expected {len(sizes)} state tensor(s) of sizes {list(sizes)}, got {len(states)}")
        for state, k in zip(states, sizes):
            check_tensor(state, "states", (inputs.shape[0], k))
        return states

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "window": self.window, "units": self.units})
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GlimpseCell(_WindowCell):
    """One glimpse: read at the window ``h_{t-1}`` chose, update ``h``, guess the class.

    Per step: ``inputs: (N, size·size)`` (the flattened image, the same at every step),
    state ``h: (N, units)``; output ``(N, classes + 3)``: the class logits after this
    glimpse, then the window read (``centre_y, centre_x, stride``). With ``centred=True``
    the window is fixed at the image's centre with stride 1 (a plain crop). With
    ``feed_window=False`` the GRU sees only the glimpse, not where it was taken.
    """

    def __init__(self, size: int, classes: int, window: int = 6, units: int = 128, centred: bool = False,
                 feed_window: bool = True, **kwargs):
        super().__init__(size, window, units, **kwargs)
        self.classes = check_positive_int(classes, "classes", minimum=2)
        for name, value in (("centred", centred), ("feed_window", feed_window)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: expected True or False, got {value!r}")
        self.centred, self.feed_window = centred, feed_window
        self.state_size = self.units
        self.output_size = self.classes + 3
        # a centred window is fixed, so only a moving one has a layer that places it
        self.where = None if centred else layers.Dense(3, kernel_initializer="zeros", name="where")
        self.see = layers.Dense(self.units, activation="relu", name="see")
        self.gru = layers.GRUCell(self.units, name="gru")
        self.guess = layers.Dense(self.classes, name="guess")

    def build(self, input_shape):
        if self.where is not None:
            self.where.build((None, self.units))
        self.see.build((None, self.window * self.window + 3))
        self.gru.build((None, self.units))
        self.guess.build((None, self.units))

    def call(self, inputs, states, training=None):
        (h,) = self._step_input(inputs, states, [self.units])
        image = ops.reshape(inputs, (-1, self.size, self.size))
        if self.centred:
            centre = ops.full((ops.shape(image)[0],), (self.size - 1) / 2)
            window = (centre, centre, ops.ones_like(centre))
        else:
            window = window_from_params(self.where(h), self.size, self.window)
        glimpse = read_window(image, *window, self.window)
        where = ops.stack(window, axis=-1)  # (N, 3)
        position = where / self.size if self.feed_window else ops.zeros_like(where)
        seen = self.see(ops.concatenate([ops.reshape(glimpse, (-1, self.window**2)), position], -1))
        h, _ = self.gru(seen, [h], training=training)
        return ops.concatenate([self.guess(h), where], -1), [h]

    def get_config(self):
        config = super().get_config()
        config.update({"classes": self.classes, "centred": self.centred, "feed_window": self.feed_window})
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class DrawCell(_WindowCell):
    """One drawing step: look at the image and at what is missing, paint one window.

    Per step: ``inputs: (N, size·size)`` (the flattened target image), states
    ``[h_enc: (N, units), h_dec: (N, units), canvas: (N, size·size)]``; output
    ``(N, size·size + 3)``: the canvas after this step, then the window written.
    ``code`` is the size of the vector the encoder passes to the decoder each step;
    ``max_stride`` bounds the write window's stride (``None``: it may span the image).
    """

    def __init__(self, size: int, window: int = 4, units: int = 64, code: int = 8,
                 max_stride: float | None = None, **kwargs):
        super().__init__(size, window, units, **kwargs)
        self.code = check_positive_int(code, "code")
        self.max_stride = None if max_stride is None else check_positive(max_stride, "max_stride")
        window_from_params(ops.zeros((1, 3)), self.size, self.window, self.max_stride)  # validates it
        self.state_size = [self.units, self.units, self.size * self.size]
        self.output_size = self.size * self.size + 3
        self.encoder = layers.GRUCell(self.units, name="encoder")
        self.to_code = layers.Dense(self.code, name="to_code")
        self.decoder = layers.GRUCell(self.units, name="decoder")
        self.where = layers.Dense(3, kernel_initializer="zeros", name="where")
        self.what = layers.Dense(self.window * self.window, name="what")

    def build(self, input_shape):
        self.encoder.build((None, 2 * self.size * self.size + self.units))
        self.to_code.build((None, self.units))
        self.decoder.build((None, self.code))
        self.where.build((None, self.units))
        self.what.build((None, self.units))

    def call(self, inputs, states, training=None):
        h_enc, h_dec, canvas = self._step_input(inputs, states, self.state_size)
        target = inputs
        missing = target - canvas
        h_enc, _ = self.encoder(ops.concatenate([target, missing, h_dec], -1), [h_enc], training=training)
        h_dec, _ = self.decoder(self.to_code(h_enc), [h_dec], training=training)
        window = window_from_params(self.where(h_dec), self.size, self.window, self.max_stride)
        patch = ops.reshape(self.what(h_dec), (-1, self.window, self.window))
        stroke = write_window(patch, *window, (self.size, self.size))
        canvas = canvas + ops.reshape(stroke, (-1, self.size * self.size))
        return ops.concatenate([canvas, ops.stack(window, axis=-1)], -1), [h_enc, h_dec, canvas]

    def get_config(self):
        config = super().get_config()
        config.update({"code": self.code, "max_stride": self.max_stride})
        return config


class _StepModel(keras.Model):
    """A cell run for ``steps`` steps over copies of one image; ``trace`` returns every step."""

    def _check_images(self, images):
        check_tensor(images, "images", ("batch", self.size, self.size))
        return ops.repeat(ops.reshape(images, (-1, 1, self.size * self.size)), self.steps, axis=1)

    def trace(self, images, batch_size: int = 256):
        """Every step's output for NumPy ``images: (N, size, size)``, as NumPy ``(N, steps, ...)``."""
        images = check_array(images, "images", ("N", self.size, self.size), dtype="float").astype("float32")
        outs = [ops.convert_to_numpy(self.rnn(self._check_images(ops.convert_to_tensor(images[i:i + batch_size]))))
                for i in range(0, len(images), batch_size)]
        return np.concatenate(outs)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GlimpseClassifier(_StepModel):
    """Classify ``images: (N, size, size)`` from ``glimpses`` glimpses of ``window × window``.

    ``model(images)`` gives the logits after every glimpse, ``(N, glimpses, classes)``;
    train it with the label repeated at every step, so that each glimpse is asked for
    the answer. ``windows(images)`` gives where it looked, ``(N, glimpses, 3)``.
    """

    def __init__(self, size: int, classes: int, glimpses: int = 6, window: int = 6, units: int = 128,
                 centred: bool = False, feed_window: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.steps = check_positive_int(glimpses, "glimpses")
        self.cell = GlimpseCell(size, classes, window, units, centred, feed_window, name="glimpse_cell")
        self.size, self.classes = self.cell.size, self.cell.classes
        # unrolled: a few steps of small operations run faster as one graph than as a loop
        self.rnn = layers.RNN(self.cell, return_sequences=True, unroll=True, name="glimpses")

    def call(self, images):
        return self.rnn(self._check_images(images))[..., : self.classes]

    def windows(self, images, batch_size: int = 256):
        """``(N, glimpses, 3)``: centre_y, centre_x and stride of every glimpse, in pixels."""
        return self.trace(images, batch_size)[..., self.classes:]

    def get_config(self):
        config = super().get_config()
        cell = self.cell
        config.update({"size": self.size, "classes": self.classes, "glimpses": self.steps,
                       "window": cell.window, "units": cell.units, "centred": cell.centred,
                       "feed_window": cell.feed_window})
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Drawer(_StepModel):
    """Redraw ``images: (N, size, size)`` on a blank canvas in ``steps`` windows.

    ``model(images)`` gives the final canvas ``(N, size, size)`` (train it to match the
    images); ``canvases(images)`` gives every step's canvas ``(N, steps, size, size)``
    and the windows written, ``(N, steps, 3)``.
    """

    def __init__(self, size: int, steps: int = 8, window: int = 4, units: int = 64, code: int = 8,
                 max_stride: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.steps = check_positive_int(steps, "steps")
        self.cell = DrawCell(size, window, units, code, max_stride, name="draw_cell")
        self.size = self.cell.size
        self.rnn = layers.RNN(self.cell, return_sequences=True, name="drawing")

    def call(self, images):
        last = self.rnn(self._check_images(images))[:, -1, : self.size * self.size]
        return ops.reshape(last, (-1, self.size, self.size))

    def canvases(self, images, batch_size: int = 256):
        """``(canvases (N, steps, size, size), windows (N, steps, 3))`` for NumPy ``images``."""
        out = self.trace(images, batch_size)
        area = self.size * self.size
        return out[..., :area].reshape(len(out), self.steps, self.size, self.size), out[..., area:]

    def get_config(self):
        config = super().get_config()
        cell = self.cell
        config.update({"size": self.size, "steps": self.steps, "window": cell.window,
                       "units": cell.units, "code": cell.code, "max_stride": cell.max_stride})
        return config
