"""Image captioning: caption tokens, two decoders, their training and caption generation.

The image encoders (a small CNN with its head removed, ImageNet applications, feature
extraction) are in ``course_lib.vision``.

* ``course_lib.vocabulary.CaptionTokenizer``, a ``Vocabulary`` of caption words, turns
  captions into ``<start> w1 w2 … <end>`` id rows (then padding) and back; by default an
  unknown word is an error, not a silent ``[UNK]``. ``fit_captioner`` pairs
  every reference caption with its image's features.
* ``ShowAndTell``: a GRU language model whose initial state comes from the image vector,
  which also enters every step (h_t = GRU([embed(w_t), W_v v], h_{t-1})).
* ``ShowAttendTell``: at every step the decoder state scores every cell of the image's
  feature grid (``course_lib.attention.SpatialAttention``), and the attention-weighted
  context vector enters the recurrence.

Both decoders follow the decoder protocol of ``course_lib.decoding`` (``start(features)``
and ``step(tokens, state, context)``), so ``decoding.generate`` drives them one word at a
time with greedy decoding or beam search; ``generate_captions`` runs it on a batch of
images and returns a ``Captions`` (the texts, their ids, their log-probabilities and,
if asked, the attention maps).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from course_lib.checks import (
    check_array,
    check_choice,
    check_finite,
    check_model,
    check_positive_int,
    check_seed,
    check_sequence,
    check_tensor,
    check_token_tensor,
)
from course_lib.fitting import build_optimizer
from course_lib.vocabulary import CaptionTokenizer

__all__ = [
    "Captions",
    "ShowAndTell",
    "ShowAttendTell",
    "fit_captioner",
    "generate_captions",
]

def _check_tokenizer(tokenizer):
    if not isinstance(tokenizer, CaptionTokenizer):
        raise TypeError(f"tokenizer: expected a CaptionTokenizer, got {type(tokenizer).__name__}")


def _caption_pairs(features, captions, tokenizer: CaptionTokenizer, max_len: int | None = None):
    """One training pair per (image, reference caption).

    Args:
        features: (N, ...) image features, one row per image.
        captions: N lists of reference captions.
        tokenizer: a ``CaptionTokenizer``.
        max_len: as in ``CaptionTokenizer.encode_captions``.

    Returns:
        ``(features_rep, target_in, target_out)``: ``features_rep: (M, ...)``, each image's
        features repeated once per reference (M = total references), and the decoder's
        teacher-forcing ids ``target_in: (M, T - 1)`` = ``<start> w…`` and
        ``target_out: (M, T - 1)`` = ``w… <end>`` (``Vocabulary.teacher_forcing_pairs``).
    """
    features = check_finite(check_array(features, "features", dtype="number"), "features")
    if features.ndim < 2:
        raise ValueError(f"features: expected shape (N, ...) with one row per image, got {features.shape}")
    captions = check_sequence(captions, "captions", "reference-caption lists")
    if not all(isinstance(refs, (list, tuple)) and all(isinstance(c, str) for c in refs) for refs in captions):
        raise TypeError("captions: expected N lists of reference caption strings")
    _check_tokenizer(tokenizer)
    if len(captions) != len(features):
        raise ValueError(f"features and captions must have the same length, got {len(features)} and {len(captions)}")
    counts = np.array([len(c) for c in captions])
    if (counts == 0).any():
        raise ValueError("captions: every image needs at least one reference caption")
    words = [tokenizer.split(c) for refs in captions for c in refs]
    longest = max(len(w) for w in words) + 2  # with <start> and <end>
    if max_len is not None and longest > check_positive_int(max_len, "max_len", minimum=2):
        raise ValueError(f"max_len: a caption needs {longest} ids with <start> and <end>, more than max_len={max_len}")
    target_in, target_out = tokenizer.teacher_forcing_pairs(words, (max_len or longest) - 1, name="captions")
    return np.repeat(features, counts, axis=0), target_in, target_out


# ----------------------------------------------------------------------------- decoders


def _feature_token_pair(inputs):
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        raise TypeError(f"inputs: expected a pair (features, tokens), got {type(inputs).__name__}")
    return inputs


def _check_tokens(tokens, vocab_size):
    check_token_tensor(tokens, "tokens", vocab_size, ("batch", "time"), dtype="number")



class _CaptionDecoder(keras.Model):
    """What both caption decoders share: their sizes, the word embedding, their config."""

    def __init__(self, vocab_size, embed_dim, units, feature_dim, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", minimum=4)
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.units = check_positive_int(units, "units")
        self.feature_dim = check_positive_int(feature_dim, "feature_dim")
        self.embed = keras.layers.Embedding(self.vocab_size, self.embed_dim, name="embed")

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "embed_dim": self.embed_dim,
                "units": self.units, "feature_dim": self.feature_dim}


@keras.saving.register_keras_serializable(package="course_lib")
class ShowAndTell(_CaptionDecoder):
    """CNN vector → GRU caption decoder (Vinyals et al., "Show and Tell").

    h_0 = tanh(W_init v);  h_t = GRU([embed(w_t), W_v v], h_{t-1});  logits_t = W_out h_t.
    With ``image_every_step=False`` the image enters only through h_0:
    h_t = GRU(embed(w_t), h_{t-1}).

    Args:
        vocab_size: V.
        embed_dim: E, word-embedding size.
        units: H, GRU state size.
        feature_dim: projection size of the image vector fed at every step.
        image_every_step: feed ``W_v v`` beside the word at every step (default), or not.

    Call:
        ``model((features, tokens))`` with ``features: (B, D)``, ``tokens: (B, T)``
        → logits (B, T, V) for the next word at every position (teacher forcing).
    """

    def __init__(self, vocab_size, embed_dim=64, units=128, feature_dim=64, image_every_step=True, **kwargs):
        super().__init__(vocab_size, embed_dim, units, feature_dim, **kwargs)
        if not isinstance(image_every_step, bool):
            raise TypeError(f"image_every_step: expected True or False, got {image_every_step!r}")
        self.image_every_step = image_every_step
        L = keras.layers
        self.init_h = L.Dense(self.units, activation="tanh", name="init_h")
        self.project = L.Dense(self.feature_dim, activation="relu", name="project") if image_every_step else None
        self.gru = L.GRU(self.units, return_sequences=True, return_state=True, name="gru")
        self.out = L.Dense(self.vocab_size, name="logits")

    def _check_features(self, features):
        check_tensor(features, "features", ("batch", "features"))

    def initial_state(self, features):
        """features: (B, D) → state h_0: (B, H)."""
        self._check_features(features)
        return self.init_h(features)

    def call(self, inputs, training=False):
        features, tokens = _feature_token_pair(inputs)
        self._check_features(features)
        _check_tokens(tokens, self.vocab_size)
        x = self.embed(tokens)  # (B, T, E)
        if self.image_every_step:
            v = self.project(features)  # (B, feature_dim), the same at every step
            x = keras.ops.concatenate([x, keras.ops.repeat(v[:, None, :], keras.ops.shape(tokens)[1], axis=1)], axis=-1)
        h, _ = self.gru(x, initial_state=[self.initial_state(features)], training=training)
        return self.out(h)

    def start(self, features):
        """The decoder protocol's first call: features (B, D) → ``(h_0, features)``."""
        return self.initial_state(features), features

    def step(self, tokens, state, features):
        """One decoding step (the decoder protocol of ``course_lib.decoding``).

        Args:
            tokens: (B,) ids of the previous words.
            state: (B, H) decoder state.
            features: (B, D) image vectors.

        Returns:
            ``(logits, state, None)``: (B, V) next-word logits, the new (B, H) state, and
            no attention weights.
        """
        x = self.embed(tokens)  # (B, E)
        if self.image_every_step:
            x = keras.ops.concatenate([x, self.project(features)], axis=-1)
        h, _ = self.gru.cell(x, [state])
        return self.out(h), h, None

    def get_config(self):
        return {**super().get_config(), "image_every_step": self.image_every_step}



@keras.saving.register_keras_serializable(package="course_lib")
class ShowAttendTell(_CaptionDecoder):
    """Feature grid → GRU decoder with spatial attention (Xu et al., "Show, Attend and Tell").

    The grid's L = h·w cells are projected to D and given a learned position embedding
    (so the decoder can tell left from right). Then at every step t:
    α_t = softmax over cells of score(h_{t-1}, cell),  c_t = Σ α_t · cell,
    h_t = GRU([embed(w_t), c_t], h_{t-1}),  logits_t = W_out [h_t, c_t].

    Args:
        vocab_size: V.
        embed_dim: E.
        units: H, GRU state size.
        feature_dim: D, projected cell size.
        attention_units: A, hidden size of the additive score.
        init_state: ``"mean"``: h_0 = tanh(W_init · mean of the cells), as in the paper;
            ``"zeros"``: h_0 = 0, so everything the decoder learns about the image has
            to come through attention.

    Call:
        ``model((grid, tokens))`` with ``grid: (B, h, w, C)``, ``tokens: (B, T)`` →
        logits (B, T, V). ``model.attend((grid, tokens))`` also returns the attention
        weights (B, T, h, w).
    """

    def __init__(self, vocab_size, embed_dim=64, units=128, feature_dim=64, attention_units=64,
                 init_state="mean", **kwargs):
        from course_lib.attention import SpatialAttention

        init_state = check_choice(init_state, "init_state", ("mean", "zeros"))
        super().__init__(vocab_size, embed_dim, units, feature_dim, **kwargs)
        self.init_state = init_state
        self.attention_units = check_positive_int(attention_units, "attention_units")
        L = keras.layers
        self.project = L.Dense(self.feature_dim, activation="relu", name="project")
        # h_0 from zeros needs no weights (unused weights would get no gradient)
        self.init_h = L.Dense(self.units, activation="tanh", name="init_h") if init_state == "mean" else None
        self.attention = SpatialAttention(self.attention_units, name="attention")
        self.cell = L.GRUCell(self.units, name="gru_cell")
        self.out = L.Dense(self.vocab_size, name="logits")
        # XLA cannot compile the gradient of keras.ops.scan's TensorFlow loop (it has no
        # fixed trip count): tell Keras, so jit_compile="auto" does not pick XLA on a GPU.
        self.supports_jit = False

    def build(self, input_shape):
        grid_shape = input_shape[0] if isinstance(input_shape[0], (list, tuple)) else input_shape
        if len(grid_shape) != 4:
            raise ValueError(f"grid: expected shape (batch, height, width, channels), got {tuple(grid_shape)}")
        h, w, c = (int(s) for s in grid_shape[1:])
        self.grid_hw = (h, w)
        D, H, E = self.feature_dim, self.units, self.embed_dim
        self.position = self.add_weight(shape=(h, w, D), initializer="zeros", name="position")
        self.embed.build((None, None))
        self.project.build((None, h, w, c))
        if self.init_h is not None:
            self.init_h.build((None, D))
        self.attention.build((None, H), (None, h, w, D))
        self.cell.build((None, E + D))
        self.out.build((None, H + D))
        self.built = True

    def _check_grid(self, grid):
        check_tensor(grid, "grid", ("batch", "height", "width", "channels"))
        if self.built and tuple(int(s) for s in grid.shape[1:3]) != self.grid_hw:
            raise ValueError(f"grid: expected a {self.grid_hw} grid, got {tuple(grid.shape[1:3])}")

    def encode(self, grid):
        """grid: (B, h, w, C) → projected cells with positions (B, h, w, D)."""
        self._check_grid(grid)
        if not self.built:
            self.build((tuple(grid.shape), None))
        return self.project(grid) + self.position

    def initial_state(self, features):
        """features: (B, h, w, D) projected cells (from ``encode``) → h_0: (B, H)."""
        if self.init_h is None:  # init_state="zeros"
            return keras.ops.zeros((keras.ops.shape(features)[0], self.units), dtype=features.dtype)
        return self.init_h(keras.ops.mean(features, axis=(1, 2)))

    def start(self, grid):
        """The decoder protocol's first call: grid (B, h, w, C) → ``(h_0, cells)``, the
        projected cells (from ``encode``) every step attends over."""
        cells = self.encode(grid)
        return self.initial_state(cells), cells

    def step(self, tokens, state, features):
        """One decoding step (the decoder protocol of ``course_lib.decoding``).

        Args:
            tokens: (B,) previous words.
            state: (B, H).
            features: (B, h, w, D) projected cells (from ``encode``).

        Returns:
            ``(logits, state, alpha)``: (B, V), (B, H) and the step's attention weights
            (B, h, w).
        """
        return self._step(self.embed(tokens), state, features, None)

    def _step(self, emb, state, cells, keys):
        context, alpha = self.attention(state, cells, projected_grid=keys)
        h, _ = self.cell(keras.ops.concatenate([emb, context], axis=-1), [state])
        logits = self.out(keras.ops.concatenate([h, context], axis=-1))
        return logits, h, alpha

    def attend(self, inputs, training=False):
        """Teacher-forced pass returning ``(logits (B, T, V), alpha (B, T, h, w))``."""
        grid, tokens = _feature_token_pair(inputs)
        _check_tokens(tokens, self.vocab_size)
        cells = self.encode(grid)
        keys = self.attention.project(cells)  # (B, h·w, A), once per image
        h0 = self.initial_state(cells)
        emb = keras.ops.transpose(self.embed(tokens), (1, 0, 2))  # (T, B, E), time first for scan
        B = keras.ops.shape(h0)[0]
        # carry = (state, last logits, last alpha); scan stacks every step's carry over time.
        # One loop in the graph instead of T unrolled copies: much cheaper to trace.
        init = (h0, keras.ops.zeros((B, self.vocab_size), h0.dtype), keras.ops.zeros((B, *self.grid_hw), h0.dtype))

        def one_step(carry, emb_t):
            logits, h, alpha = self._step(emb_t, carry[0], cells, keys)
            return (h, logits, alpha), (h, logits, alpha)

        _, (_, logits, alphas) = keras.ops.scan(one_step, init, emb)
        return keras.ops.transpose(logits, (1, 0, 2)), keras.ops.transpose(alphas, (1, 0, 2, 3))

    def call(self, inputs, training=False):
        return self.attend(inputs, training=training)[0]

    def get_config(self):
        return {**super().get_config(), "attention_units": self.attention_units, "init_state": self.init_state}


def fit_captioner(model, features, captions, tokenizer: CaptionTokenizer, *, max_len: int, epochs: int = 5,
                  batch_size: int = 128, learning_rate: float = 3e-3, seed: int = 0, run_dir=None):
    """Teacher-forced training with a masked loss: inputs ``<start> w…``, targets ``w… <end>``.

    Padding positions (``PAD_ID``) are left out of the loss (``ignore_class``).

    Args:
        model: a ``ShowAndTell`` or ``ShowAttendTell``.
        features: (N, ...) cached CNN features of N images.
        captions: N lists of reference captions (one training pair per reference).
        tokenizer: the ``CaptionTokenizer``.
        max_len: id row length T (``<start>`` and ``<end>`` included).
        run_dir: ``None`` to train in memory; or a directory (on Colab, on Google Drive)
            where ``course_lib.training.fit_resumable`` keeps a backup after every epoch,
            so running the same call again after a disconnect continues the run.

    Returns:
        a ``course_lib.training.TrainingRun`` in both cases: ``history`` maps each metric
        (``"loss"``) to one value per epoch; without ``run_dir``, its ``run_dir`` and
        ``best`` are ``None`` and ``initial_epoch`` is 0.
    """
    check_model(model, "model", "initial_state", "step")
    max_len = check_positive_int(max_len, "max_len", minimum=2)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    x, target_in, target_out = _caption_pairs(features, captions, tokenizer, max_len)
    model.compile(
        keras.optimizers.Adam(learning_rate),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=tokenizer.PAD_ID),
    )
    build_optimizer(model, (x[:1], target_in[:1]))  # Adam's variables now: fit traces its step once
    from course_lib.training import TrainingRun, fit_resumable

    if run_dir is not None:
        return fit_resumable(model, (x, target_in), target_out, run_dir=run_dir, epochs=epochs,
                             batch_size=batch_size, seed=seed)
    order = np.random.default_rng(check_seed(seed)).permutation(len(x))
    x, target_in, target_out = x[order], target_in[order], target_out[order]
    fitted = model.fit((x, target_in), target_out, batch_size=batch_size, epochs=epochs, verbose=0)
    return TrainingRun(run_dir=None, history={k: list(v) for k, v in fitted.history.items()})


# ----------------------------------------------------------------------------- decoding


@dataclasses.dataclass(frozen=True)
class Captions:
    """What ``generate_captions`` wrote for N images.

    Attributes:
        texts: N caption strings, without ``<start>``, ``<end>`` and padding.
        tokens: (N, max_len) int64 ids of the generated words, ``<end>`` kept, padding
            after it.
        log_prob: (N,) each caption's log-probability under the model: the sum of the
            log-probabilities of its words and of its ``<end>`` (the score greedy decoding
            and beam search maximise).
        alpha: (N, max_len, h, w) the attention map used to choose each word (word t:
            ``alpha[:, t]``; zeros after a caption's ``<end>``), or ``None`` unless
            ``generate_captions`` was called with ``return_attention=True``.
    """

    texts: list[str]
    tokens: np.ndarray
    log_prob: np.ndarray
    alpha: np.ndarray | None = None


def generate_captions(model, features, tokenizer: CaptionTokenizer, *, max_len: int = 20,
                      beam_width: int = 1, return_attention: bool = False) -> Captions:
    """Caption images with a trained decoder: greedy (``beam_width=1``) or beam search.

    Uses ``course_lib.decoding.generate`` with the model's ``start`` and one-word
    ``step`` (the decoder protocol); decoding starts at ``<start>`` and stops at ``<end>``.

    Args:
        model: a trained ``ShowAndTell`` (features (N, D)) or ``ShowAttendTell``
            (features (N, h, w, C)).
        features: the images' cached CNN features.
        tokenizer: the ``CaptionTokenizer`` the model was trained with.
        max_len: most words generated (``<end>`` included).
        beam_width: 1 for greedy decoding, more for beam search.
        return_attention: (greedy, ``ShowAttendTell`` only) also keep the attention map
            of every generated word, in ``alpha``.

    Returns:
        a ``Captions`` with ``texts`` (N strings), ``tokens: (N, max_len)``,
        ``log_prob: (N,)`` and, with ``return_attention``, ``alpha: (N, max_len, h, w)``.
    """
    from course_lib.decoding import generate

    check_model(model, "model", "start", "step")
    _check_tokenizer(tokenizer)
    max_len = check_positive_int(max_len, "max_len")
    beam_width = check_positive_int(beam_width, "beam_width")
    if not isinstance(return_attention, bool):
        raise TypeError(f"return_attention: expected True or False, got {return_attention!r}")
    if return_attention and not (isinstance(model, ShowAttendTell) and beam_width == 1):
        raise ValueError("return_attention: needs a ShowAttendTell model and greedy decoding (beam_width=1)")
    features = check_array(features, "features", dtype="float")
    if isinstance(model, ShowAndTell) and features.ndim != 2:
        raise ValueError(f"features: expected shape (N, D) for ShowAndTell, got {features.shape}")
    if isinstance(model, ShowAttendTell) and features.ndim != 4:
        raise ValueError(f"features: expected shape (N, h, w, C) for ShowAttendTell, got {features.shape}")
    if model.vocab_size != tokenizer.size:
        raise ValueError(f"model has {model.vocab_size} words, tokenizer {tokenizer.size}: not the same vocabulary")
    out = generate(model, features, vocab=tokenizer, max_len=max_len, beam_width=beam_width,
                   return_attention=return_attention)
    return Captions(texts=tokenizer.decode_captions(out.tokens), tokens=out.tokens, log_prob=out.log_prob,
                    alpha=out.weights)
