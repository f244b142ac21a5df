"""Encoder, decoders, masked loss, step functions and the saved Translator."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_lib import seq2seq as S  # noqa: E402
from course_lib import translation as T  # noqa: E402
from course_lib.decoding import generate, greedy_decode, step_function  # noqa: E402
from course_lib.vocabulary import SPECIALS, Vocabulary  # noqa: E402

SRC_V, TGT_V, E, H = 11, 9, 6, 8


def _source(seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, SRC_V, size=(3, 7)).astype("int32")
    src[1, 5:] = 0
    src[2, 2:] = 0
    return src


def test_encoder_ignores_padding():
    keras.utils.set_random_seed(0)
    enc = S.Encoder(SRC_V, E, H)
    src = _source()
    outputs, state = (np.asarray(a) for a in enc(src))
    assert outputs.shape == (3, 7, H) and state.shape == (3, H)
    assert np.all(outputs[1, 5:] == 0) and np.all(outputs[2, 2:] == 0)
    np.testing.assert_allclose(state[1], outputs[1, 4], atol=1e-6)  # last real step
    wider = np.pad(src, ((0, 0), (0, 3)))
    _, state2 = enc(wider)
    np.testing.assert_allclose(state, state2, atol=1e-6)


def test_plain_decoder_step_by_step_equals_teacher_forcing():
    keras.utils.set_random_seed(1)
    dec = S.Decoder(TGT_V, E, H)
    rng = np.random.default_rng(1)
    tokens = rng.integers(2, TGT_V, size=(3, 5)).astype("int32")
    s0 = rng.normal(size=(3, H)).astype("float32")
    ctx = rng.normal(size=(3, H)).astype("float32")
    logits, s_end = dec(tokens, s0, ctx)
    s = s0
    for t in range(5):
        lt, s = dec(tokens[:, t : t + 1], s, ctx)
        np.testing.assert_allclose(lt[:, 0], logits[:, t], atol=1e-5)
    np.testing.assert_allclose(s, s_end, atol=1e-5)


def test_attention_decoder_steps_weights_and_masking():
    keras.utils.set_random_seed(2)
    enc = S.Encoder(SRC_V, E, H)
    dec = S.AttentionDecoder(TGT_V, E, H, attention_units=5)
    src = _source(2)
    values, s0 = enc(src)
    mask = src != 0
    tokens = np.random.default_rng(2).integers(2, TGT_V, size=(3, 4)).astype("int32")
    logits, s_end, weights = (np.asarray(a) for a in dec(tokens, s0, values, values_mask=mask))
    assert logits.shape == (3, 4, TGT_V) and weights.shape == (3, 4, 7)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(weights[~np.broadcast_to(mask[:, None], weights.shape)] == 0)
    s = s0
    for t in range(4):
        lt, s, wt = dec(tokens[:, t : t + 1], s, values, values_mask=mask)
        np.testing.assert_allclose(lt[:, 0], logits[:, t], atol=1e-5)
        np.testing.assert_allclose(wt[:, 0], weights[:, t], atol=1e-6)
    np.testing.assert_allclose(s, s_end, atol=1e-5)


def test_masked_loss_ignores_padding():
    rng = np.random.default_rng(3)
    target = np.array([[4, 5, 3, 0, 0], [6, 3, 0, 0, 0]], dtype="int32")
    logits = rng.normal(size=(2, 5, TGT_V)).astype("float32")
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = target > 0
    expected = -np.take_along_axis(logp, target[..., None], -1)[..., 0][real].mean()
    assert float(S.masked_loss(target, logits)) == pytest.approx(expected, rel=1e-5)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=Vocabulary.PAD_ID)
    assert float(keras_loss(target, logits)) == pytest.approx(expected, rel=1e-5)
    changed = logits.copy()
    changed[~real] += 50.0  # whatever the model says at padding does not count
    assert float(S.masked_loss(target, changed)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("attention", [False, True])
def test_build_and_greedy_equals_translator(tmp_path, attention):
    keras.utils.set_random_seed(4)
    parts = S.build_seq2seq(SRC_V, TGT_V, embed_dim=E, units=H, attention=attention)
    src = _source(4)
    tgt_in = np.full((3, 4), Vocabulary.START_ID, dtype="int32")
    assert tuple(parts["model"]([src, tgt_in]).shape) == (3, 4, TGT_V)
    if attention:
        w = np.asarray(parts["attention_model"]([src, tgt_in]))
        assert w.shape == (3, 4, 7)
        np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
    encoded = T.encode(parts["encoder"], src)
    greedy = generate(parts["decoder"], encoded, vocab=Vocabulary, max_len=6, return_attention=attention)
    ids, scores = greedy.tokens, greedy.log_prob
    beam = generate(parts["decoder"], encoded, vocab=Vocabulary, max_len=6, beam_width=3)
    b_ids, b_scores = beam.tokens, beam.log_prob
    if attention:  # the weights of every written token sum to 1 over the source
        written = ~(np.cumsum(ids == Vocabulary.END_ID, axis=1) - (ids == Vocabulary.END_ID) > 0)
        np.testing.assert_allclose(greedy.weights.sum(-1)[written], 1.0, atol=1e-5)
        assert (greedy.weights[~written] == 0).all()
    assert b_ids.shape == ids.shape == (3, 6) and b_scores.shape == scores.shape == (3,)

    source_tokens = [*SPECIALS] + [f"s{i}" for i in range(4, SRC_V)]
    target_tokens = [*SPECIALS] + [f"t{i}" for i in range(4, TGT_V)]
    translator = T.Translator(parts["encoder"], parts["decoder"], source_tokens, target_tokens, max_len=6)
    words = [[source_tokens[i] for i in row if i] for row in src]
    expected = []
    for row in ids:
        row = list(row)
        row = row[: row.index(Vocabulary.END_ID)] if Vocabulary.END_ID in row else row
        expected.append([target_tokens[i] for i in row])
    assert translator.translate(words) == expected
    path = tmp_path / "translator.keras"
    translator.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(again, T.Translator)
    assert again.translate(words) == expected


def test_bad_inputs():
    with pytest.raises(ValueError, match="vocab_size"):
        S.Encoder(0, E, H)
    with pytest.raises(TypeError, match="units"):
        S.Decoder(TGT_V, E, 2.5)
    with pytest.raises(ValueError, match="state"):
        S.Decoder(TGT_V, E, H)(np.zeros((2, 3), "int32"), np.zeros((2, H + 1), "float32"),
                               np.zeros((2, H), "float32"))
    with pytest.raises(ValueError, match="source"):
        S.Encoder(SRC_V, E, H)(np.zeros((2, 3, 1), "int32"))
    with pytest.raises(ValueError, match="values"):
        S.AttentionDecoder(TGT_V, E, H)(np.zeros((2, 3), "int32"), np.zeros((2, H), "float32"),
                                        np.zeros((2, H), "float32"))
    parts = S.build_seq2seq(SRC_V, TGT_V, embed_dim=E, units=H)
    with pytest.raises(ValueError, match="source"):
        T.encode(parts["encoder"], np.zeros(3, "int32"))
    with pytest.raises(ValueError, match="target_tokens"):
        T.Translator(parts["encoder"], parts["decoder"], [*SPECIALS, "a"], ["a", "b"], max_len=3)


def test_exact_match_and_token_accuracy():
    from course_lib.metrics import exact_match, token_accuracy

    refs = [["March", "3", ",", "2021"], ["May", "1", ",", "1999"]]
    preds = [["March", "3", ",", "2021"], ["May", "1"]]
    assert exact_match(preds, refs) == 0.5
    assert token_accuracy(preds, refs) == pytest.approx(6 / 8)
    assert token_accuracy(refs, refs) == 1.0 and exact_match(refs, refs) == 1.0
    # a shifted prediction gets the later tokens wrong
    assert token_accuracy([["x", "March", "3", ",", "2021"]], refs[:1]) == 0.0
    with pytest.raises(ValueError, match="same"):
        exact_match(preds, refs[:1])
    with pytest.raises(TypeError, match="token lists"):
        token_accuracy("abc", refs)


def test_score_by_group():
    from course_lib.metrics import exact_match, score_by_group, token_accuracy

    refs = [["a"], ["b", "c"], ["d"], ["e", "f"], ["g", "h", "i"]]
    preds = [["a"], ["b", "x"], ["z"], ["e", "f"], ["g", "h", "i"]]
    groups = np.array([1, 2, 1, 2, 3])
    keys, scores = score_by_group(exact_match, preds, refs, groups)
    assert keys.tolist() == [1, 2, 3]
    np.testing.assert_allclose(scores, [0.5, 0.5, 1.0])
    keys, scores = score_by_group(token_accuracy, preds, refs, ["b", "a", "b", "a", "c"])
    assert keys.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(scores, [3 / 4, 1 / 2, 1.0])
    # one group = the metric on everything
    assert score_by_group(exact_match, preds, refs, [0] * 5)[1][0] == exact_match(preds, refs)
    with pytest.raises(ValueError, match="same non-zero length"):
        score_by_group(exact_match, preds, refs, groups[:3])
    with pytest.raises(TypeError, match="metric"):
        score_by_group("exact", preds, refs, groups)


def test_fit_seq2seq_and_greedy_translate():
    rng = np.random.default_rng(5)
    src = rng.integers(len(SPECIALS), SRC_V, size=(64, 5)).astype("int32")
    body = src[:, :3] % (TGT_V - len(SPECIALS)) + len(SPECIALS)  # a learnable copy task on ordinary ids
    target_out = np.concatenate([body, np.full((64, 1), Vocabulary.END_ID, "int32")], axis=1).astype("int32")
    target_in = np.concatenate([np.full((64, 1), Vocabulary.START_ID, "int32"), body], axis=1).astype("int32")
    arrays = {"source": src, "target_in": target_in, "target_out": target_out}
    settings = S.TrainingSettings(embed_dim=E, units=H, epochs=3, batch_size=16)
    runs = []
    for _ in range(2):
        parts = S.build_seq2seq(SRC_V, TGT_V, embed_dim=E, units=H, seed=7)
        runs.append(S.fit_seq2seq(parts["model"], arrays, settings))
    assert len(runs[0]) == 3 and runs[0][-1] < runs[0][0]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5)  # same seed, same settings: same run
    assert len(S.fit_seq2seq(parts["model"], arrays, settings, epochs=1)) == 1
    ids, logp = T.greedy_translate(parts["encoder"], parts["decoder"], src[:6], max_len=5)
    step_fn, state = step_function(parts["decoder"], T.encode(parts["encoder"], src[:6]))
    ids2, logp2 = greedy_decode(step_fn, state, start_id=Vocabulary.START_ID, end_id=Vocabulary.END_ID, max_len=5)
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_allclose(logp, logp2, atol=1e-6)
    assert S.SETTINGS["lesson"] == S.TrainingSettings()
    with pytest.raises(TypeError, match="settings"):
        S.fit_seq2seq(parts["model"], arrays, {"epochs": 1})
    with pytest.raises(ValueError, match="arrays"):
        S.fit_seq2seq(parts["model"], {"source": src}, settings)
    with pytest.raises(ValueError, match="arrays"):
        S.fit_seq2seq(parts["model"], {**arrays, "target_in": target_in[:, :2]}, settings)
    with pytest.raises(TypeError, match="model"):
        S.fit_seq2seq(parts["encoder"], arrays, settings)


@pytest.mark.parametrize(("field", "value"), [("batch_size", -1), ("units", 0), ("epochs", 2.5),
                                              ("learning_rate", float("inf")), ("clipnorm", 0),
                                              ("learning_rate", "fast"), ("verbose", 3)])
def test_settings_with_a_bad_field_are_refused_when_made(field, value):
    with pytest.raises((ValueError, TypeError), match=f"TrainingSettings.{field}"):
        S.TrainingSettings(**{field: value})


def test_the_full_settings_print_progress_and_take_a_smaller_step():
    assert S.SETTINGS["full"].verbose == 2 and S.SETTINGS["lesson"].verbose == 0
    assert S.SETTINGS["full"].learning_rate < S.SETTINGS["lesson"].learning_rate


def test_numpy_integer_sizes_build_a_model():
    parts = S.build_seq2seq(np.int64(12), np.int32(10), embed_dim=np.int64(4), units=np.int64(8))
    assert parts["encoder"].vocab_size == 12 and type(parts["encoder"].vocab_size) is int


@pytest.mark.parametrize("bad", [-1, 12, 2**32 + 3])
def test_out_of_range_source_ids_are_refused_before_the_model_sees_them(bad):
    parts = S.build_seq2seq(12, 10, embed_dim=4, units=8)
    source = np.array([[1, 2, bad]], "int64")
    with pytest.raises(ValueError, match=r"source: expected ids in \[0, 12\)"):
        T.greedy_translate(parts["encoder"], parts["decoder"], source, max_len=3)
    arrays = {"source": source, "target_in": np.ones((1, 3), "int64"), "target_out": np.ones((1, 3), "int64")}
    with pytest.raises(ValueError, match=r"arrays\['source'\]: expected ids in \[0, 12\)"):
        S.fit_seq2seq(parts["model"], arrays, S.TrainingSettings(epochs=1))


def test_float_or_bool_token_arrays_and_wrong_layers_are_refused():
    parts = S.build_seq2seq(12, 10, embed_dim=4, units=8)
    for bad in (np.ones((1, 3), "float32"), np.ones((1, 3), bool)):
        with pytest.raises(TypeError, match="source"):
            T.encode(parts["encoder"], bad)
    with pytest.raises(TypeError, match="encoder: expected a seq2seq.Encoder"):
        T.encode(parts["decoder"], np.ones((1, 3), "int32"))
    with pytest.raises(TypeError, match="decoder: expected a seq2seq.Decoder"):
        T.greedy_translate(parts["encoder"], parts["encoder"], np.ones((1, 3), "int32"), max_len=3)
    targets = {"source": np.ones((1, 3), "int32"), "target_in": np.full((1, 3), 10),
               "target_out": np.ones((1, 3), "int32")}
    with pytest.raises(ValueError, match=r"target_in'\]: expected ids in \[0, 10\)"):
        S.fit_seq2seq(parts["model"], targets, S.TrainingSettings(epochs=1))
