"""Evaluation metrics: perplexity and bits per character, exact match and token accuracy,
BLEU (through sacrebleu), and alignment scores for attention maps."""

from __future__ import annotations
