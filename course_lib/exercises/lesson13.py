"""Checks for exercises/13_rnns_beyond_sequences.ipynb: DRAW's Gaussian filterbank, reading a
glimpse through it, turning a layer's outputs into a window on the image, and the share of
glimpses that land on the digit."""

from __future__ import annotations

import numpy as np

from course_lib.exercises.core import NotRight, answer, exercise, expect_close

__all__ = ["glimpses_on_digit", "read_glimpse", "window_filters", "window_from_params"]


def _windows(seed: int, batch: int, size: int):
    """centre (batch,) in pixels on an axis of ``size``, stride (batch,) from 0.8 to 3 pixels: float64."""
    rng = np.random.default_rng(seed)
    return rng.uniform(1.0, size - 2.0, batch), rng.uniform(0.8, 3.0, batch)


def _library_filters(centre, stride, n: int, size: int) -> np.ndarray:
    """course_lib.glimpses.window_filters in float64: (batch, n, size)."""
    import keras

    from course_lib import glimpses

    return keras.ops.convert_to_numpy(glimpses.window_filters(keras.ops.convert_to_tensor(centre),
                                                              keras.ops.convert_to_tensor(stride), n, size))


@exercise("13.1", "DRAW's Gaussian filterbank",
          "filter i is centred at centre + (i − (n − 1)/2) · stride and has the width σ = stride/2; "
          "evaluate it at every pixel 0..size−1, then divide each row by its own sum")
def window_filters(student):
    """student(centre (B,), stride (B,), n, size) -> F: (B, n, size)."""
    for seed, n, size in ((1, 5, 17), (2, 4, 11)):
        centre, stride = _windows(seed, 3, size)
        got = answer(student, centre.copy(), stride.copy(), n, size)
        expect_close(got, _library_filters(centre, stride, n, size),
                     f"F for {n} filters over {size} pixels (against course_lib.glimpses.window_filters)", tol=1e-6)


def _glimpse_inputs(seed: int = 3, batch: int = 3, H: int = 14, W: int = 19, n: int = 4):
    """images (B, H, W) and their windows' filters Fy (B, n, H), Fx (B, n, W), float64; and the windows."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(size=(batch, H, W))
    cy, stride = _windows(seed, batch, H)
    cx = rng.uniform(1.0, W - 2.0, batch)
    return images, _library_filters(cy, stride, n, H), _library_filters(cx, stride, n, W), (cy, cx, stride)


@exercise("13.2", "Read a glimpse",
          "glimpse = F_y · image · F_xᵀ for each image of the batch: F_y mixes the rows, F_x the columns; "
          "np.matmul (or @) multiplies over the last two axes and keeps the batch axis")
def read_glimpse(student):
    """student(images (B, H, W), Fy (B, n, H), Fx (B, n, W)) -> glimpses (B, n, n)."""
    import keras

    from course_lib import glimpses

    images, Fy, Fx, window = _glimpse_inputs()
    expected = glimpses.read_window(*(keras.ops.convert_to_tensor(a) for a in (images, *window)), Fy.shape[1])
    got = answer(student, images.copy(), Fy.copy(), Fx.copy())
    expect_close(got, keras.ops.convert_to_numpy(expected),
                 f"the glimpses of {images.shape[1]}×{images.shape[2]} images (against "
                 f"course_lib.glimpses.read_window)", tol=1e-6)


@exercise("13.3", "A window that stays on the image",
          "the centres go through tanh onto [0, size − 1] (0 gives the middle pixel); the stride goes through "
          "a sigmoid onto [MIN_STRIDE, widest], where widest spreads the n filters over the whole image "
          "unless max_stride is given")
def window_from_params(student):
    """student(params (B, 3), size, n, max_stride=None) -> (centre_y (B,), centre_x (B,), stride (B,))."""
    import keras

    from course_lib import glimpses

    rng = np.random.default_rng(13)
    for size, n, max_stride in ((24, 6, None), (16, 4, 1.5), (60, 12, None)):
        params = rng.normal(scale=2.0, size=(5, 3))
        expected = glimpses.window_from_params(keras.ops.convert_to_tensor(params), size, n, max_stride)
        got = answer(student, params.copy(), size, n, max_stride)
        if not isinstance(got, tuple) or len(got) != 3:
            raise NotRight(f"expected a tuple (centre_y, centre_x, stride), got {type(got).__name__}")
        for name, g, e in zip(("centre_y", "centre_x", "stride"), got, expected):
            expect_close(g, keras.ops.convert_to_numpy(e),
                         f"{name} on a {size}-pixel image, n = {n}, max_stride = {max_stride}", tol=1e-6)


@exercise("13.4", "Glimpses on the digit",
          "pixel j covers the interval [j − 0.5, j + 0.5], so the box's pixels top..bottom−1 cover "
          "[top − 0.5, bottom − 0.5]; the rows are the y axis; average over the images, one share per step")
def glimpses_on_digit(student):
    """student(windows (N, steps, 3), boxes (N, 4)) -> (steps,) share of glimpse centres inside the box."""
    from course_lib import metrics

    rng = np.random.default_rng(14)
    N, steps = 400, 5  # boxes on a 24×24 canvas
    top, left = rng.integers(0, 12, N), rng.integers(0, 16, N)
    boxes = np.stack([top, left, top + rng.integers(6, 12, N), left + rng.integers(3, 8, N)], axis=1)
    # centres near the box, many of them within a pixel of its edges
    centre_y = (boxes[:, None, 0] + boxes[:, None, 2]) / 2 + rng.normal(scale=4, size=(N, steps))
    centre_x = (boxes[:, None, 1] + boxes[:, None, 3]) / 2 + rng.normal(scale=3, size=(N, steps)) * np.arange(1, 6)
    windows = np.stack([centre_y, centre_x, rng.uniform(0.8, 3, (N, steps))], axis=-1)
    got = answer(student, windows.copy(), boxes.copy())
    expect_close(got, metrics.windows_in_boxes(windows, boxes),
                 f"the share of centres inside the box at each of {steps} steps (against "
                 f"course_lib.metrics.windows_in_boxes)")
