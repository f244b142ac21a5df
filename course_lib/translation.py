"""Translating with a trained encoder-decoder: encode once, decode greedily or with beams,
and the ``Translator``, a greedy inference model that saves as one ``.keras`` file.

The layers are ``course_lib.seq2seq``'s; the searches are ``course_lib.decoding``'s, which
drive any decoder through its ``start`` and ``step`` (the decoder protocol). Import this
module before ``keras.saving.load_model`` reads a saved ``Translator``: importing it
registers the class.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from course_lib.checks import check_ids, check_positive_int
from course_lib.seq2seq import _PACKAGE, AttentionDecoder, Decoder, Encoder
from course_lib.vocabulary import SPECIALS, Vocabulary, string_lookup

__all__ = ["Translator", "encode", "greedy_translate"]


def encode(encoder, source):
    """Run the encoder once over a batch of sources, for decoding.

    Args:
        encoder: an ``Encoder``.
        source: (batch, S) int source ids, ``PAD_ID`` after each source's end.

    Returns:
        ``(outputs, state, mask)`` as NumPy arrays: outputs (batch, S, units) the h_i,
        state (batch, units) the final state, mask (batch, S) True at real tokens; what
        a decoder's ``start`` takes (the decoder protocol of ``course_lib.decoding``).
    """
    if not isinstance(encoder, Encoder):
        raise TypeError(f"encoder: expected a seq2seq.Encoder, got {type(encoder).__name__}")
    source = check_ids(source, "source", encoder.vocab_size, ("batch", "S")).astype("int32")
    outputs, state = encoder(source)
    return ops.convert_to_numpy(outputs), ops.convert_to_numpy(state), source != Vocabulary.PAD_ID


def greedy_translate(encoder, decoder, source, max_len):
    """Greedy decoding of a batch of sources (``course_lib.decoding.generate``).

    Args:
        encoder: an ``Encoder``; decoder: a ``Decoder`` or ``AttentionDecoder``.
        source: (batch, S) int source ids.
        max_len: the most tokens to write.

    Returns:
        ``(ids, log_probs)``: ids (batch, max_len) int, ``<end>`` then padding after
        the end; log_probs (batch,) the log-probability of each output.
    """
    from course_lib.decoding import generate

    if not isinstance(decoder, (Decoder, AttentionDecoder)):
        raise TypeError(f"decoder: expected a seq2seq.Decoder or AttentionDecoder, got {type(decoder).__name__}")
    out = generate(decoder, encode(encoder, source), vocab=Vocabulary, max_len=check_positive_int(max_len, "max_len"))
    return out.tokens, out.log_prob


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Translator(keras.Model):
    """Greedy inference model: source tokens (strings) in, target tokens out.

    Holds the vocabularies (as ``StringLookup`` layers), the encoder and the decoder, so
    one ``.keras`` file is all that translation needs.

    Call args:
        source_tokens: (batch, S) string tokens, ``""`` = padding.

    Returns:
        (batch, max_len) string tokens: the greedy translation, ``<end>`` and then
        ``""`` after its end.
    """

    def __init__(self, encoder, decoder, source_tokens, target_tokens, max_len, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(max_len, "max_len")
        self.encoder, self.decoder, self.max_len = encoder, decoder, max_len
        for name, tokens in (("source_tokens", source_tokens), ("target_tokens", target_tokens)):
            if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
                raise TypeError(f"{name}: expected a Vocabulary's token list {list(SPECIALS)} + tokens, "
                                f"got {type(tokens).__name__}")
            if len(tokens) <= len(SPECIALS) or tuple(tokens[: len(SPECIALS)]) != SPECIALS:
                raise ValueError(f"{name}: expected a Vocabulary's token list {list(SPECIALS)} + tokens")
        self.source_tokens, self.target_tokens = list(source_tokens), list(target_tokens)
        self.source_lookup = string_lookup(self.source_tokens, name="source_lookup")
        self.target_words = string_lookup(self.target_tokens, invert=True, name="target_words")

    def build(self, source_shape):
        units, batch = self.encoder.units, source_shape[0]
        if not self.encoder.built:
            self.encoder.build((source_shape[0], source_shape[1]))
        if not self.decoder.built and isinstance(self.decoder, AttentionDecoder):
            self.decoder.build((batch, 1), (batch, units), (batch, source_shape[1], units))
        elif not self.decoder.built:
            self.decoder.build((batch, 1), (batch, units), (batch, units))

    def call(self, source_tokens):
        source = ops.cast(self.source_lookup(source_tokens), "int32")
        outputs, state = self.encoder(source)
        context, mask = state, ops.not_equal(source, Vocabulary.PAD_ID)
        batch = ops.shape(source)[0]
        token = ops.full((batch, 1), Vocabulary.START_ID, dtype="int32")
        done = ops.zeros((batch,), dtype="bool")
        result = []
        for _ in range(self.max_len):
            if isinstance(self.decoder, AttentionDecoder):
                logits, state, _ = self.decoder(token, state, outputs, values_mask=mask)
            else:
                logits, state = self.decoder(token, state, context)
            nxt = ops.cast(ops.argmax(logits[:, 0], axis=-1), "int32")
            nxt = ops.where(done, Vocabulary.PAD_ID, nxt)
            result.append(nxt)
            done = ops.logical_or(done, ops.equal(nxt, Vocabulary.END_ID))
            token = ops.expand_dims(ops.where(done, Vocabulary.END_ID, nxt), 1)
        return self.target_words(ops.stack(result, axis=1))

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "source_tokens": self.source_tokens,
            "target_tokens": self.target_tokens,
            "max_len": self.max_len,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)

    def translate(self, token_lists) -> list[list[str]]:
        """Token lists in, token lists out (up to ``<end>``)."""
        rows = [list(t) for t in token_lists]
        if not rows or not all(rows):
            raise ValueError("token_lists: expected non-empty lists of tokens")
        width = max(len(r) for r in rows)
        grid = np.array([r + [""] * (width - len(r)) for r in rows], dtype=str)
        out = np.asarray(self(grid)).astype(str)
        result = []
        for row in out:
            words = []
            for w in row:
                if w in ("<end>", ""):
                    break
                words.append(w)
            result.append(words)
        return result
