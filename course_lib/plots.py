"""Plots used across lessons: learning curves, attention heatmaps, image attention
overlays, gradient-norm curves. Each function draws on a Matplotlib ``Axes`` (made if not
given) and returns it, so a lesson can arrange several in one figure."""

from __future__ import annotations
