"""Bad inputs to the lessons' course_lib functions fail clearly.

Wrong ranks, mismatched batch or time sizes, wrong dtypes, empty sequences,
out-of-vocabulary ids and impossible settings must raise ``ValueError`` / ``TypeError``
/ ``FileNotFoundError`` naming the argument, never an opaque TensorFlow error or a
silently wrong result. Property-based where the space of bad inputs is large.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib import decoding, gradcheck, metrics, numpy_rnn, recipe, translation
from course_lib.data import series, tasks, text
from course_lib.vocabulary import Vocabulary

FAST = settings(max_examples=30, deadline=None)
CLEAR = (ValueError, TypeError)

N, T, D, H, V = 2, 3, 4, 5, 6


def _rnn_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, D)), np.zeros((N, H)), rng.normal(size=(D, H)),
            rng.normal(size=(H, H)), np.zeros(H))


def _perturb(shape, how, k):
    """A wrong version of ``shape``: one axis resized, an axis added, or one removed."""
    shape = list(shape)
    if how == "resize":
        i = k % len(shape)
        shape[i] = shape[i] + 1 + k % 3
    elif how == "add":
        shape.insert(k % (len(shape) + 1), 1 + k % 3)
    else:
        del shape[k % len(shape)]
    return tuple(shape)


# -- numpy_rnn -------------------------------------------------------------------------------


@FAST
@given(st.integers(0, 4), st.sampled_from(["resize", "add", "drop"]), st.integers(0, 11))
def test_rnn_forward_refuses_any_wrong_shape(which, how, k):
    args = list(_rnn_arrays())
    names = ["x", "h0", "Wx", "Wh", "b"]
    bad_shape = _perturb(args[which].shape, how, k)
    assume(bad_shape != args[which].shape and 0 not in bad_shape)
    assume(not (which == 0 and how == "resize" and k % 3 == 1))  # any length T is fine
    args[which] = np.ones(bad_shape)
    with pytest.raises(ValueError, match=rf"\b({names[which]}|{'|'.join(names)})\b.*(expected|same)"):
        numpy_rnn.rnn_forward(*args)


@pytest.mark.parametrize("which", range(5))
def test_rnn_step_forward_refuses_non_numeric_arrays(which):
    x, h0, Wx, Wh, b = _rnn_arrays()
    args = [x[:, 0], h0, Wx, Wh, b]
    args[which] = args[which].astype(str)
    with pytest.raises(TypeError, match="expected a (number|float) array"):
        numpy_rnn.rnn_step_forward(*args)


def test_rnn_backward_refuses_a_gradient_of_the_wrong_shape():
    h, cache = numpy_rnn.rnn_forward(*_rnn_arrays())
    with pytest.raises(ValueError, match="dh"):
        numpy_rnn.rnn_backward(h[:, :2], cache)
    _, step_cache = numpy_rnn.rnn_step_forward(*[a[:, 0] if a.ndim == 3 else a for a in _rnn_arrays()])
    with pytest.raises(ValueError, match="dnext_h"):
        numpy_rnn.rnn_step_backward(np.ones((N, H + 1)), step_cache)


@FAST
@given(st.lists(st.integers(-3, V + 3), min_size=1, max_size=8))
def test_word_embedding_refuses_out_of_vocabulary_ids(ids):
    W = np.ones((V, D))
    ids = np.array([ids])
    if ids.min() < 0 or ids.max() >= V:
        with pytest.raises(ValueError, match="out-of-vocabulary"):
            numpy_rnn.word_embedding_forward(ids, W)
    else:
        out, _ = numpy_rnn.word_embedding_forward(ids, W)
        assert out.shape == (*ids.shape, D)


def test_word_embedding_refuses_float_ids_and_a_weight_vector():
    with pytest.raises(TypeError, match="int array"):
        numpy_rnn.word_embedding_forward(np.array([[0.0, 1.0]]), np.ones((V, D)))
    with pytest.raises(ValueError, match="W"):
        numpy_rnn.word_embedding_forward(np.array([[0, 1]]), np.ones(V))


def test_temporal_affine_refuses_mismatched_weights():
    x = np.ones((N, T, D))
    with pytest.raises(ValueError, match=r"\b(x|w)\b: expected"):
        numpy_rnn.temporal_affine_forward(x, np.ones((D + 1, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="b"):
        numpy_rnn.temporal_affine_forward(x, np.ones((D, 2)), np.zeros(3))


@FAST
@given(st.sampled_from(["oov", "shape", "float", "mask"]), st.integers(0, 5))
def test_temporal_softmax_loss_refuses_bad_targets_and_masks(kind, k):
    scores = np.zeros((N, T, V))
    y = np.zeros((N, T), int)
    mask = None
    if kind == "oov":
        y[k % N, k % T] = V + k
    elif kind == "shape":
        y = np.zeros((N, T + 1 + k), int)
    elif kind == "float":
        y = y.astype(float)
    else:
        mask = np.ones((N, T + 1 + k))
    with pytest.raises(CLEAR, match=r"\b(y|mask)\b"):
        numpy_rnn.temporal_softmax_loss(scores, y, mask=mask)


def test_rnn_lm_refuses_bad_sizes_ids_and_settings():
    with pytest.raises(CLEAR, match="vocab_size"):
        numpy_rnn.init_rnn_lm(0, 3, 4)
    with pytest.raises(CLEAR, match="vocab_size"):
        numpy_rnn.init_rnn_lm(5.5, 3, 4)
    params = numpy_rnn.init_rnn_lm(V, 3, 4)
    with pytest.raises(ValueError, match="out-of-vocabulary"):
        numpy_rnn.rnn_lm_loss(params, np.array([[0, V]]), np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"\b(targets|y)\b: expected"):
        numpy_rnn.rnn_lm_loss(params, np.array([[0, 1]]), np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match="inputs"):
        numpy_rnn.rnn_lm_loss(params, np.zeros((1, 0), int), np.zeros((1, 0), int))
    with pytest.raises(ValueError, match="out-of-vocabulary"):
        numpy_rnn.rnn_lm_sample(params, [V + 2], 3)
    with pytest.raises(ValueError, match="seed_ids"):
        numpy_rnn.rnn_lm_sample(params, [], 3)
    with pytest.raises(ValueError, match="temperature"):
        numpy_rnn.rnn_lm_sample(params, [1], 3, temperature=-1)


# -- gradcheck and metrics -------------------------------------------------------------------


def test_gradcheck_refuses_what_it_cannot_perturb_in_place():
    with pytest.raises(TypeError, match="float64"):
        gradcheck.numeric_gradient(lambda: 0.0, np.ones(3, "float32"))
    with pytest.raises(TypeError, match="NumPy array"):
        gradcheck.numeric_gradient(lambda: 0.0, [1.0])
    with pytest.raises(TypeError, match="callable"):
        gradcheck.numeric_gradient(3, np.ones(3))
    with pytest.raises(ValueError, match="h: expected"):
        gradcheck.numeric_gradient(lambda: 0.0, np.ones(3), h=-1)
    with pytest.raises(ValueError, match="dout"):
        gradcheck.numeric_gradient_array(lambda: np.ones(2), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="same shape"):
        gradcheck.rel_error(np.ones(3), np.ones(4))


@FAST
@given(st.one_of(st.floats(max_value=700.0, allow_nan=False, allow_infinity=False),
                 st.sampled_from([float("nan"), float("inf"), float("-inf")]),
                 st.text(max_size=2), st.none()))
def test_perplexity_and_bits_per_char_take_a_finite_non_negative_loss(value):
    good = isinstance(value, float) and np.isfinite(value) and value >= 0
    for fn in (metrics.perplexity, metrics.bits_per_char):
        if good:
            assert fn(value) >= 0
        else:
            with pytest.raises(CLEAR, match="mean_nll: expected"):
                fn(value)


# -- decoding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"logits": np.zeros((2, 3, V))}, "logits"),
        ({"logits": np.zeros(0)}, "logits"),
        ({"logits": np.full(V, np.nan)}, "logits"),
        ({"logits": np.zeros(V), "temperature": -1.0}, "temperature"),
        ({"logits": np.zeros(V), "top_k": 0}, "top_k"),
        ({"logits": np.zeros(V), "top_k": V + 1}, "top_k"),
        ({"logits": np.zeros(V), "top_k": 2.5}, "top_k"),
    ],
)
def test_sample_next_refuses_bad_logits_and_settings(kwargs, match):
    with pytest.raises(CLEAR, match=match):
        decoding.sample_next(**kwargs)


def _uniform_step(tokens, state):
    return np.log(np.full((len(tokens), 5), 0.2)), state


def _wrong_batch_step(tokens, state):
    return np.zeros((len(tokens) + 1, 5)), state


@pytest.mark.parametrize("decode", [decoding.greedy_decode, decoding.beam_search])
@pytest.mark.parametrize(
    ("step", "kwargs", "match"),
    [
        (_uniform_step, {"max_len": 0}, "max_len"),
        (_uniform_step, {"start_id": 1.5}, "start_id"),
        (_uniform_step, {"end_id": 9}, "end_id"),
        (_wrong_batch_step, {}, "log_probs|step_fn"),
    ],
)
def test_decoders_refuse_bad_settings_and_step_functions(decode, step, kwargs, match):
    args = {"start_id": 1, "end_id": 2, "max_len": 3, **kwargs}
    with pytest.raises(CLEAR, match=match):
        decode(step, np.zeros((2, 3)), **args)


def test_beam_search_refuses_an_empty_beam():
    with pytest.raises(CLEAR, match="beam_width"):
        decoding.beam_search(_uniform_step, np.zeros((2, 3)), start_id=1, end_id=2, max_len=3,
                             beam_width=0)


# -- synthetic tasks and series --------------------------------------------------------------


@FAST
@given(st.integers(-2, 4), st.integers(-2, 4), st.integers(-2, 4))
def test_task_generators_refuse_impossible_sizes(n, length, symbols):
    if n >= 1 and length >= 2:
        x, y = tasks.adding_problem(n, length)
        assert x.shape == (n, length, 2) and y.shape[0] == n
    else:
        with pytest.raises(ValueError, match=r"\b(n|T)\b: expected"):
            tasks.adding_problem(n, length)
    if n >= 1 and length >= 1 and symbols >= 2:
        x, y = tasks.recall_task(n, length, num_symbols=symbols)
        assert len(x) == n and y.min() >= 0 and y.max() < symbols
    else:
        with pytest.raises(ValueError, match=r"\b(n|T|num_symbols)\b: expected"):
            tasks.recall_task(n, length, num_symbols=symbols)


def test_task_generators_refuse_non_int_sizes():
    with pytest.raises(TypeError, match="T: expected an int"):
        tasks.adding_problem(3, 5.0)
    with pytest.raises(CLEAR, match="num_symbols"):
        tasks.recall_chance_accuracy(0)


@FAST
@given(st.integers(1, 12), st.integers(-1, 8), st.integers(-1, 4))
def test_make_windows_refuses_windows_longer_than_the_series(length, window, horizon):
    values = np.arange(length, dtype="float32")
    if window >= 1 and horizon >= 1 and length - window - horizon + 1 >= 1:
        x, y = series.make_windows(values, window, horizon)
        assert x.shape == (length - window - horizon + 1, window, 1)
        np.testing.assert_array_equal(y, values[window + horizon - 1:])
    else:
        with pytest.raises(ValueError, match=r"(window|horizon|series)"):
            series.make_windows(values, window, horizon)


def test_make_windows_refuses_a_table_and_text():
    with pytest.raises(ValueError, match="series"):
        series.make_windows(np.ones((10, 2)), 3)
    with pytest.raises(TypeError, match="series"):
        series.make_windows(np.array(list("abcdef")), 2)


# -- text ------------------------------------------------------------------------------------


def test_text_helpers_refuse_bad_inputs(tmp_path):
    with pytest.raises(TypeError, match="text"):
        text._normalize_text(5)
    with pytest.raises(ValueError, match="replacement"):
        text._normalize_text("a", "??")
    with pytest.raises(FileNotFoundError, match="nonexistent"):
        text._read_text_file(tmp_path / "nonexistent.txt")
    for fraction in (0, 1, -0.5):
        with pytest.raises(ValueError, match="val_fraction"):
            text.split_text("abcdefgh", fraction)
    with pytest.raises(ValueError, match="text"):
        text.split_text("", 0.5)
    with pytest.raises(CLEAR, match="max_chars"):
        text.stdlib_source_text(0)
    with pytest.raises(FileNotFoundError):
        text.stdlib_source_text(100, stdlib_dir=tmp_path / "nonexistent")


@FAST
@given(st.lists(st.integers(-2, 8), min_size=1, max_size=6), st.integers(1, 6))
def test_one_hot_and_vocab_decode_refuse_out_of_vocabulary_ids(ids, vocab_size):
    if min(ids) < 0 or max(ids) >= vocab_size:
        with pytest.raises(ValueError, match="out-of-vocabulary"):
            text.one_hot(ids, vocab_size)
    else:
        out = text.one_hot(ids, vocab_size)
        np.testing.assert_array_equal(out.argmax(-1), ids)
    vocab = text.CharVocab("abc")
    if min(ids) < 0 or max(ids) >= len(vocab):
        with pytest.raises(ValueError, match="ids"):
            vocab.decode(ids)
    else:
        assert len(vocab.decode(ids)) == len(ids)


def test_char_vocab_refuses_unknown_characters_and_float_ids():
    vocab = text.CharVocab("hello world")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("xyz")
    with pytest.raises(TypeError, match="ids"):
        vocab.decode([0.5])
    with pytest.raises(ValueError, match="ids"):
        vocab.decode([[0, 1]])
    with pytest.raises(ValueError, match="text"):
        text.CharVocab("")


# -- recipe ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: recipe.log_uniform(0, 1, 3), "low"),
        (lambda: recipe.log_uniform(1, 0.1, 3), "high|low"),
        (lambda: recipe.log_uniform(0.1, 1, 0), "size"),
        (lambda: recipe.grid_search_points({"lr": (1e-3, 1e-1)}, 0), "per_axis"),
        (lambda: recipe.grid_search_points({}, 3), "space"),
        (lambda: recipe.grid_search_points({"lr": 3}, 3), "space|lr"),
        (lambda: recipe.random_search_points({"lr": (1e-3, 1e-1)}, 0), "n_trials"),
        (lambda: recipe.ensemble_probabilities(np.ones((2, 3))), "probs"),
        (lambda: recipe.ensemble_probabilities(np.full((2, 3, 4), 5.0)), "probs"),
        (lambda: recipe.ensemble_probabilities(np.full((2, 3, 4), np.nan)), "probs"),
        (lambda: recipe.accuracy(np.ones((3, 4)) / 4, np.zeros(2, int)), "labels|probs"),
        (lambda: recipe.accuracy(np.ones((3, 4)) / 4, np.full(3, 7)), "labels"),
        (lambda: recipe.accuracy(np.ones((3, 4)) / 4, np.zeros(3)), "labels"),
        (lambda: recipe.suggest_learning_rate(np.ones(5), np.ones(4)), "lrs|losses"),
        (lambda: recipe.suggest_learning_rate(-np.logspace(-3, 0, 10), np.arange(10.0)), "lrs"),
        (lambda: recipe.cosine_restarts(0.1, 0), "cycle_steps"),
        (lambda: recipe.cosine_restarts(-0.1, 10), "initial_lr"),
        (lambda: recipe.cosine_restarts(0.1, 10, alpha=2), "alpha"),
        (lambda: recipe._cycle_ends(0, 10), "first_decay_steps"),
        (lambda: recipe._cycle_ends(5, 10, t_mul=0.5), "t_mul"),
    ],
)
def test_recipe_helpers_refuse_bad_inputs(call, match):
    with pytest.raises(CLEAR, match=match):
        call()


# -- Keras layers: cells and attention -------------------------------------------------------


def test_cells_refuse_bad_sizes_and_inputs_of_the_wrong_shape():
    import keras

    from course_lib import cells

    for cls in (cells.ElmanCell, cells.LSTMCell, cells.PeepholeLSTMCell, cells.GRUCell):
        for units in (0, 2.5, True):
            with pytest.raises(CLEAR, match="units"):
                cls(units)
        layer = keras.layers.RNN(cls(3))
        layer(np.ones((2, 4, 5), "float32"))
        with pytest.raises(ValueError, match=r"inputs: expected shape \(batch, 5\)"):
            layer(np.ones((2, 4, 6), "float32"))
        with pytest.raises(ValueError):
            keras.layers.RNN(cls(3))(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="kind"):
        cells.rnn_param_count("transformer", 3, 4)
    with pytest.raises(CLEAR, match="units"):
        cells.rnn_param_count("lstm", 3, 0)
    with pytest.raises(CLEAR):
        cells.copy_keras_weights(cells.LSTMCell(3), keras.layers.GRU(3))
    lstm = keras.layers.RNN(cells.LSTMCell(3))
    lstm(np.ones((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match="x"):
        cells.lstm_gates(lstm.cell, np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="x"):
        cells.lstm_gates(lstm.cell, np.ones((1, 2, 5), "float32"))


def test_bahdanau_attention_refuses_wrong_ranks_and_sizes():
    from course_lib.attention import BahdanauAttention

    query, values = np.ones((2, 5), "float32"), np.ones((2, 3, 6), "float32")
    for units in (0, -1, 2.5, True):
        with pytest.raises((ValueError, TypeError), match="units: expected an int"):
            BahdanauAttention(units)
    with pytest.raises(ValueError, match=r"values: expected shape \(batch, S, Dv\)"):
        BahdanauAttention(4)(query, values[:, 0])
    with pytest.raises(ValueError, match=r"query: expected shape \(batch, Dq\)"):
        BahdanauAttention(4)(query[:, None, None], values)
    with pytest.raises(ValueError, match=r"values_mask: expected shape \(batch, S\)"):
        BahdanauAttention(4)(query, values, values_mask=np.ones((2, 3, 1), bool))


# -- dates and IMDB --------------------------------------------------------------------------


def test_date_pairs_and_vocabularies_refuse_bad_inputs():
    from course_lib.data import dates

    with pytest.raises(TypeError, match="text"):
        dates.tokenize(3)
    for kwargs in ({"n": 0}, {"n": 3, "languages": ("xx",)}, {"n": 3, "years": (2030, 1990)},
                   {"n": 3, "style": "weird"}, {"n": 3, "seed": -1}):
        with pytest.raises(CLEAR):
            dates.make_date_pairs(**kwargs)
    with pytest.raises(ValueError, match="tokens"):
        Vocabulary([])
    with pytest.raises(TypeError, match="tokens"):
        Vocabulary(["a", 3])
    with pytest.raises(ValueError, match="unknown"):
        Vocabulary(["a"], unknown="ignore")
    with pytest.raises(ValueError, match=r"token_lists\[1\]: token\(s\) \['d'\] not in the vocabulary"):
        Vocabulary(["a"], unknown="error").encode([["a"], ["d", "a"]])
    vocab = Vocabulary(["a", "b", "c"])
    with pytest.raises(ValueError, match="length"):
        vocab.encode([["a", "b", "c"]], length=2)
    with pytest.raises(ValueError, match="token_lists"):
        vocab.encode([])
    with pytest.raises(ValueError, match="ids"):
        vocab.decode([[0, 99]])
    with pytest.raises(TypeError, match="pairs"):
        dates.encode_pairs("x", vocab, vocab)


def test_imdb_reader_refuses_missing_data_and_bad_splits(tmp_path):
    from course_lib.data import imdb

    with pytest.raises(FileNotFoundError):
        imdb._read_aclimdb(tmp_path / "nonexistent")
    with pytest.raises(ValueError, match="split"):
        imdb._read_aclimdb(tmp_path, split="dev")
    with pytest.raises(ValueError, match="split"):
        imdb.load_imdb(split="dev")
    with pytest.raises(TypeError):
        imdb._clean_review(5)


# -- sequence metrics and seq2seq ------------------------------------------------------------


@FAST
@given(st.lists(st.lists(st.sampled_from("ab"), max_size=3), max_size=3),
       st.lists(st.lists(st.sampled_from("ab"), max_size=3), max_size=3))
def test_sequence_metrics_need_as_many_predictions_as_references(predictions, references):
    if len(predictions) != len(references) or not references:
        for fn in (metrics.exact_match, metrics.token_accuracy):
            with pytest.raises(ValueError, match="predictions and references: expected the same"):
                fn(predictions, references)
    else:
        assert 0.0 <= metrics.exact_match(predictions, references) <= 1.0
        if any(references):
            assert 0.0 <= metrics.token_accuracy(predictions, references) <= 1.0
        else:
            with pytest.raises(ValueError, match="references: expected at least one token"):
                metrics.token_accuracy(predictions, references)


def test_sequence_metrics_refuse_strings_and_arrays():
    for bad in ("abc", np.array([[1, 2]]), [1, 2]):
        with pytest.raises(TypeError, match="predictions: expected a list of token lists"):
            metrics.exact_match(bad, [["a"]])


@pytest.mark.parametrize(
    ("weights", "truth", "match"),
    [
        (np.ones((2, 3)), np.zeros((2, 3), int), "weights: expected shape"),
        (np.ones((2, 3, 4)), np.zeros((2, 2), int), "must agree on N and T"),
        (np.ones((2, 3, 4)), np.full((2, 3), 4), "true_alignment: indices must be < S"),
        (np.ones((2, 3, 4)), np.full((2, 3), -1), "true_alignment: expected at least one"),
        (np.ones((2, 3, 4)), np.zeros((2, 3)), "true_alignment: expected a int array"),
    ],
)
def test_alignment_accuracy_refuses_bad_maps(weights, truth, match):
    with pytest.raises(CLEAR, match=match):
        metrics.alignment_accuracy(weights, truth)


def test_build_seq2seq_and_step_functions_refuse_bad_sizes_and_sources():
    from course_lib import seq2seq

    for kwargs, match in [({"source_vocab_size": 0}, "source_vocab_size"),
                          ({"units": 2.5}, "units"), ({"embed_dim": 0}, "embed_dim")]:
        args = {"source_vocab_size": 5, "target_vocab_size": 6, **kwargs}
        with pytest.raises(CLEAR, match=match):
            seq2seq.build_seq2seq(args.pop("source_vocab_size"), args.pop("target_vocab_size"),
                                  **args)
    parts = seq2seq.build_seq2seq(5, 6, embed_dim=4, units=8)
    with pytest.raises(ValueError, match=r"source: expected shape \(batch, S\)"):
        translation.encode(parts["encoder"], np.array([1, 2]))
    with pytest.raises(TypeError, match="source: expected a int array"):
        translation.encode(parts["encoder"], np.array([[1.0, 2.0]]))


# -- plots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: p.plot_learning_curves({"loss": [1, 2]}, metric="accuracy"), ValueError, "history"),
        (lambda p: p.plot_learning_curves({"loss": []}), ValueError, "history"),
        (lambda p: p.plot_learning_curves([1, 2, 3]), TypeError, "history"),
        (lambda p: p.plot_gate_heatmap(np.ones(5)), ValueError, "values"),
        (lambda p: p.plot_gate_heatmap(np.ones((0, 3))), ValueError, "values"),
        (lambda p: p.plot_gradient_norms({}), TypeError, "curves"),
        (lambda p: p.plot_gradient_norms({"a": [1.0, 2.0]}, x=[1, 2, 3]), ValueError, "x"),
        (lambda p: p.plot_gradient_norms({"a": np.ones((2, 2))}), ValueError, "curves"),
        (lambda p: p.plot_image_attention(np.ones((4, 4, 3)), np.ones(3)), ValueError, "weights"),
        (lambda p: p.plot_image_attention(np.ones((4, 4, 3)), -np.ones((2, 2))), ValueError, "weights"),
        (lambda p: p.plot_image_attention(np.ones((4, 4, 3)), np.ones((2, 2)), alpha=2), ValueError, "alpha"),
        (lambda p: p.plot_attention_heatmap(np.ones((2, 3)), ["a", "b"], ["x", "y"]), ValueError, "weights"),
        (lambda p: p.plot_attention_heatmap(np.ones(3), ["a", "b", "c"], ["x"]), ValueError, "weights"),
        (lambda p: p.plot_attention_heatmap(np.ones((2, 3)), ["a", "b", "c"], ["x", "y"],
                                            true_alignment=[0]), ValueError, "true_alignment"),
    ],
)
def test_plots_refuse_bad_data_before_drawing(call, error, match):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib import plots

    try:
        with pytest.raises(error, match=match):
            call(plots)
    finally:
        plt.close("all")


# -- full-scale readers and generated scenes -------------------------------------------------


def test_flickr8k_and_flowers_readers_fail_clearly_on_missing_or_truncated_files(tmp_path):
    from course_lib.data import flickr8k, flowers, images

    with pytest.raises(TypeError, match="caption"):
        flickr8k._clean_caption(3)
    with pytest.raises(FileNotFoundError, match="no Flickr8k file"):
        flickr8k._parse_tokens(tmp_path / "missing.txt")
    truncated = tmp_path / "Flickr8k.token.txt"
    truncated.write_text("1000268201_693b08cb0e.jpg#0\tA child in a pink dress .\n"
                         "1000268201_693b08cb0e.jpg#")  # the download stopped here
    with pytest.raises(ValueError, match=r"Flickr8k.token.txt:2: expected"):
        flickr8k._parse_tokens(truncated)
    with pytest.raises(FileNotFoundError, match="no Flickr8k folder"):
        flickr8k.load_flickr8k(tmp_path / "missing")
    with pytest.raises(ValueError, match="size"):
        flickr8k.load_images(tmp_path, ["x.jpg"], size=0)
    with pytest.raises(FileNotFoundError):
        flowers.list_images(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="flower_photos"):
        flowers.list_images(tmp_path)
    with pytest.raises(FileNotFoundError, match="no image at"):
        images.load_images([tmp_path / "missing.jpg"])
    with pytest.raises(ValueError, match="paths"):
        images.load_images([])
    with pytest.raises(ValueError, match="test_fraction"):
        flowers.load_flowers(test_fraction=0, root=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n": 0}, "n"), ({"n": 2, "image_size": 10}, "image_size"),
     ({"n": 2, "max_objects": 4}, "max_objects"), ({"n": 2, "noise": -1.0}, "noise")],
)
def test_make_scenes_refuses_impossible_settings(kwargs, match):
    from course_lib.data import scenes

    with pytest.raises(CLEAR, match=rf"{match}: expected"):
        scenes.make_scenes(**kwargs)


def test_window_dataset_refuses_short_series_and_tables():
    with pytest.raises(ValueError, match="series: expected at least"):
        series.window_dataset(np.ones(3), 3)
    with pytest.raises(ValueError, match="batch_size"):
        series.window_dataset(np.ones(10), 3, batch_size=0)
    with pytest.raises(ValueError, match=r"series: expected shape \(time,\)"):
        series.window_dataset(np.ones((10, 2)), 3)
