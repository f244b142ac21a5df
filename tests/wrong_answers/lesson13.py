"""Wrong answers to lesson 13's exercises (see ``__init__.py``)."""

from __future__ import annotations

import numpy as np

MIN_STRIDE = 0.75


def _filters(centre, stride, n, size, width=0.5, offset=None, normalise=-1):
    offsets = np.arange(n) - ((n - 1) / 2 if offset is None else offset)
    mu = centre[:, None] + offsets * stride[:, None]
    sigma = width * stride[:, None, None]
    F = np.exp(-((np.arange(size) - mu[:, :, None]) ** 2) / (2 * sigma**2))
    return F / F.sum(axis=normalise, keepdims=True)


def _window(params, size, n, max_stride=None, half=None, widest=None):
    half = (size - 1) / 2 if half is None else half
    if widest is None:
        widest = (size - 1) / (n - 1) if max_stride is None else max_stride
    stride = MIN_STRIDE + (widest - MIN_STRIDE) / (1 + np.exp(-params[:, 2]))
    return half * (np.tanh(params[:, 0]) + 1), half * (np.tanh(params[:, 1]) + 1), stride


def _on_digit(windows, boxes, pixel_index=False, swap=False, axis=0):
    y, x = windows[..., 0], windows[..., 1]
    if swap:
        y, x = x, y
    top, left, bottom, right = (boxes[:, i : i + 1] for i in range(4))
    if pixel_index:
        inside = (y >= top) & (y < bottom) & (x >= left) & (x < right)
    else:
        inside = (y >= top - 0.5) & (y <= bottom - 0.5) & (x >= left - 0.5) & (x <= right - 0.5)
    return inside.mean(axis=axis)


WRONG = {
    "13.1": {
        "σ = stride, not stride/2": lambda c, s, n, size: _filters(c, s, n, size, width=1.0),
        "offsets i − n/2": lambda c, s, n, size: _filters(c, s, n, size, offset=n / 2),
        "normalised over the filters": lambda c, s, n, size: _filters(c, s, n, size, normalise=1),
    },
    "13.2": {
        "the glimpse transposed": lambda x, Fy, Fx: Fx @ np.swapaxes(x, 1, 2) @ np.swapaxes(Fy, 1, 2),
        "the first image's filters for all": lambda x, Fy, Fx: Fy[0] @ x @ Fx[0].T,
    },
    "13.3": {
        "centre over size/2, not (size − 1)/2": lambda p, size, n, ms=None: _window(p, size, n, ms, half=size / 2),
        "widest = size / n": lambda p, size, n, ms=None: _window(
            p, size, n, widest=size / n if ms is None else ms),
        "max_stride ignored": lambda p, size, n, ms=None: _window(p, size, n),
    },
    "13.4": {
        "pixel indices, not pixel areas": lambda w, b: _on_digit(w, b, pixel_index=True),
        "rows and columns swapped": lambda w, b: _on_digit(w, b, swap=True),
        "share per image, not per step": lambda w, b: _on_digit(w, b, axis=1),
    },
}
