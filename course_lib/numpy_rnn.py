"""A vanilla (Elman) RNN in NumPy: forward passes, hand-written backward passes (BPTT),
a word/character embedding, a temporal affine layer and a temporal softmax loss.

The maths uses column vectors, ``h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)``. The code
works on mini-batches of row vectors, so it stores the transposes: ``Wx = W_xh^T`` of
shape ``(D, H)`` and ``Wh = W_hh^T`` of shape ``(H, H)`` and computes
``h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)``. That is also the layout of Keras'
``SimpleRNN`` (``kernel``, ``recurrent_kernel``, ``bias``).

Shapes: ``N`` batch, ``T`` time steps, ``D`` input features, ``H`` hidden units,
``V`` vocabulary size. Every function is written for float64 so that a numeric gradient
check (``course_lib.gradcheck``) agrees to about 1e-9.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib.checks import (
    check_array,
    check_cache,
    check_ids,
    check_nonnegative_int,
    check_positive_int,
    check_result_size,
    check_same_size,
    check_seed,
)

__all__ = [
    "StepCache",
    "StepGrads",
    "init_rnn_lm",
    "rnn_backward",
    "rnn_forward",
    "rnn_lm_forward",
    "rnn_lm_loss",
    "rnn_lm_sample",
    "rnn_step_backward",
    "rnn_step_forward",
    "temporal_affine_backward",
    "temporal_affine_forward",
    "temporal_softmax_loss",
    "word_embedding_backward",
    "word_embedding_forward",
]


def _check_rnn_weights(Wx, Wh, b):
    Wx = check_array(Wx, "Wx", ("D", "H"), dtype="float")
    H = Wx.shape[1]
    Wh = check_array(Wh, "Wh", (H, H), dtype="float")
    b = check_array(b, "b", (H,), dtype="float")
    return Wx, Wh, b


class StepCache(NamedTuple):
    """What ``rnn_step_forward`` keeps for ``rnn_step_backward``: a tuple with names.

    ``x`` (N, D) is the step's input, ``prev_h`` (N, H) the hidden state it read, ``Wx``
    (D, H) and ``Wh`` (H, H) the weight arrays it used (at every step the same arrays, not
    copies), and ``next_h`` (N, H) its output, which the backward pass needs for
    tanh' = 1 - next_h**2.
    """

    x: np.ndarray
    prev_h: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    next_h: np.ndarray


class StepGrads(NamedTuple):
    """The gradients ``rnn_step_backward`` returns: a tuple with names.

    ``dx`` (N, D), ``dprev_h`` (N, H), ``dWx`` (D, H), ``dWh`` (H, H) and ``db`` (H,): the
    loss's gradient with respect to each input of ``rnn_step_forward``.
    """

    dx: np.ndarray
    dprev_h: np.ndarray
    dWx: np.ndarray
    dWh: np.ndarray
    db: np.ndarray


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a tanh RNN.

    Args:
        x: (N, D) inputs at this step.
        prev_h: (N, H) hidden state of the previous step.
        Wx: (D, H) input-to-hidden weights (``W_xh`` transposed).
        Wh: (H, H) hidden-to-hidden weights (``W_hh`` transposed).
        b: (H,) bias.

    Returns:
        ``next_h: (N, H)`` and a ``StepCache`` for ``rnn_step_backward``.
    """
    Wx, Wh, b = _check_rnn_weights(Wx, Wh, b)
    D, H = Wx.shape
    x = check_array(x, "x", ("N", D), dtype="number")
    prev_h = check_array(prev_h, "prev_h", ("N", H), dtype="number")
    check_same_size("x", x.shape[0], "prev_h", prev_h.shape[0], "batch size")
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, StepCache(x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward pass of ``rnn_step_forward``.

    Args:
        dnext_h: (N, H) upstream gradient of the loss with respect to ``next_h``.
        cache: from ``rnn_step_forward``.

    Returns:
        ``StepGrads(dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,))``.
    """
    x, prev_h, Wx, Wh, next_h = check_cache(cache, "cache", 5, "rnn_step_forward")
    dnext_h = check_array(dnext_h, "dnext_h", next_h.shape, dtype="float")
    da = dnext_h * (1.0 - next_h**2)  # tanh'(a) = 1 - tanh(a)^2
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return StepGrads(dx, dprev_h, dWx, dWh, db)


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence, the same weights at every step.

    Args:
        x: (N, T, D) input sequence.
        h0: (N, H) initial hidden state (zeros to start a sequence).
        Wx: (D, H), Wh: (H, H), b: (H,) the shared weights.

    Returns:
        ``h: (N, T, H)`` the hidden state at every step, and the list of the ``T`` steps'
        ``StepCache`` for ``rnn_backward``.
    """
    Wx, Wh, b = _check_rnn_weights(Wx, Wh, b)
    D, H = Wx.shape
    x = check_array(x, "x", ("N", "T", D), dtype="number")
    h0 = check_array(h0, "h0", ("N", H), dtype="number")
    check_same_size("x", x.shape[0], "h0", h0.shape[0], "batch size")
    N, T, _ = x.shape
    h = np.empty((N, T, H), dtype=np.result_type(x, Wx, np.float64))
    caches = []
    prev = h0
    for t in range(T):
        prev, cache = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        caches.append(cache)
    return h, caches


def _check_step_caches(cache) -> list[StepCache]:
    if not isinstance(cache, list) or not cache:
        raise TypeError(f"cache: expected the list of step caches returned by rnn_forward, "
                        f"got {type(cache).__name__}")
    return [StepCache(*check_cache(c, "cache", 5, "rnn_step_forward")) for c in cache]


def rnn_backward(dh, cache):
    """Backpropagation through time for ``rnn_forward``.

    The hidden state ``h_t`` is used twice (by the output at step t and by step t+1), so
    its gradient is the sum of both upstream gradients; the shared weights receive the
    sum of the gradients of every step.

    Args:
        dh: (N, T, H) upstream gradient with respect to every hidden state.
        cache: from ``rnn_forward``.

    Returns:
        ``dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)``.
    """
    caches = _check_step_caches(cache)
    T = len(caches)
    Wx, Wh = caches[0].Wx, caches[0].Wh
    N, D = caches[0].x.shape
    H = Wh.shape[0]
    dh = check_array(dh, "dh", (N, T, H), dtype="float")
    dx = np.zeros((N, T, D))
    dWx = np.zeros_like(Wx, dtype=np.float64)
    dWh = np.zeros_like(Wh, dtype=np.float64)
    db = np.zeros(H)
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        step = rnn_step_backward(dh[:, t] + dprev, caches[t])  # h_t's two gradients add
        dx[:, t], dprev = step.dx, step.dprev_h
        dWx += step.dWx
        dWh += step.dWh
        db += step.db
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    """Look up the vectors of integer token ids.

    Args:
        x: (N, T) integer ids in ``[0, V)``.
        W: (V, D) embedding matrix, one row per token.

    Returns:
        ``out: (N, T, D)`` and a cache for ``word_embedding_backward``.
    """
    W = check_array(W, "W", ("V", "D"), dtype="float")
    x = check_ids(x, "x", W.shape[0], ("N", "T"))
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    """Backward pass of ``word_embedding_forward``: rows of ids used several times
    accumulate all their gradients.

    Args:
        dout: (N, T, D) upstream gradient.
        cache: from ``word_embedding_forward``.

    Returns:
        ``dW: (V, D)``.
    """
    x, (V, D) = check_cache(cache, "cache", 2, "word_embedding_forward")
    dout = check_array(dout, "dout", (*x.shape, D), dtype="float")
    dW = np.zeros((V, D))
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    """The same affine map applied at every time step.

    Args:
        x: (N, T, D) inputs (e.g. hidden states).
        w: (D, M) weights.
        b: (M,) bias.

    Returns:
        ``out: (N, T, M)`` and a cache for ``temporal_affine_backward``.
    """
    w = check_array(w, "w", ("D", "M"), dtype="float")
    D, M = w.shape
    b = check_array(b, "b", (M,), dtype="float")
    x = check_array(x, "x", ("N", "T", D), dtype="number")
    return x @ w + b, (x, w)


def temporal_affine_backward(dout, cache):
    """Backward pass of ``temporal_affine_forward``.

    Args:
        dout: (N, T, M) upstream gradient.
        cache: from ``temporal_affine_forward``.

    Returns:
        ``dx: (N, T, D), dw: (D, M), db: (M,)``.
    """
    x, w = check_cache(cache, "cache", 2, "temporal_affine_forward")
    N, T, D = x.shape
    M = w.shape[1]
    dout = check_array(dout, "dout", (N, T, M), dtype="float")
    dx = dout @ w.T
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask=None):
    """Softmax cross-entropy summed over time steps and averaged over the batch.

    Args:
        x: (N, T, V) scores (logits).
        y: (N, T) integer targets in ``[0, V)``.
        mask: (N, T) booleans or 0/1, which steps count (None: all of them).

    Returns:
        ``loss`` (a float, nats) and ``dx: (N, T, V)``.
    """
    x = check_array(x, "x", ("N", "T", "V"), dtype="float")
    N, T, V = x.shape
    y = check_ids(y, "y", V, (N, T))
    if mask is None:
        mask = np.ones((N, T), dtype=bool)
    mask = check_array(mask, "mask", (N, T)).astype(bool)
    flat = x.reshape(N * T, V)
    shifted = flat - flat.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    yf, mf = y.reshape(-1), mask.reshape(-1)
    loss = -np.sum(mf * log_probs[np.arange(N * T), yf]) / N
    dflat = np.exp(log_probs)
    dflat[np.arange(N * T), yf] -= 1.0
    dflat *= mf[:, None] / N
    return float(loss), dflat.reshape(N, T, V)


# ---------------------------------------------------------------- a character/word RNN LM


def init_rnn_lm(vocab_size, embed_dim, hidden_dim, *, seed=0, scale=None):
    """Small random parameters of an RNN language model (embedding -> RNN -> affine).

    Args:
        vocab_size: V. embed_dim: D. hidden_dim: H.
        seed: seed of the random generator.
        scale: standard deviation of the weights (default ``1/sqrt(fan_in)``).

    Returns:
        a dict of float64 arrays, ``W_embed`` (V, D), ``Wx`` (D, H), ``Wh`` (H, H),
        ``b`` (H,), ``W_out`` (H, V) and ``b_out`` (V,).
    """
    V = check_positive_int(vocab_size, "vocab_size", minimum=2)
    D = check_positive_int(embed_dim, "embed_dim")
    H = check_positive_int(hidden_dim, "hidden_dim")
    total = V * D + D * H + H * H + H + H * V + V
    check_result_size(total, np.float64, "vocab_size, embed_dim, hidden_dim", what="parameters")
    rng = np.random.default_rng(check_seed(seed))

    def w(fan_in, *shape):
        s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        return rng.normal(0.0, s, size=shape)

    return {
        "W_embed": rng.normal(0.0, 1.0, size=(V, D)),
        "Wx": w(D, D, H),
        "Wh": w(H, H, H),
        "b": np.zeros(H),
        "W_out": w(H, H, V) * 0.1,
        "b_out": np.zeros(V),
    }


_LM_KEYS = ("W_embed", "Wx", "Wh", "b", "W_out", "b_out")


def _check_params(params):
    if not isinstance(params, dict):
        raise TypeError(f"params: expected the dict returned by init_rnn_lm, got {type(params).__name__}")
    missing = [k for k in _LM_KEYS if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {list(_LM_KEYS)}, missing {missing}")
    for key in _LM_KEYS:
        check_array(params[key], f"params[{key!r}]", ndim=1 if key.startswith("b") else 2, dtype="float")


def rnn_lm_forward(params, inputs, h0=None):
    """Forward pass of an RNN language model: embedding, RNN, affine scores at every step.

    Args:
        params: dict from ``init_rnn_lm``.
        inputs: (N, T) integer token ids.
        h0: (N, H) initial hidden state (zeros if None).

    Returns:
        ``(scores, h, caches)``: scores (N, T, V), hidden states h (N, T, H), and the
        caches of the three layers ``(embedding, rnn, affine)`` that the backward pass
        needs (what full BPTT keeps in memory).
    """
    _check_params(params)
    V = params["W_embed"].shape[0]
    H = params["Wh"].shape[0]
    inputs = check_ids(inputs, "inputs", V, ("N", "T"))
    if h0 is None:
        h0 = np.zeros((inputs.shape[0], H))
    emb, emb_cache = word_embedding_forward(inputs, params["W_embed"])
    h, rnn_cache = rnn_forward(emb, h0, params["Wx"], params["Wh"], params["b"])
    scores, aff_cache = temporal_affine_forward(h, params["W_out"], params["b_out"])
    return scores, h, (emb_cache, rnn_cache, aff_cache)


def rnn_lm_loss(params, inputs, targets, h0=None, mask=None):
    """Loss and gradients of an RNN language model on one batch (full BPTT over T steps).

    Args:
        params: dict from ``init_rnn_lm``.
        inputs: (N, T) integer token ids.
        targets: (N, T) the next token at every step (the inputs shifted by one).
        h0: (N, H) initial hidden state (zeros if None).
        mask: (N, T) which steps count in the loss.

    Returns:
        ``loss`` (float, nats summed over steps, averaged over the batch), ``grads``
        (dict, same keys and shapes as ``params``) and ``h_last: (N, H)``.
    """
    _check_params(params)
    V = params["W_embed"].shape[0]
    inputs = check_ids(inputs, "inputs", V, ("N", "T"))
    targets = check_ids(targets, "targets", V, inputs.shape)
    scores, h, (emb_cache, rnn_cache, aff_cache) = rnn_lm_forward(params, inputs, h0)
    loss, dscores = temporal_softmax_loss(scores, targets, mask)
    dh, dW_out, db_out = temporal_affine_backward(dscores, aff_cache)
    demb, _, dWx, dWh, db = rnn_backward(dh, rnn_cache)
    dW_embed = word_embedding_backward(demb, emb_cache)
    grads = {"W_embed": dW_embed, "Wx": dWx, "Wh": dWh, "b": db, "W_out": dW_out, "b_out": db_out}
    return loss, grads, h[:, -1]


def rnn_lm_sample(params, seed_ids, length, *, temperature=1.0, rng=None):
    """Generate token ids from an RNN language model, one step at a time.

    Args:
        params: dict from ``init_rnn_lm``.
        seed_ids: (S,) ids fed first (S >= 1); sampling continues from the last one.
        length: how many new ids to generate.
        temperature: > 0; lower is greedier (see ``course_lib.decoding.sample_next``).
        rng: a ``numpy.random.Generator`` (default: a fresh one seeded with 0).

    Returns:
        ``ids: (length,)`` int64.
    """
    from course_lib.decoding import sample_next

    _check_params(params)
    V = params["W_embed"].shape[0]
    seed_ids = check_ids(seed_ids, "seed_ids", V, ("S",))
    length = check_nonnegative_int(length, "length")
    check_result_size(length, np.int64, "length", what="ids")
    rng = rng if rng is not None else np.random.default_rng(0)
    h = np.zeros((1, params["Wh"].shape[0]))
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    for i in seed_ids[:-1]:
        h = np.tanh(params["W_embed"][i][None] @ Wx + h @ Wh + b)
    token = int(seed_ids[-1])
    out = np.empty(length, dtype=np.int64)
    for k in range(length):
        h = np.tanh(params["W_embed"][token][None] @ Wx + h @ Wh + b)
        logits = h[0] @ params["W_out"] + params["b_out"]
        token = int(sample_next(logits, temperature=temperature, rng=rng))
        out[k] = token
    return out
