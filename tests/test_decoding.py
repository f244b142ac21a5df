"""Greedy decoding and beam search against brute force on a tiny vocabulary."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_lib.decoding import beam_search, greedy_decode

V, END, START, MAX_LEN = 4, 3, 0, 4


def _table(n_examples, seed, sharp=1.0):
    """log p(next | example, position, previous token): (n, MAX_LEN, V, V)."""
    rng = np.random.default_rng(seed)
    z = sharp * rng.normal(size=(n_examples, MAX_LEN, V, V))
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _step_fn(table):
    def step(tokens, state):
        pos, example = state
        return table[example, pos, tokens], (pos + 1, example)

    return step


def _initial(n):
    return (np.zeros(n, dtype=int), np.arange(n))


def _brute_force(table, example):
    """Best score over every sequence that ends with END or reaches MAX_LEN."""
    best = -np.inf
    for length in range(1, MAX_LEN + 1):
        for seq in itertools.product(range(V), repeat=length):
            if END in seq[:-1] or (length < MAX_LEN and seq[-1] != END):
                continue
            prev, score = START, 0.0
            for pos, tok in enumerate(seq):
                score += table[example, pos, prev, tok]
                prev = tok
            best = max(best, score)
    return best


def _score(table, example, tokens):
    prev, score = START, 0.0
    for pos, tok in enumerate(tokens):
        score += table[example, pos, prev, tok]
        if tok == END:
            break
        prev = tok
    return score


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wide_beam_finds_the_brute_force_optimum(seed):
    n = 6
    table = _table(n, seed)
    tokens, scores = beam_search(
        _step_fn(table), _initial(n), start_id=START, end_id=END, max_len=MAX_LEN,
        beam_width=V**MAX_LEN,
    )
    for b in range(n):
        assert scores[b] == pytest.approx(_brute_force(table, b))
        assert scores[b] == pytest.approx(_score(table, b, tokens[b]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_is_the_argmax_path_and_beam_is_no_worse(seed):
    n = 8
    table = _table(n, seed, sharp=2.0)
    g_tokens, g_scores = greedy_decode(
        _step_fn(table), _initial(n), start_id=START, end_id=END, max_len=MAX_LEN
    )
    for b in range(n):
        prev, ended = START, False
        for pos in range(MAX_LEN):
            if ended:
                assert g_tokens[b, pos] == 0  # padding after <end>
                continue
            assert g_tokens[b, pos] == table[b, pos, prev].argmax()
            prev = g_tokens[b, pos]
            ended = prev == END
        assert g_scores[b] == pytest.approx(_score(table, b, g_tokens[b]))
        assert g_scores[b] <= _brute_force(table, b) + 1e-12
    b_tokens, b_scores = beam_search(
        _step_fn(table), _initial(n), start_id=START, end_id=END, max_len=MAX_LEN, beam_width=1
    )
    np.testing.assert_array_equal(b_tokens, g_tokens)
    np.testing.assert_allclose(b_scores, g_scores)


def test_beam_returns_sorted_distinct_hypotheses_and_batches_independently():
    n = 5
    table = _table(n, 7)
    tokens, scores = beam_search(
        _step_fn(table), _initial(n), start_id=START, end_id=END, max_len=MAX_LEN,
        beam_width=3, return_all=True,
    )
    assert tokens.shape == (n, 3, MAX_LEN) and scores.shape == (n, 3)
    assert np.all(np.diff(scores, axis=1) <= 0)
    for b in range(n):
        assert len({tuple(t) for t in tokens[b]}) == 3
        # decoding example b alone gives the same answer
        one_table = table[b : b + 1]
        t1, s1 = beam_search(
            _step_fn(one_table), _initial(1), start_id=START, end_id=END, max_len=MAX_LEN,
            beam_width=3, return_all=True,
        )
        np.testing.assert_array_equal(t1[0], tokens[b])
        np.testing.assert_allclose(s1[0], scores[b])


def test_stops_at_end_and_pads():
    # a model that always says END at once
    def step(tokens, state):
        lp = np.full((len(tokens), V), -5.0)
        lp[:, END] = -0.01
        return lp, state

    tokens, scores = greedy_decode(step, np.zeros((2, 1)), start_id=START, end_id=END, max_len=6)
    np.testing.assert_array_equal(tokens, [[END, 0, 0, 0, 0, 0]] * 2)
    np.testing.assert_allclose(scores, -0.01)
    tokens, scores = beam_search(step, np.zeros((2, 1)), start_id=START, end_id=END, max_len=6)
    np.testing.assert_array_equal(tokens, [[END, 0, 0, 0, 0, 0]] * 2)
    np.testing.assert_allclose(scores, -0.01)


def test_nested_dict_state_is_reordered():
    table = _table(2, 3)
    inner = _step_fn(table)

    def step(tokens, state):
        lp, (pos, ex) = inner(tokens, (state["pos"], state["ex"][0]))
        return lp, {"pos": pos, "ex": [ex]}

    t1, s1 = beam_search(
        step, {"pos": np.zeros(2, int), "ex": [np.arange(2)]},
        start_id=START, end_id=END, max_len=MAX_LEN, beam_width=3,
    )
    t2, s2 = beam_search(
        _step_fn(table), _initial(2), start_id=START, end_id=END, max_len=MAX_LEN, beam_width=3
    )
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_allclose(s1, s2)


def test_bad_inputs():
    table = _table(2, 0)
    step = _step_fn(table)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(step, _initial(2), start_id=0, end_id=END, max_len=3, beam_width=0)
    with pytest.raises(ValueError, match="max_len"):
        greedy_decode(step, _initial(2), start_id=0, end_id=END, max_len=0)
    with pytest.raises(ValueError, match="end_id"):
        greedy_decode(step, _initial(2), start_id=0, end_id=V + 2, max_len=3)
    with pytest.raises(ValueError, match="end_id and pad_id"):
        greedy_decode(step, _initial(2), start_id=0, end_id=0, max_len=3)
    with pytest.raises(ValueError, match="batch_size"):
        greedy_decode(step, None, start_id=0, end_id=END, max_len=3)
    with pytest.raises(ValueError, match="log_probs"):
        greedy_decode(lambda t, s: (np.zeros((len(t) + 1, V)), s), _initial(2),
                      start_id=0, end_id=END, max_len=3)
    with pytest.raises(TypeError, match="pair"):
        greedy_decode(lambda t, s: np.zeros((len(t), V)), _initial(2),
                      start_id=0, end_id=END, max_len=3)
