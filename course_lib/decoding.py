"""Turning a model's next-token distribution into a sequence: greedy decoding,
temperature and top-k sampling, and beam search."""

from __future__ import annotations
