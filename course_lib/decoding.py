"""Turning a model's next-token distribution into a sequence: greedy decoding,
temperature and top-k sampling, beam search, and ``generate``, which runs either search
with any decoder of the course (the decoder protocol below)."""

from __future__ import annotations

import dataclasses

import numpy as np

from course_lib.checks import check_array, check_nonnegative_int, check_positive_int
from course_lib.vocabulary import Vocabulary

__all__ = ["Generated", "beam_search", "generate", "greedy_decode", "sample_next", "step_function"]


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    """Draw the next token id from a model's scores, with temperature and top-k.

    The scores are divided by ``temperature`` before the softmax: below 1 the
    distribution sharpens, above 1 it flattens, and ``temperature=0`` is the limit,
    which returns the argmax (greedy). ``top_k`` keeps only the k highest scores.

    Args:
        logits: (V,) unnormalised scores for one step, or (N, V) for a batch.
        temperature: a number >= 0.
        top_k: None (all tokens) or an int in [1, V].
        rng: a ``numpy.random.Generator`` (default: ``numpy.random.default_rng()``).

    Returns:
        an int for (V,) logits, or ``ids: (N,)`` int64 for (N, V) logits.
    """
    import numpy as np

    from course_lib.checks import check_array, check_finite, check_positive, check_positive_int

    logits = check_array(logits, "logits", dtype="number")
    if logits.ndim not in (1, 2):
        raise ValueError(f"logits: expected shape (V,) or (N, V), got {logits.shape}")
    check_finite(logits.astype(np.float64), "logits")
    temperature = check_positive(temperature, "temperature", allow_zero=True)
    single = logits.ndim == 1
    z = np.atleast_2d(logits).astype(np.float64)
    N, V = z.shape
    if top_k is not None:
        top_k = check_positive_int(top_k, "top_k")
        if top_k > V:
            raise ValueError(f"top_k: expected an int in [1, {V}] (the vocabulary size), got {top_k}")
    if temperature == 0.0:
        ids = z.argmax(axis=1)
    else:
        if top_k is not None and top_k < V:
            kth = np.partition(z, V - top_k, axis=1)[:, V - top_k][:, None]
            z = np.where(z >= kth, z, -np.inf)
        z = z / temperature
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        u = rng.random((N, 1))
        ids = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), V - 1)
    ids = ids.astype(np.int64)
    return int(ids[0]) if single else ids


def _map_state(fn, state):
    """Apply ``fn`` to every array in a (possibly nested) decoder state."""
    if state is None:
        return None
    if isinstance(state, dict):
        return {k: _map_state(fn, v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_map_state(fn, s) for s in state)
    return fn(state)


def _first_leaf(state):
    if isinstance(state, dict):
        state = list(state.values())
    if isinstance(state, (list, tuple)):
        for s in state:
            leaf = _first_leaf(s)
            if leaf is not None:
                return leaf
        return None
    return state


def _batch_size(state, batch_size):
    if batch_size is not None:
        return check_positive_int(batch_size, "batch_size")
    leaf = _first_leaf(state)
    if leaf is None or not getattr(leaf, "shape", None):
        raise ValueError(
            "batch_size: pass it explicitly when initial_state holds no array with a batch axis"
        )
    if int(leaf.shape[0]) == 0:
        raise ValueError(f"initial_state: expected a batch of at least one row, got shape {tuple(leaf.shape)}")
    return int(leaf.shape[0])


def _log_probs(step_output, rows):
    if not isinstance(step_output, (tuple, list)) or len(step_output) != 2:
        raise TypeError("step_fn must return a pair (log_probs, new_state)")
    log_probs, new_state = step_output
    log_probs = check_array(log_probs, "step_fn log_probs", (rows, "vocab"), dtype="float")
    return log_probs.astype("float64"), new_state


def _check_step_fn(step_fn):
    if not callable(step_fn):
        raise TypeError(
            "step_fn: expected a function step_fn(tokens, state) -> (log_probs, new_state), "
            f"got {type(step_fn).__name__}"
        )


def _check_ids(start_id, end_id, pad_id):
    for value, name in ((start_id, "start_id"), (end_id, "end_id"), (pad_id, "pad_id")):
        check_nonnegative_int(value, name)
    if end_id == pad_id:
        raise ValueError(f"end_id and pad_id must differ, both are {end_id}")


def greedy_decode(step_fn, initial_state, *, start_id, end_id, max_len, pad_id=Vocabulary.PAD_ID,
                  batch_size=None):
    """Greedy decoding: at every step take the most probable next token.

    Args:
        step_fn: ``step_fn(tokens, state) -> (log_probs, new_state)`` with
            tokens: (batch,) int, the previous token of each sequence;
            log_probs: (batch, V) log-probabilities of the next token;
            state: any nest (tuple/list/dict) of arrays with a leading batch axis.
        initial_state: the state before the first step (e.g. the encoder's output).
        start_id: token fed at the first step (``<start>``).
        end_id: token that ends a sequence (``<end>``; it is kept in the output).
        max_len: most tokens generated per sequence.
        pad_id: written after ``<end>``.
        batch_size: needed only if ``initial_state`` has no array to read it from.

    Returns:
        ``(tokens, log_prob)``: tokens (batch, max_len) int64, padded with ``pad_id``
        after ``<end>``; log_prob (batch,) the sum of the chosen tokens' log-probs.

    Example:
        A toy model over ids 0..3 that always prefers ``previous + 1``; its own ids are
        ``START = 0`` (fed first, and padding) and ``END = 3``:

        >>> START, END = 0, 3
        >>> def step_fn(tokens, state):
        ...     log_probs = np.log(np.full((len(tokens), 4), 0.1))
        ...     log_probs[np.arange(len(tokens)), np.minimum(tokens + 1, END)] = np.log(0.7)
        ...     return log_probs, state
        >>> tokens, log_prob = greedy_decode(step_fn, np.zeros((1, 1)), start_id=START, end_id=END,
        ...                                  max_len=5, pad_id=START)
        >>> tokens.tolist(), round(float(log_prob[0] / np.log(0.7)), 6)
        ([[1, 2, 3, 0, 0]], 3.0)
    """
    _check_step_fn(step_fn)
    _check_ids(start_id, end_id, pad_id)
    max_len = check_positive_int(max_len, "max_len")
    batch = _batch_size(initial_state, batch_size)
    tokens = np.full((batch, max_len), pad_id, dtype="int64")
    scores = np.zeros(batch)
    done = np.zeros(batch, dtype=bool)
    prev = np.full(batch, start_id, dtype="int64")
    state = initial_state
    for t in range(max_len):
        log_probs, state = _log_probs(step_fn(prev, state), batch)
        if not 0 <= end_id < log_probs.shape[1]:
            raise ValueError(f"end_id: expected an id in [0, {log_probs.shape[1]}), got {end_id}")
        nxt = log_probs.argmax(axis=1)
        scores += np.where(done, 0.0, log_probs[np.arange(batch), nxt])
        tokens[:, t] = np.where(done, pad_id, nxt)
        done |= nxt == end_id
        prev = np.where(done, end_id, nxt)
        if done.all():
            break
    return tokens, scores


def beam_search(
    step_fn,
    initial_state,
    *,
    start_id,
    end_id,
    max_len,
    beam_width=4,
    pad_id=Vocabulary.PAD_ID,
    batch_size=None,
    return_all=False,
):
    """Beam search: keep the ``beam_width`` most probable prefixes at every step.

    Finished hypotheses (ended by ``<end>``) stay in the beam with their score frozen and
    compete with the unfinished ones; since every further token can only lower a
    score, the search stops when all hypotheses in every beam have finished (or at
    ``max_len``). Scores are plain sums of log-probabilities (no length penalty).

    Args:
        step_fn: ``step_fn(tokens, state) -> (log_probs, new_state)`` as in
            ``greedy_decode``; it is called on batch * beam_width rows, and the state's
            rows are reordered to follow the surviving hypotheses.
        initial_state: nest of arrays with a leading batch axis (batch, ...).
        start_id, end_id, max_len, pad_id, batch_size: as in ``greedy_decode``.
        beam_width: number of hypotheses kept per example (1 = greedy).
        return_all: also return every beam, best first.

    Returns:
        ``(tokens, log_prob)``: the best hypothesis per example, tokens (batch, max_len)
        int64 and log_prob (batch,). With ``return_all``: tokens
        (batch, beam_width, max_len) and log_prob (batch, beam_width), best first.
    """
    _check_step_fn(step_fn)
    _check_ids(start_id, end_id, pad_id)
    max_len = check_positive_int(max_len, "max_len")
    k = check_positive_int(beam_width, "beam_width")
    batch = _batch_size(initial_state, batch_size)
    rows = batch * k
    # every example's state repeated k times: row b*k + j is beam j of example b
    state = _map_state(lambda a: np.repeat(np.asarray(a), k, axis=0), initial_state)
    scores = np.full((batch, k), -np.inf)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first one
    done = np.zeros((batch, k), dtype=bool)
    tokens = np.full((batch, k, max_len), pad_id, dtype="int64")
    prev = np.full(rows, start_id, dtype="int64")
    for t in range(max_len):
        log_probs, state = _log_probs(step_fn(prev, state), rows)
        vocab = log_probs.shape[1]
        if not 0 <= end_id < vocab:
            raise ValueError(f"end_id: expected an id in [0, {vocab}), got {end_id}")
        cand = scores[:, :, None] + log_probs.reshape(batch, k, vocab)  # (batch, k, V)
        # a finished hypothesis has one continuation, itself, at no cost
        cand = np.where(done[:, :, None], -np.inf, cand)
        cand[:, :, end_id] = np.where(done, scores, cand[:, :, end_id])
        flat = cand.reshape(batch, k * vocab)
        best = np.argsort(-flat, axis=1, kind="stable")[:, :k]  # (batch, k)
        origin, token = best // vocab, best % vocab
        new_scores = np.take_along_axis(flat, best, axis=1)
        was_done = np.take_along_axis(done, origin, axis=1)
        tokens = np.take_along_axis(tokens, origin[:, :, None], axis=1)
        tokens[:, :, t] = np.where(was_done, pad_id, token)
        done = was_done | (token == end_id)
        scores = new_scores
        row_index = (np.arange(batch)[:, None] * k + origin).reshape(-1)
        state = _map_state(lambda a, idx=row_index: np.asarray(a)[idx], state)
        prev = np.where(done, end_id, token).reshape(-1)
        if done[np.isfinite(scores)].all():
            break
    order = np.argsort(-scores, axis=1, kind="stable")
    scores = np.take_along_axis(scores, order, axis=1)
    tokens = np.take_along_axis(tokens, order[:, :, None], axis=1)
    if return_all:
        return tokens, scores
    return tokens[:, 0], scores[:, 0]


# ------------------------------------------------------------------ the decoder protocol
#
# Every decoder of the course (seq2seq.Decoder, seq2seq.AttentionDecoder,
# captioning.ShowAndTell, captioning.ShowAttendTell) has the same two methods:
#
#   decoder.start(inputs) -> (state, context)
#       from what the decoder is conditioned on (the encoder's outputs, image features):
#       its state before the first step and what it reads at every step, each an array
#       or a tuple of arrays with a leading batch axis;
#   decoder.step(tokens, state, context) -> (logits, state, weights)
#       tokens (batch,) the previous tokens; logits (batch, V) the next token's scores;
#       weights: the step's attention weights (batch, ...), or None without attention.
#
# ``step_function`` turns such a decoder into the step function greedy_decode and
# beam_search take; ``generate`` runs either search with it.


@dataclasses.dataclass
class Generated:
    """What ``generate`` wrote.

    Attributes:
        tokens: (batch, max_len) int64 ids, ``<end>`` kept, padding after it.
        log_prob: (batch,) the sum of the log-probabilities of each row's tokens.
        weights: (batch, max_len, ...) the attention weights of the step that wrote each
            token (zeros after a row's end), or ``None`` if they were not asked for.
    """

    tokens: np.ndarray
    log_prob: np.ndarray
    weights: np.ndarray | None = None


def _to_numpy(x):
    import keras

    return None if x is None else np.asarray(keras.ops.convert_to_numpy(x))


def _check_decoder(decoder):
    for method in ("start", "step"):
        if not callable(getattr(decoder, method, None)):
            raise TypeError(f"decoder: expected a decoder with start() and step() methods, "
                            f"got {type(decoder).__name__}")


def step_function(decoder, inputs, *, weights: list | None = None):
    """A step function for ``greedy_decode`` / ``beam_search`` from a decoder of the protocol.

    Args:
        decoder: an object with ``start`` and ``step`` (the decoder protocol above).
        inputs: what ``decoder.start`` takes.
        weights: a list to append every step's attention weights (batch, ...) to, or None.

    Returns:
        ``(step_fn, initial_state)``: ``step_fn(tokens (batch,), state) -> (log_probs
        (batch, V), new_state)``; the state is ``(decoder state, context)`` as NumPy
        arrays with a batch axis, so beam search can reorder its rows.
    """
    import keras

    _check_decoder(decoder)
    if weights is not None and not isinstance(weights, list):
        raise TypeError(f"weights: expected a list to collect the attention weights in, or None, "
                        f"got {type(weights).__name__}")
    state, context = decoder.start(inputs)

    def step_fn(tokens, carry):
        state, context = carry
        logits, state, w = decoder.step(keras.ops.convert_to_tensor(tokens, "int32"), state, context)
        if weights is not None:
            if w is None:
                raise ValueError(f"weights: {type(decoder).__name__} has no attention weights to keep")
            weights.append(_to_numpy(w))
        log_probs = _to_numpy(keras.ops.log_softmax(logits, axis=-1))
        return log_probs, (_map_state(_to_numpy, state), context)

    return step_fn, (_map_state(_to_numpy, state), _map_state(_to_numpy, context))


def generate(decoder, inputs, *, vocab, max_len, beam_width=1, return_attention=False) -> Generated:
    """Greedy decoding or beam search with any decoder of the course's protocol.

    Args:
        decoder: an object with ``start(inputs)`` and ``step(tokens, state, context)``
            (see the protocol above).
        inputs: what ``decoder.start`` takes (e.g. ``translation.encode(encoder, source)``,
            or image features).
        vocab: the target ``Vocabulary`` (or anything with ``START_ID``, ``END_ID``,
            ``PAD_ID``): where decoding starts, what ends a row, what fills it after.
        max_len: most tokens written per row (``<end>`` included).
        beam_width: 1 for greedy decoding, more for beam search.
        return_attention: also keep every step's attention weights (greedy only).

    Returns:
        a ``Generated`` with ``tokens``, ``log_prob`` and (if asked) ``weights``.
    """
    _check_decoder(decoder)
    if not all(isinstance(getattr(vocab, n, None), int) for n in ("START_ID", "END_ID", "PAD_ID")):
        raise TypeError(f"vocab: expected a Vocabulary (START_ID, END_ID, PAD_ID), got {type(vocab).__name__}")
    max_len = check_positive_int(max_len, "max_len")
    beam_width = check_positive_int(beam_width, "beam_width")
    if not isinstance(return_attention, bool):
        raise TypeError(f"return_attention: expected True or False, got {return_attention!r}")
    if return_attention and beam_width != 1:
        raise ValueError("return_attention: attention weights are kept for greedy decoding (beam_width=1) only")
    weights = [] if return_attention else None
    step_fn, carry = step_function(decoder, inputs, weights=weights)
    ids = dict(start_id=vocab.START_ID, end_id=vocab.END_ID, pad_id=vocab.PAD_ID, max_len=max_len)
    if beam_width == 1:
        tokens, log_prob = greedy_decode(step_fn, carry, **ids)
    else:
        tokens, log_prob = beam_search(step_fn, carry, beam_width=beam_width, **ids)
    out = Generated(tokens, np.asarray(log_prob, "float64"))
    if return_attention:
        written = np.stack(weights, axis=1)  # (batch, steps taken, ...)
        out.weights = np.zeros((len(tokens), max_len, *written.shape[2:]), "float32")
        out.weights[:, : written.shape[1]] = written
        ended = np.cumsum(tokens == vocab.END_ID, axis=1) - (tokens == vocab.END_ID) > 0
        out.weights[ended] = 0.0  # after <end> no token was written
    return out
