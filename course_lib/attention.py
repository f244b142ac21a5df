"""Attention layers written out for teaching: Bahdanau (additive) attention over the
positions of a sequence, and spatial attention over the cells of a feature grid."""

from __future__ import annotations
