"""Encoder-decoder (sequence-to-sequence) models: the plain RNN encoder-decoder and the
Bahdanau attention decoder, their training models (teacher forcing) and their training.

Both decoders follow the decoder protocol of ``course_lib.decoding`` (``start``, ``step``);
``course_lib.translation`` encodes sources once and decodes them (``greedy_translate``),
and holds the ``Translator`` that saves as one ``.keras`` file.

Shapes: source ids (batch, S), target ids (batch, T), ``Vocabulary.PAD_ID`` = padding.
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from course_lib.attention import BahdanauAttention
from course_lib.checks import (
    check_array,
    check_ids,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
    check_seed,
    check_tensor,
    check_token_tensor,
)
from course_lib.fitting import build_optimizer
from course_lib.vocabulary import Vocabulary

__all__ = [
    "AttentionDecoder",
    "Decoder",
    "Encoder",
    "SETTINGS",
    "TrainingSettings",
    "build_seq2seq",
    "fit_seq2seq",
    "masked_loss",
    "PaddingMask",
]

_PACKAGE = "course_lib"


def _check_sizes(**sizes) -> dict:
    """Each size as a plain ``int`` (NumPy integers too), or a ``TypeError``/``ValueError``."""
    return {name: check_positive_int(value, name) for name, value in sizes.items()}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Encoder(keras.layers.Layer):
    """Embedding + GRU over the source.

    Call args:
        source: (batch, S) int ids, ``Vocabulary.PAD_ID`` = padding (skipped by the GRU).

    Returns:
        ``(outputs, state)``: outputs (batch, S, units) the hidden state at every source
        position (0 at padding), state (batch, units) the state after the last real token.
    """

    def __init__(self, vocab_size, embed_dim, units, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size=vocab_size, embed_dim=embed_dim, units=units)
        self.vocab_size, self.embed_dim, self.units = vocab_size, embed_dim, units
        self.embedding = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")
        self.gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="gru")

    def build(self, source_shape=None):
        if source_shape is None:
            raise TypeError("source: expected a tensor of shape (batch, S) of int ids")
        if len(source_shape) != 2:
            raise ValueError(f"source: expected shape (batch, S), got {tuple(source_shape)}")
        self.embedding.build(source_shape)
        self.gru.build((source_shape[0], source_shape[1], self.embed_dim))

    def call(self, source):
        check_token_tensor(source, "source", self.vocab_size, ("batch", "S"), dtype="number")
        mask = ops.not_equal(source, Vocabulary.PAD_ID)
        outputs, state = self.gru(self.embedding(source), mask=mask)
        outputs = outputs * ops.cast(ops.expand_dims(mask, -1), outputs.dtype)
        return outputs, state

    def compute_mask(self, source, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim, "units": self.units}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Decoder(keras.layers.Layer):
    """The plain RNN decoder (Cho et al., 2014): one fixed context for every step.

    At step t the GRU reads [embedding of the previous token, context c]; the output
    layer reads [GRU state s_t, c]. Started from ``state`` (the encoder's final state).

    Call args:
        tokens: (batch, T) int, the previous target tokens (``<start>`` first).
        state: (batch, units) the decoder state before the first of them.
        context: (batch, C) the fixed context vector c.

    Returns:
        ``(logits, state)``: logits (batch, T, V), state (batch, units) after step T.
    """

    def __init__(self, vocab_size, embed_dim, units, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size=vocab_size, embed_dim=embed_dim, units=units)
        self.vocab_size, self.embed_dim, self.units = vocab_size, embed_dim, units
        self.embedding = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")
        self.gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="gru")
        self.out = keras.layers.Dense(vocab_size, name="logits")

    def build(self, tokens_shape, state_shape, context_shape):
        if len(tokens_shape) != 2:
            raise ValueError(f"tokens: expected shape (batch, T), got {tuple(tokens_shape)}")
        if state_shape[-1] != self.units:
            raise ValueError(f"state: expected shape (batch, {self.units}), got {tuple(state_shape)}")
        b, t, c = tokens_shape[0], tokens_shape[1], context_shape[-1]
        self.embedding.build(tokens_shape)
        self.gru.build((b, t, self.embed_dim + c))
        self.out.build((b, t, self.units + c))

    def call(self, tokens, state, context):
        check_token_tensor(tokens, "tokens", self.vocab_size, ("batch", "T"), dtype="number")
        check_tensor(state, "state", ("batch", self.units))
        check_tensor(context, "context", ("batch", "D"))
        steps = ops.shape(tokens)[1]
        ctx = ops.repeat(ops.expand_dims(context, 1), steps, axis=1)  # (batch, T, C)
        x = ops.concatenate([self.embedding(tokens), ctx], axis=-1)
        outputs, state = self.gru(x, initial_state=state)
        return self.out(ops.concatenate([outputs, ctx], axis=-1)), state

    def start(self, inputs):
        """The decoder protocol's first call (``course_lib.decoding``).

        Args:
            inputs: ``(outputs, state, mask)`` from ``translation.encode``.

        Returns:
            ``(state, context)``: the encoder's final state starts the decoder, and is
            also the fixed context c of every step.
        """
        _, state, _ = _check_encoded(inputs)
        return state, state

    def step(self, tokens, state, context):
        """One decoding step: tokens (batch,) → ``(logits (batch, V), state, None)``."""
        logits, state = self(ops.expand_dims(tokens, 1), state, context)
        return logits[:, 0], state, None

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim, "units": self.units}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AttentionDecoder(keras.layers.Layer):
    """The attention decoder (Bahdanau et al., 2014): a new context at every step.

    At step t: weights alpha_t = attention(s_{t-1}, h_1..h_S); context
    c_t = sum_i alpha_{t,i} h_i; s_t = GRU([embedding(y_{t-1}), c_t], s_{t-1});
    logits from [s_t, c_t].

    Call args:
        tokens: (batch, T) int, previous target tokens.
        state: (batch, units) decoder state before the first of them.
        values: (batch, S, D) encoder outputs h_i.
        values_mask: (batch, S) bool, False at source padding.

    Returns:
        ``(logits, state, weights)``: logits (batch, T, V), state (batch, units),
        weights (batch, T, S) the attention weights of every step.
    """

    def __init__(self, vocab_size, embed_dim, units, attention_units=None, **kwargs):
        super().__init__(**kwargs)
        attention_units = attention_units or units
        _check_sizes(vocab_size=vocab_size, embed_dim=embed_dim, units=units,
                     attention_units=attention_units)
        self.vocab_size, self.embed_dim, self.units = vocab_size, embed_dim, units
        self.attention_units = attention_units
        self.embedding = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")
        self.attention = BahdanauAttention(attention_units, name="attention")
        self.cell = keras.layers.GRUCell(units, name="gru_cell")
        self.out = keras.layers.Dense(vocab_size, name="logits")
        # XLA cannot compile the gradient of keras.ops.scan's TensorFlow loop (it has no
        # fixed trip count): tell Keras, so jit_compile="auto" does not pick XLA on a GPU.
        self.supports_jit = False

    def build(self, tokens_shape, state_shape, values_shape, values_mask_shape=None):
        if len(tokens_shape) != 2:
            raise ValueError(f"tokens: expected shape (batch, T), got {tuple(tokens_shape)}")
        if len(values_shape) != 3:
            raise ValueError(f"values: expected shape (batch, S, D), got {tuple(values_shape)}")
        if state_shape[-1] != self.units:
            raise ValueError(f"state: expected shape (batch, {self.units}), got {tuple(state_shape)}")
        b, d = tokens_shape[0], values_shape[-1]
        self.embedding.build(tokens_shape)
        self.attention.build((b, self.units), values_shape)
        self.cell.build((b, self.embed_dim + d))
        self.out.build((b, self.units + d))

    def call(self, tokens, state, values, values_mask=None):
        check_token_tensor(tokens, "tokens", self.vocab_size, ("batch", "T"), dtype="number")
        check_tensor(state, "state", ("batch", self.units))
        check_tensor(values, "values", ("batch", "S", "D"))
        keys = self.attention.project_values(values)  # U h_i, once for all steps
        x = ops.transpose(self.embedding(tokens), (1, 0, 2))  # (T, batch, E): time first for scan
        batch, source_len, d = ops.shape(values)[0], ops.shape(values)[1], values.shape[-1]

        def step(carry, x_t):
            s, _, _ = carry
            context, weights = self.attention(s, values, values_mask=values_mask, projected_values=keys)
            s, _ = self.cell(ops.concatenate([x_t, context], axis=-1), [s])
            s = s[0] if isinstance(s, (list, tuple)) else s
            return (s, context, weights), (s, context, weights)

        init = (state, ops.zeros((batch, d), values.dtype), ops.zeros((batch, source_len), values.dtype))
        (state, _, _), (states, contexts, weights) = ops.scan(step, init, x)
        states = ops.transpose(states, (1, 0, 2))  # (batch, T, units)
        contexts = ops.transpose(contexts, (1, 0, 2))  # (batch, T, D)
        weights = ops.transpose(weights, (1, 0, 2))  # (batch, T, S)
        logits = self.out(ops.concatenate([states, contexts], axis=-1))
        return logits, state, weights

    def start(self, inputs):
        """The decoder protocol's first call (``course_lib.decoding``).

        Args:
            inputs: ``(outputs, state, mask)`` from ``translation.encode``.

        Returns:
            ``(state, (outputs, mask))``: the encoder's final state starts the decoder;
            every step attends over the outputs h_i where the mask is True.
        """
        outputs, state, mask = _check_encoded(inputs)
        return state, (outputs, mask)

    def step(self, tokens, state, context):
        """One decoding step: tokens (batch,) → ``(logits (batch, V), state, weights (batch, S))``."""
        values, mask = context
        logits, state, weights = self(ops.expand_dims(tokens, 1), state, values, values_mask=mask)
        return logits[:, 0], state, weights[:, 0]

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "embed_dim": self.embed_dim,
                "units": self.units, "attention_units": self.attention_units}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PaddingMask(keras.layers.Layer):
    """``tokens != pad_id``: the mask of real tokens, as a layer a saved model can reload.

    Args (call):
        tokens: (batch, S) int ids.

    Returns:
        (batch, S) bool, ``True`` where the token is not padding.
    """

    def __init__(self, pad_id=Vocabulary.PAD_ID, **kwargs):
        super().__init__(**kwargs)
        self.pad_id = check_nonnegative_int(pad_id, "pad_id")

    def call(self, tokens):
        return ops.not_equal(tokens, self.pad_id)

    def compute_output_shape(self, tokens_shape):
        return tokens_shape

    def get_config(self):
        return {**super().get_config(), "pad_id": self.pad_id}


@keras.saving.register_keras_serializable(package=_PACKAGE)
def masked_loss(target_out, logits):
    """Mean cross-entropy over the real (non-padding) target tokens.

    Args:
        target_out: (batch, T) int, ``Vocabulary.PAD_ID`` = padding.
        logits: (batch, T, V).

    Returns:
        a scalar: sum of per-token losses where target_out is not padding, divided by their count.
    """
    check_tensor(logits, "logits", ("batch", "T", "V"))
    # Keras may hand the targets over as floats; traced inside fit, fit_seq2seq checked the ids.
    check_token_tensor(target_out, "target_out", logits.shape[-1], ("batch", logits.shape[1]),
                       dtype="number")
    per_token = keras.losses.sparse_categorical_crossentropy(target_out, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(target_out, Vocabulary.PAD_ID), per_token.dtype)
    return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)


def build_seq2seq(source_vocab_size, target_vocab_size, *, embed_dim=32, units=128, attention=False,
                  source_len=None, target_len=None, seed=None):
    """The encoder, the decoder and the teacher-forcing training model.

    Args:
        source_vocab_size, target_vocab_size: vocabulary sizes (``Vocabulary`` layout: padding first).
        embed_dim: embedding size; units: GRU size (encoder and decoder).
        attention: ``True`` for the Bahdanau attention decoder, ``False`` for the plain one.
        source_len, target_len: fixed lengths S and T of the training inputs (``None``:
            any length). Fixed lengths let the recurrent layers unroll their loops,
            which trains faster on a CPU for short sequences.
        seed: if given, ``keras.utils.set_random_seed(seed)`` first, so two models built
            with the same seed start from the same weights.

    Returns:
        a dict with ``encoder``, ``decoder``, ``model`` (inputs ``[source (batch, S),
        target_in (batch, T)]``, output logits (batch, T, V)) and, with attention,
        ``attention_model`` (same inputs, output weights (batch, T, S)).
    """
    sizes = _check_sizes(source_vocab_size=source_vocab_size, target_vocab_size=target_vocab_size,
                         embed_dim=embed_dim, units=units)
    source_vocab_size, target_vocab_size = sizes["source_vocab_size"], sizes["target_vocab_size"]
    embed_dim, units = sizes["embed_dim"], sizes["units"]
    if seed is not None:
        keras.utils.set_random_seed(check_seed(seed))
    encoder = Encoder(source_vocab_size, embed_dim, units, name="encoder")
    source = keras.Input((source_len,), dtype="int32", name="source")
    target_in = keras.Input((target_len,), dtype="int32", name="target_in")
    outputs, state = encoder(source)
    parts = {"encoder": encoder}
    if attention:
        decoder = AttentionDecoder(target_vocab_size, embed_dim, units, name="decoder")
        mask = PaddingMask(name="source_mask")(source)
        logits, _, weights = decoder(target_in, state, outputs, values_mask=mask)
        parts["attention_model"] = keras.Model([source, target_in], weights, name="attention_weights")
    else:
        decoder = Decoder(target_vocab_size, embed_dim, units, name="decoder")
        logits, _ = decoder(target_in, state, state)  # s0 = c = the encoder's final state
    parts["decoder"] = decoder
    parts["model"] = keras.Model([source, target_in], logits, name="seq2seq")
    return parts


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """Model sizes and training settings of a translation model.

    Attributes:
        embed_dim: embedding size; units: GRU size of the encoder and the decoder.
        epochs, batch_size: passes over the training pairs, pairs per step.
        learning_rate, clipnorm: Adam's step size and gradient-norm clipping.
        verbose: Keras' progress output while training (2: one line per epoch).
    """

    embed_dim: int = 32
    units: int = 64
    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 1e-2
    clipnorm: float = 1.0
    verbose: int = 0

    def __post_init__(self):
        for name in ("embed_dim", "units", "epochs", "batch_size"):
            object.__setattr__(self, name, check_positive_int(getattr(self, name), f"TrainingSettings.{name}"))
        for name in ("learning_rate", "clipnorm"):
            object.__setattr__(self, name, check_positive(getattr(self, name), f"TrainingSettings.{name}"))
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"TrainingSettings.verbose: expected 0, 1 or 2, got {self.verbose!r}")


#: the settings lessons 07 and 08 train both encoder-decoders with, at each scale
#: (1e-2 suits the lesson's GRU(64) for 6 epochs; a GRU(256) trained for 20 epochs at
#: that rate diverged after epoch 4, so full scale takes a smaller step.)
SETTINGS = {"lesson": TrainingSettings(), "full": TrainingSettings(units=256, epochs=20, learning_rate=2e-3, verbose=2)}


def fit_seq2seq(model, arrays, settings, *, epochs=None, verbose=None):
    """Compile ``model`` with ``settings`` and train it with teacher forcing.

    Loss: cross-entropy over the real target tokens (``ignore_class=Vocabulary.PAD_ID`` skips padding);
    optimizer: Adam with ``settings.learning_rate`` and ``settings.clipnorm``.

    Args:
        model: a training model from ``build_seq2seq`` (inputs ``[source, target_in]``).
        arrays: a dict with ``source`` (n, S), ``target_in`` (n, T), ``target_out``
            (n, T) int ids, as from ``course_lib.data.dates.encode_pairs``.
        settings: a ``TrainingSettings``.
        epochs: override ``settings.epochs``.

    Returns:
        the mean training loss of each epoch, a list of floats.
    """
    if not isinstance(settings, TrainingSettings):
        raise TypeError(f"settings: expected a TrainingSettings, got {type(settings).__name__}")
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    if not isinstance(arrays, dict) or not {"source", "target_in", "target_out"} <= set(arrays):
        raise ValueError("arrays: expected a dict with 'source', 'target_in' and 'target_out'")
    source = check_array(arrays["source"], "arrays['source']", ("n", "S"), dtype="int")
    target_in = check_array(arrays["target_in"], "arrays['target_in']", ("n", "T"), dtype="int")
    target_out = check_array(arrays["target_out"], "arrays['target_out']", ("n", "T"), dtype="int")
    layers = {layer.name: layer for layer in model.layers}
    if isinstance(layers.get("encoder"), Encoder):  # a model from build_seq2seq: check the ids
        check_ids(source, "arrays['source']", layers["encoder"].vocab_size)
    if isinstance(layers.get("decoder"), (Decoder, AttentionDecoder)):
        check_ids(target_in, "arrays['target_in']", layers["decoder"].vocab_size)
        check_ids(target_out, "arrays['target_out']", layers["decoder"].vocab_size)
    if target_in.shape != target_out.shape or len(source) != len(target_in):
        raise ValueError(
            f"arrays: expected source (n, S) and target_in, target_out (n, T), got "
            f"{source.shape}, {target_in.shape} and {target_out.shape}"
        )
    epochs = check_positive_int(settings.epochs if epochs is None else epochs, "epochs")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate, clipnorm=settings.clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=Vocabulary.PAD_ID))
    build_optimizer(model, [source[:1], target_in[:1]])  # Adam's variables now: fit traces its step once
    history = model.fit([source, target_in], target_out, batch_size=settings.batch_size, epochs=epochs,
                        verbose=settings.verbose if verbose is None else verbose)
    return [float(x) for x in history.history["loss"]]


def _check_encoded(inputs):
    if not isinstance(inputs, (tuple, list)) or len(inputs) != 3:
        raise TypeError(f"inputs: expected (outputs, state, mask) from translation.encode, got {type(inputs).__name__}")
    return inputs
