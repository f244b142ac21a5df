"""Valid calls of every public course_lib function and layer, for the mutation sweep.

Each case is ``(call, make_kwargs)``: ``make_kwargs()`` returns fresh keyword arguments
with which ``call(**kwargs)`` succeeds. ``tests/test_api_sweep.py`` replaces one argument
at a time with a bad value and checks the error that comes back.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import keras
import numpy as np

from course_lib import (
    answering,
    attention,
    callbacks,
    captioning,
    cell_bank,
    cell_rules,
    cell_search,
    cells,
    checks,
    decoding,
    env,
    files,
    fitting,
    full_scale,
    glimpses,
    gradcheck,
    memory,
    metrics,
    numpy_rnn,
    parallel_mlps,
    plots,
    recipe,
    run_files,
    run_identity,
    seq2seq,
    show,
    teacher_forcing,
    training,
    translation,
    vision,
    vocabulary,
)
from course_lib.data import (
    anki,
    archives,
    cluttered,
    dates,
    digits,
    download,
    flickr8k,
    flowers,
    images,
    mnist,
    scenes,
    series,
    tasks,
    text,
)

FIXTURES = Path(__file__).parent / "fixtures"
RNG = np.random.default_rng(0)
N, T, D, H, V = 2, 3, 4, 5, 7


def floats(*shape):
    return RNG.normal(size=shape).astype("float32")


def ids(*shape, vocab=V):
    return RNG.integers(3, vocab, size=shape)


def probs(*shape):
    p = RNG.random(shape) + 0.1
    return p / p.sum(-1, keepdims=True)


@functools.cache
def workdir() -> Path:
    """A scratch folder with the small files the path-taking functions read."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="sweep-"))
    (root / "a.txt").write_text("hello world\n", encoding="utf-8")
    (root / "spa.txt").write_text("Go.\tVe.\nRun!\tCorre.\n", encoding="utf-8")
    import zipfile

    with zipfile.ZipFile(root / "arch.zip", "w") as z:
        z.writestr("d/x.txt", "x")
    (root / "out").mkdir()
    np.savez(root / "mnist.npz", x_train=np.zeros((2, 28, 28), "uint8"), y_train=np.array([1, 2], "uint8"),
             x_test=np.zeros((1, 28, 28), "uint8"), y_test=np.array([3], "uint8"))
    return root


def _lesson_run(tmp: Path) -> Path:
    x, y = floats(8, 3), RNG.integers(0, 2, 8)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    training.fit_resumable(model, x, y, run_dir=tmp, epochs=1, batch_size=4, monitor="loss")
    return tmp


@functools.cache
def run_dir() -> Path:
    return _lesson_run(workdir() / "run")


@functools.cache
def date_pairs():
    return dates.make_date_pairs(4, seed=0)


@functools.cache
def date_vocabs():
    return dates._vocabularies()


@functools.cache
def caption_tok():
    return vocabulary.CaptionTokenizer(["a red ball", "a blue box"])


@functools.cache
def seq2seq_parts(attention_on: bool):
    """A built encoder, decoder and training model of the date task's vocabularies."""
    src, tgt = date_vocabs()
    parts = seq2seq.build_seq2seq(len(src), len(tgt), embed_dim=4, units=6,
                                  attention=attention_on, seed=0)
    return parts["model"], parts["encoder"], parts["decoder"]


def seq2seq_arrays():
    src, tgt = date_vocabs()
    return dates.encode_pairs(date_pairs(), src, tgt)


@functools.cache
def small_cnn():
    return vision.small_cnn(24, 14, width=4)


@functools.cache
def show_and_tell():
    model = captioning.ShowAndTell(caption_tok().size, embed_dim=4, units=6, feature_dim=5)
    return model


@functools.cache
def show_attend_tell():
    return captioning.ShowAttendTell(caption_tok().size, embed_dim=4, units=6,
                                     feature_dim=5, attention_units=3)


@functools.cache
def attend_and_answer():
    return answering.AttendAndAnswer(answering.question_vocabulary().size, len(answering.ANSWERS), units=4)


def _questions():
    q = answering.make_questions(scenes.make_scenes(3, image_size=24, seed=0))
    return answering.question_vocabulary().encode(q.words[:2])


@functools.cache
def lstm_cell():
    cell = cells.LSTMCell(H)
    keras.layers.RNN(cell)(np.zeros((1, 2, D), "float32"))
    return cell


@functools.cache
def step_fn():
    def fn(tokens, state):
        logits = np.tile(np.log(probs(1, V)), (len(tokens), 1))
        return logits, state

    return fn


@functools.cache
def nb_rnn_lm():
    return numpy_rnn.init_rnn_lm(V, 4, H, seed=0)


def _rnn_cache():
    x, h0, Wx, Wh, b = floats(N, T, D), floats(N, H), floats(D, H), floats(H, H), floats(H)
    return numpy_rnn.rnn_forward(x, h0, Wx, Wh, b)[1]


def _rnn_step_cache():
    return numpy_rnn.rnn_step_forward(floats(N, D), floats(N, H), floats(D, H), floats(H, H),
                                      floats(H))[1]


def _embed_cache():
    return numpy_rnn.word_embedding_forward(ids(N, T), floats(V, D))[1]


def _affine_cache():
    return numpy_rnn.temporal_affine_forward(floats(N, T, D), floats(D, H), floats(H))[1]


def _fresh_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(dir=workdir()))


def _built_classifier():
    model = _tiny_classifier()
    model(floats(1, 3))
    return model


def _tiny_classifier():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _grad_case():
    x = floats(3).astype("float64")
    return dict(f=lambda: float(np.sum(x ** 2)), x=x)


def _grad_array_case():
    x = floats(3).astype("float64")
    return dict(f=lambda: x * 2, x=x, dout=floats(3).astype("float64"))


def _call(layer_factory, *arg_names):
    """A function ``f(**kw)`` calling a fresh layer with its arguments in order."""

    def call(**kw):
        return layer_factory()(**kw)

    return call


def _cell_call(cell_cls, **init):
    def call(inputs, states):
        return cell_cls(H, **init)(inputs=inputs, states=states)

    return call


def _decoder_call(attention_on):
    def call(tokens, state, **values):
        return seq2seq_parts(attention_on)[2](tokens=tokens, state=state, **values)

    return call


def _scene_images():
    s = scenes.make_scenes(6, image_size=24, seed=0)
    return s.images, s.labels()  # (6, 24, 24, 3) images, (6, 14) 0/1 labels


def _window_args():
    return dict(centre_y=np.array([3.0, 4.5], "float32"), centre_x=np.array([2.0, 5.0], "float32"),
                stride=np.array([1.0, 1.5], "float32"))


def _search_task(name="adding"):
    return cell_search.search_task(name, 2, 4, 2, num_symbols=3, seed=0)


def _bank(built=True, outputs=1):
    bank = cell_bank.CellBank([cell_rules.GRU, cell_rules.LSTM], 2, outputs)
    if built:
        bank.build((None, 2, 2 if outputs == 1 else 6))
    return bank


def _built_gru():
    layer = keras.layers.GRU(3, reset_after=False)
    layer.build((None, 4, 2))
    return layer


CASES = {
    # -- cell search -----------------------------------------------------------------------
    "cell_rules.Rule": (cell_rules.Rule, lambda: dict(act_1="tanh", memory="plain", carry="tied")),
    "cell_rules.random_rule": (cell_rules.random_rule, lambda: dict(rng=np.random.default_rng(0))),
    "cell_rules.mutate": (cell_rules.mutate, lambda: dict(rule=cell_rules.GRU, rng=np.random.default_rng(0),
                                                          n_changes=2)),
    "cell_rules.rule_step": (cell_rules.rule_step, lambda: dict(
        rule=cell_rules.LSTM, x_proj=floats(N, 5 * H), h=floats(N, H), c=floats(N, H), U=floats(H, 5 * H))),
    "cell_rules.check_bias": (cell_rules.check_bias, lambda: dict(bias=[0, 0, 1, 0], k=2)),
    "cell_rules.check_rule": (cell_rules.check_rule, lambda: dict(rule=cell_rules.GRU.choices(), name="rule")),
    "cell_rules.weights_from_keras": (cell_rules.weights_from_keras, lambda: dict(layer=_built_gru())),
    "cell_rules.RuleCell": (cell_rules.RuleCell, lambda: dict(rule=cell_rules.GRU, units=H, bias=(0, 0, 1, 0))),
    "cell_rules.RuleCell.call": (lambda inputs, states: cell_rules.RuleCell(cell_rules.LSTM, H)(inputs=inputs,
                                                                                              states=states),
                                 lambda: dict(inputs=floats(N, D), states=[floats(N, H), floats(N, H)])),
    "cell_bank.rule_coefficients": (cell_bank.rule_coefficients, lambda: dict(rules=[cell_rules.GRU], units=H)),
    "cell_bank.CellBank": (cell_bank.CellBank, lambda: dict(rules=[cell_rules.GRU], units=H, outputs=2,
                                                            bias=(0, 0, 0, 0))),
    "cell_bank.CellBank.call": (_call(lambda: cell_bank.CellBank([cell_rules.GRU, cell_rules.VANILLA], H, 2),
                                      "inputs"), lambda: dict(inputs=floats(N, T, D))),
    "cell_bank.export_cell": (cell_bank.export_cell, lambda: dict(bank=_bank(), k=1)),
    "cell_bank.per_cell_mse": (cell_bank.per_cell_mse, lambda: dict(y_true=floats(N, 2), y_pred=floats(N, 3, 2))),
    "cell_bank.per_cell_crossentropy": (cell_bank.per_cell_crossentropy, lambda: dict(
        y_true=np.array([0, 2]), y_pred=floats(N, 3, 4))),
    "cell_search.search_task": (cell_search.search_task, lambda: dict(
        name="recall", T=4, n_train=6, n_val=3, num_symbols=3, seed=0)),
    "cell_search.search_roster": (cell_search.search_roster, lambda: dict(copies=1, mutants=2, randoms=2, seed=0)),
    "cell_search.learned": (cell_search.learned, lambda: dict(task=_search_task(), scores=[0.1, 0.2])),
    "cell_search.train_bank": (cell_search.train_bank, lambda: dict(
        bank=_bank(), task=_search_task(), steps=1, batch_size=4, learning_rate=1e-2, seed=0, report_every=1)),
    "cell_search.evaluate_rules": (cell_search.evaluate_rules, lambda: dict(
        rules=[cell_rules.GRU], task=_search_task("recall"), units=2, steps=1, batch_size=4, learning_rate=1e-2,
        bias=(0, 0, 0, 0), seed=0, report_every=0)),
    "plots.plot_search_scores": (plots.plot_search_scores, lambda: dict(
        scores=[0.1, 0.5, 0.2], kinds=["reference", "mutant", "random"], names=["GRU", "mutant 1", "random 1"],
        chance=0.2, log_y=False)),
    # -- glimpses ---------------------------------------------------------------------------
    "glimpses.window_filters": (glimpses.window_filters, lambda: dict(
        centre=np.array([3.0, 4.5], "float32"), stride=np.array([1.0, 1.5], "float32"), n=3, size=8)),
    "glimpses.read_window": (glimpses.read_window, lambda: dict(
        images=RNG.random((2, 8, 8)).astype("float32"), **_window_args(), n=3)),
    "glimpses.write_window": (glimpses.write_window, lambda: dict(
        patch=floats(2, 3, 3), **_window_args(), size=(8, 8))),
    "glimpses.window_from_params": (glimpses.window_from_params, lambda: dict(
        params=floats(2, 3), size=8, n=3, max_stride=2.0)),
    "glimpses.GlimpseCell": (glimpses.GlimpseCell, lambda: dict(size=8, classes=3, window=3, units=4)),
    "glimpses.GlimpseCell.call": (_call(lambda: glimpses.GlimpseCell(8, 3, window=3, units=4), "inputs", "states"),
                                  lambda: dict(inputs=floats(N, 64), states=[floats(N, 4)])),
    "glimpses.DrawCell": (glimpses.DrawCell, lambda: dict(size=8, window=3, units=4, code=2, max_stride=1.5)),
    "glimpses.DrawCell.call": (_call(lambda: glimpses.DrawCell(8, window=3, units=4, code=2), "inputs", "states"),
                               lambda: dict(inputs=floats(N, 64), states=[floats(N, 4), floats(N, 4), floats(N, 64)])),
    "glimpses.GlimpseClassifier": (glimpses.GlimpseClassifier, lambda: dict(
        size=8, classes=3, glimpses=2, window=3, units=4)),
    "glimpses.GlimpseClassifier.call": (_call(lambda: glimpses.GlimpseClassifier(8, 3, glimpses=2, window=3, units=4),
                                              "images"), lambda: dict(images=floats(N, 8, 8))),
    "glimpses.Drawer": (glimpses.Drawer, lambda: dict(size=8, steps=2, window=3, units=4, code=2)),
    "glimpses.Drawer.call": (_call(lambda: glimpses.Drawer(8, steps=2, window=3, units=4, code=2), "images"),
                             lambda: dict(images=floats(N, 8, 8))),
    "cluttered.clutter": (cluttered.clutter, lambda: dict(
        digits=RNG.random((3, 4, 4)), labels=np.arange(3), size=8, pieces=2, piece_size=2, copies=1, seed=0)),
    "cluttered.box_area_fraction": (cluttered.box_area_fraction, lambda: dict(
        boxes=np.array([[0, 0, 4, 4], [1, 1, 5, 5]]), size=8)),
    "mnist.read_mnist": (mnist.read_mnist, lambda: dict(path=workdir() / "mnist.npz")),
    "metrics.windows_in_boxes": (metrics.windows_in_boxes, lambda: dict(
        windows=np.abs(floats(2, 3, 3)), boxes=np.array([[0, 0, 4, 4], [1, 1, 5, 5]]))),
    # -- checks ----------------------------------------------------------------------------
    "checks.check_array": (checks.check_array, lambda: dict(x=floats(2, 3), name="x", axes=("N", 3))),
    "checks.known_values": (checks.known_values, lambda: dict(x=floats(2, 3))),
    "checks.check_finite": (checks.check_finite, lambda: dict(arr=floats(3), name="arr")),
    "checks.check_ids": (checks.check_ids, lambda: dict(ids=ids(2, 3), name="ids", vocab_size=V)),
    "checks.check_same_size": (checks.check_same_size, lambda: dict(name_a="a", a=2, name_b="b", b=2)),
    "checks.check_positive_int": (checks.check_positive_int, lambda: dict(value=3, name="value")),
    "checks.check_nonnegative_int": (checks.check_nonnegative_int, lambda: dict(value=0, name="value")),
    "checks.check_positive": (checks.check_positive, lambda: dict(value=0.5, name="value")),
    "checks.check_probability": (checks.check_probability, lambda: dict(value=0.5, name="value")),
    "checks.check_choice": (checks.check_choice, lambda: dict(value=[3], name="value", choices=([3], "b"))),
    "checks.check_model": (checks.check_model, lambda: dict(model=_tiny_classifier(), name="model")),
    "vision.conv_backbone": (vision.conv_backbone, lambda: dict(
        image_size=8, channels=1, widths=(2, 3), bn_momentum=0.9)),
    "show.teaching_source": (show.teaching_source, lambda: dict(obj=numpy_rnn.rnn_step_forward)),
    "show.show": (show.show, lambda: dict(obj=numpy_rnn.rnn_step_forward)),
    "checks.check_seed": (checks.check_seed, lambda: dict(value=3, name="value", allow_none=False)),
    "checks.check_result_size": (checks.check_result_size, lambda: dict(
        shape=(2, 3), dtype="float32", name="n, T", what="values")),
    "checks.check_sequence": (checks.check_sequence, lambda: dict(value=["a"], name="value", what="words")),
    "checks.check_cache": (checks.check_cache, lambda: dict(
        cache=(1, 2), name="cache", size=2, made_by="temporal_affine_forward")),
    "checks.check_path": (checks.check_path, lambda: dict(value=workdir() / "a.txt", name="value", kind="file")),
    "checks.check_tensor": (checks.check_tensor, lambda: dict(
        x=keras.ops.convert_to_tensor(floats(2, 3)), name="x", axes=("N", 3), dtype="float")),
    "checks.check_token_tensor": (checks.check_token_tensor, lambda: dict(
        x=keras.ops.convert_to_tensor(ids(2, 3)), name="x", vocab_size=V, axes=("N", 3))),
    # -- numpy_rnn -------------------------------------------------------------------------
    "numpy_rnn.rnn_step_forward": (numpy_rnn.rnn_step_forward, lambda: dict(
        x=floats(N, D), prev_h=floats(N, H), Wx=floats(D, H), Wh=floats(H, H), b=floats(H))),
    "numpy_rnn.rnn_step_backward": (numpy_rnn.rnn_step_backward, lambda: dict(
        dnext_h=floats(N, H), cache=_rnn_step_cache())),
    "numpy_rnn.rnn_forward": (numpy_rnn.rnn_forward, lambda: dict(
        x=floats(N, T, D), h0=floats(N, H), Wx=floats(D, H), Wh=floats(H, H), b=floats(H))),
    "numpy_rnn.rnn_backward": (numpy_rnn.rnn_backward, lambda: dict(dh=floats(N, T, H), cache=_rnn_cache())),
    "numpy_rnn.word_embedding_forward": (numpy_rnn.word_embedding_forward, lambda: dict(
        x=ids(N, T), W=floats(V, D))),
    "numpy_rnn.word_embedding_backward": (numpy_rnn.word_embedding_backward, lambda: dict(
        dout=floats(N, T, D), cache=_embed_cache())),
    "numpy_rnn.temporal_affine_forward": (numpy_rnn.temporal_affine_forward, lambda: dict(
        x=floats(N, T, D), w=floats(D, H), b=floats(H))),
    "numpy_rnn.temporal_affine_backward": (numpy_rnn.temporal_affine_backward, lambda: dict(
        dout=floats(N, T, H), cache=_affine_cache())),
    "numpy_rnn.temporal_softmax_loss": (numpy_rnn.temporal_softmax_loss, lambda: dict(
        x=floats(N, T, V), y=ids(N, T), mask=np.ones((N, T), bool))),
    "numpy_rnn.init_rnn_lm": (numpy_rnn.init_rnn_lm, lambda: dict(vocab_size=V, embed_dim=4, hidden_dim=H, seed=0)),
    "numpy_rnn.rnn_lm_forward": (numpy_rnn.rnn_lm_forward, lambda: dict(
        params=nb_rnn_lm(), inputs=ids(N, T), h0=floats(N, H))),
    "numpy_rnn.rnn_lm_loss": (numpy_rnn.rnn_lm_loss, lambda: dict(
        params=nb_rnn_lm(), inputs=ids(N, T), targets=ids(N, T))),
    "numpy_rnn.rnn_lm_sample": (numpy_rnn.rnn_lm_sample, lambda: dict(
        params=nb_rnn_lm(), seed_ids=[3, 4], length=4, temperature=1.0, rng=np.random.default_rng(0))),
    # -- gradcheck, metrics, decoding ------------------------------------------------------
    "gradcheck.numeric_gradient": (gradcheck.numeric_gradient, _grad_case),
    "gradcheck.numeric_gradient_array": (gradcheck.numeric_gradient_array, _grad_array_case),
    "gradcheck.rel_error": (gradcheck.rel_error, lambda: dict(a=floats(3), b=floats(3))),
    "metrics.perplexity": (metrics.perplexity, lambda: dict(mean_nll=1.2)),
    "metrics.bits_per_char": (metrics.bits_per_char, lambda: dict(mean_nll=1.2)),
    "metrics.bleu_scores": (metrics.bleu_scores, lambda: dict(
        hypotheses=["a dog runs fast"], references=[["a dog runs fast", "a dog runs"]], max_order=2)),
    "metrics.attention_on_mask": (metrics.attention_on_mask, lambda: dict(
        weights=probs(N, 4, 4).reshape(N, 4, 4), mask=RNG.random((N, 8, 8)) > 0.5)),
    "metrics.exact_match": (metrics.exact_match, lambda: dict(
        predictions=[["a", "b"], ["c"]], references=[["a", "b"], ["d"]])),
    "metrics.token_accuracy": (metrics.token_accuracy, lambda: dict(
        predictions=[["a", "b"], ["c"]], references=[["a", "b"], ["d"]])),
    "metrics.alignment_accuracy": (metrics.alignment_accuracy, lambda: dict(
        weights=probs(N, T, 4), true_alignment=RNG.integers(0, 4, (N, T)))),
    "metrics.score_by_group": (metrics.score_by_group, lambda: dict(
        metric=metrics.exact_match, predictions=[["a"], ["b"], ["c"], ["d"]],
        references=[["a"], ["x"], ["c"], ["d"]], groups=np.array([0, 0, 1, 1]))),
    "decoding.sample_next": (decoding.sample_next, lambda: dict(
        logits=floats(V), temperature=1.0, top_k=3, rng=np.random.default_rng(0))),
    "decoding.greedy_decode": (decoding.greedy_decode, lambda: dict(
        step_fn=step_fn(), initial_state=floats(N, 4), start_id=1, end_id=2, max_len=4)),
    "decoding.beam_search": (decoding.beam_search, lambda: dict(
        step_fn=step_fn(), initial_state=floats(N, 4), start_id=1, end_id=2, max_len=4, beam_width=2)),
    # -- cells, attention ------------------------------------------------------------------
    "cells.ElmanCell": (cells.ElmanCell, lambda: dict(units=H)),
    "cells.ElmanCell.call": (_cell_call(cells.ElmanCell), lambda: dict(inputs=floats(N, D), states=[floats(N, H)])),
    "cells.LSTMCell": (cells.LSTMCell, lambda: dict(units=H, unit_forget_bias=True)),
    "cells.LSTMCell.call": (_cell_call(cells.LSTMCell), lambda: dict(
        inputs=floats(N, D), states=[floats(N, H), floats(N, H)])),
    "cells.PeepholeLSTMCell.call": (_cell_call(cells.PeepholeLSTMCell), lambda: dict(
        inputs=floats(N, D), states=[floats(N, H), floats(N, H)])),
    "cells.GRUCell": (cells.GRUCell, lambda: dict(units=H, reset_after=True)),
    "cells.GRUCell.call": (_cell_call(cells.GRUCell), lambda: dict(inputs=floats(N, D), states=[floats(N, H)])),
    "cells.copy_keras_weights": (cells.copy_keras_weights, lambda: dict(cell=lstm_cell(), layer=_built_lstm())),
    "cells.lstm_gates": (cells.lstm_gates, lambda: dict(cell=lstm_cell(), x=floats(N, T, D))),
    "cells.rnn_param_count": (cells.rnn_param_count, lambda: dict(kind="lstm", input_dim=D, units=H)),
    "attention.BahdanauAttention": (attention.BahdanauAttention, lambda: dict(units=3)),
    "attention.BahdanauAttention.call": (_call(lambda: attention.BahdanauAttention(3), "query", "values"),
                                         lambda: dict(query=floats(N, H), values=floats(N, T, 4),
                                                      values_mask=np.ones((N, T), bool))),
    "attention.SpatialAttention": (attention.SpatialAttention, lambda: dict(units=3)),
    "attention.SpatialAttention.call": (_call(lambda: attention.SpatialAttention(3), "query", "grid"),
                                        lambda: dict(query=floats(N, H), grid=floats(N, 2, 2, 4))),
}


def _built_lstm():
    layer = keras.layers.LSTM(H)
    layer(np.zeros((1, 2, D), "float32"))
    return layer


CASES.update({
    # -- seq2seq ---------------------------------------------------------------------------
    "seq2seq.Encoder": (seq2seq.Encoder, lambda: dict(vocab_size=V, embed_dim=4, units=H)),
    "seq2seq.Encoder.call": (_call(lambda: seq2seq.Encoder(V, 4, H), "source"), lambda: dict(source=ids(N, T))),
    "seq2seq.Decoder": (seq2seq.Decoder, lambda: dict(vocab_size=V, embed_dim=4, units=H)),
    "seq2seq.Decoder.call": (_decoder_call(False), lambda: dict(
        tokens=ids(N, T), state=floats(N, 6), context=floats(N, 6))),
    "seq2seq.AttentionDecoder": (seq2seq.AttentionDecoder, lambda: dict(
        vocab_size=V, embed_dim=4, units=H, attention_units=3)),
    "seq2seq.AttentionDecoder.call": (_decoder_call(True), lambda: dict(
        tokens=ids(N, T), state=floats(N, 6), values=floats(N, T, 6))),
    "seq2seq.PaddingMask": (seq2seq.PaddingMask, lambda: dict(pad_id=0)),
    "seq2seq.PaddingMask.call": (_call(seq2seq.PaddingMask, "tokens"), lambda: dict(tokens=ids(N, T))),
    "seq2seq.masked_loss": (seq2seq.masked_loss, lambda: dict(target_out=ids(N, T), logits=floats(N, T, V))),
    "seq2seq.build_seq2seq": (seq2seq.build_seq2seq, lambda: dict(
        source_vocab_size=V, target_vocab_size=V, embed_dim=4, units=H, attention=True, seed=0)),
    "seq2seq.TrainingSettings": (seq2seq.TrainingSettings, lambda: dict(embed_dim=4, units=6, epochs=1, batch_size=2,
                                                    learning_rate=0.01, clipnorm=1.0, verbose=0)),
    "seq2seq.fit_seq2seq": (seq2seq.fit_seq2seq, lambda: dict(
        model=seq2seq_parts(False)[0], arrays=seq2seq_arrays(),
        settings=seq2seq.TrainingSettings(embed_dim=4, units=6, epochs=1, batch_size=2), epochs=1)),
    "translation.greedy_translate": (translation.greedy_translate, lambda: dict(
        encoder=seq2seq_parts(False)[1], decoder=seq2seq_parts(False)[2],
        source=seq2seq_arrays()["source"], max_len=3)),
    "translation.encode": (translation.encode, lambda: dict(
        encoder=seq2seq_parts(True)[1], source=seq2seq_arrays()["source"])),
    "decoding.generate": (decoding.generate, lambda: dict(
        decoder=seq2seq_parts(True)[2], inputs=translation.encode(seq2seq_parts(True)[1], seq2seq_arrays()["source"]),
        vocab=date_vocabs()[1], max_len=3, beam_width=2, return_attention=False)),
    "decoding.step_function": (decoding.step_function, lambda: dict(
        decoder=seq2seq_parts(True)[2], inputs=translation.encode(seq2seq_parts(True)[1], seq2seq_arrays()["source"]),
        weights=[])),
    "translation.Translator": (translation.Translator, lambda: dict(
        encoder=seq2seq_parts(False)[1], decoder=seq2seq_parts(False)[2],
        source_tokens=date_vocabs()[0].tokens, target_tokens=date_vocabs()[1].tokens, max_len=3)),
    # -- captioning ------------------------------------------------------------------------
    "vocabulary.CaptionTokenizer": (vocabulary.CaptionTokenizer, lambda: dict(
        captions=["a red ball", "a blue box"], min_count=1, max_size=10, unknown="drop")),
    "vision.small_cnn": (vision.small_cnn, lambda: dict(image_size=24, n_labels=3, width=4)),
    "vision.pretrain_cnn": (vision.pretrain_cnn, lambda: dict(
        cnn=small_cnn(), images=_scene_images()[0], labels=_scene_images()[1], epochs=1, batch_size=3)),
    "vision.label_accuracy": (vision.label_accuracy, lambda: dict(
        logits=floats(4, 3), labels=(RNG.random((4, 3)) > 0.5).astype(int))),
    "vision.extract_features": (vision.extract_features, lambda: dict(
        images=_scene_images()[0], backbone=vision.cnn_encoder(small_cnn()), chunk=4)),
    "vision.cnn_encoder": (vision.cnn_encoder, lambda: dict(classifier=small_cnn(), layer="grid", pooled=True)),
    "captioning.ShowAndTell": (captioning.ShowAndTell, lambda: dict(vocab_size=V, embed_dim=4, units=6, feature_dim=5)),
    "captioning.ShowAndTell.call": (_call(show_and_tell, "inputs"), lambda: dict(
        inputs=(floats(N, 5), caption_tok().encode_captions(["a red ball", "a blue box"], max_len=5)))),
    "captioning.ShowAttendTell": (captioning.ShowAttendTell, lambda: dict(
        vocab_size=V, embed_dim=4, units=6, feature_dim=5, attention_units=3, init_state="mean")),
    "captioning.ShowAttendTell.call": (_call(show_attend_tell, "inputs"), lambda: dict(
        inputs=(floats(N, 2, 2, 5), caption_tok().encode_captions(["a red ball", "a blue box"], max_len=5)))),
    "answering.make_questions": (answering.make_questions, lambda: dict(
        scenes=scenes.make_scenes(3, image_size=24, seed=0))),
    "answering.question_vocabulary": (answering.question_vocabulary, dict),
    "memory.peak_memory": (memory.peak_memory, lambda: dict(fn=list)),
    "memory.training_step_memory": (memory.training_step_memory, lambda: dict(
        model=keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(3)]), x=floats(N, 4, 2), repeats=1)),
    "memory.training_step_seconds": (memory.training_step_seconds, lambda: dict(
        model=keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(3)]), x=floats(N, 4, 2), repeats=1)),
    "memory.inference_memory": (memory.inference_memory, lambda: dict(
        model=keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(3)]), x=floats(N, 4, 2), repeats=1)),
    "answering.AttendAndAnswer": (answering.AttendAndAnswer, lambda: dict(
        vocab_size=answering.question_vocabulary().size, n_answers=len(answering.ANSWERS), units=4, attend=True,
        embed_dim=3, hidden=5)),
    "answering.AttendAndAnswer.call": (_call(attend_and_answer, "inputs"), lambda: dict(
        inputs=(floats(2, 2, 2, 5), _questions()), return_attention=True)),
    "captioning.fit_captioner": (captioning.fit_captioner, lambda: dict(
        model=show_and_tell(), features=floats(2, 5), captions=[["a red ball"], ["a blue box"]],
        tokenizer=caption_tok(), max_len=6, epochs=1, batch_size=2)),
    "captioning.generate_captions": (captioning.generate_captions, lambda: dict(
        model=show_and_tell(), features=floats(2, 5), tokenizer=caption_tok(), max_len=4, beam_width=1)),
    # -- recipe, training, run_identity ----------------------------------------------------
    "recipe.log_uniform": (recipe.log_uniform, lambda: dict(low=1e-4, high=1e-1, size=3, rng=np.random.default_rng(0))),
    "recipe.grid_search_points": (recipe.grid_search_points, lambda: dict(
        space={"lr": (1e-4, 1e-1)}, per_axis=3)),
    "recipe.random_search_points": (recipe.random_search_points, lambda: dict(
        space={"lr": (1e-4, 1e-1)}, n_trials=3, seed=0)),
    "recipe.ensemble_probabilities": (recipe.ensemble_probabilities, lambda: dict(probs=probs(2, 4, 3))),
    "recipe.accuracy": (recipe.accuracy, lambda: dict(probs=probs(4, 3), labels=np.array([0, 1, 2, 0]))),
    "recipe.suggest_learning_rate": (recipe.suggest_learning_rate, lambda: dict(
        lrs=np.geomspace(1e-4, 1, 30), losses=np.r_[np.linspace(2, 0.5, 20), np.linspace(0.6, 5, 10)], smooth=3)),
    "recipe.lr_range_test": (recipe.lr_range_test, lambda: dict(
        model=_tiny_classifier(), x=floats(16, 3), y=RNG.integers(0, 2, 16), steps=8, batch_size=4)),
    "recipe.cosine_restarts": (recipe.cosine_restarts, lambda: dict(initial_lr=0.1, cycle_steps=10, alpha=0.0)),
    "parallel_mlps.train_parallel_mlps": (parallel_mlps.train_parallel_mlps, lambda: dict(
        x=floats(12, 4), y=RNG.integers(0, 3, 12), x_val=floats(6, 4), y_val=RNG.integers(0, 3, 6),
        lr=np.array([0.01, 0.1]), dropout=np.array([0.0, 0.3]), hidden=4, epochs=1, batch_size=4)),
    "callbacks.SnapshotEnsemble": (callbacks.SnapshotEnsemble, lambda: dict(
        cycle_steps=4, directory=workdir() / "snapshots")),
    "callbacks.WeightEMA": (callbacks.WeightEMA, lambda: dict(momentum=0.9)),
    "run_files.read_run_state": (run_files.read_run_state, lambda: dict(run_dir=run_dir())),
    "run_files.check_run_dir": (run_files.check_run_dir, lambda: dict(run_dir=run_dir())),
    "run_files.state_digest": (run_files.state_digest, lambda: dict(state=run_files.read_run_state(run_dir()))),
    "run_files.verified_file": (run_files.verified_file, lambda: dict(
        run_dir=run_dir(), state=run_files.read_run_state(run_dir()), key="weights")),
    "run_files.pending_path": (run_files.pending_path, lambda: dict(path=run_dir() / run_files.BEST_FILE)),
    "run_files.finish_backups": (run_files.finish_backups, lambda: dict(
        run_dir=run_dir(), state=run_files.read_run_state(run_dir()))),
    "run_files.finish_best": (run_files.finish_best, lambda: dict(
        run_dir=run_dir(), state=run_files.read_run_state(run_dir()))),
    "training.ResumableBackup": (training.ResumableBackup, lambda: dict(run_dir=workdir() / "rb", monitor="val_loss")),
    "fitting.build_optimizer": (fitting.build_optimizer, lambda: dict(model=_tiny_classifier(), sample=floats(1, 3))),
    "training.fit_resumable": (training.fit_resumable, lambda: dict(
        model=_tiny_classifier(), x=floats(8, 3), y=RNG.integers(0, 2, 8), run_dir=_fresh_dir(),
        epochs=1, batch_size=4, monitor="loss")),
    "checks.check_class_targets": (checks.check_class_targets, lambda: dict(
        model=_built_classifier(), y=RNG.integers(0, 2, 8))),
    "training.load_best": (training.load_best, lambda: dict(run_dir=run_dir())),
    "run_identity.optimizer_settings": (run_identity.optimizer_settings, lambda: dict(
        optimizer=keras.optimizers.Adam())),
    "run_identity.jsonable": (run_identity.jsonable, lambda: dict(value={"a": np.float32(1.0)})),
    "run_identity.model_fingerprint": (run_identity.model_fingerprint, lambda: dict(model=_tiny_classifier())),
    "run_identity.data_fingerprint": (lambda arrays: run_identity.data_fingerprint(arrays),
                                      lambda: dict(arrays=floats(3, 2))),
})

CASES.update({
    # -- data ------------------------------------------------------------------------------
    "anki.load_anki": (anki.load_anki, lambda: dict(path=workdir() / "spa.txt", limit=2)),
    "anki.tokenize_sentence": (anki.tokenize_sentence, lambda: dict(sentence="Go now.")),
    "anki.locate_anki": (anki.locate_anki, lambda: dict(path=workdir() / "spa.txt")),
    "archives.safe_extract": (archives.safe_extract, lambda: dict(
        archive=workdir() / "arch.zip", dest=Path(tempfile.mkdtemp(dir=workdir())) / "out", max_bytes=10_000)),
    "dates.tokenize": (dates.tokenize, lambda: dict(text="2001-02-03")),
    "dates.detokenize": (dates.detokenize, lambda: dict(tokens=["2", "0"])),
    "dates.format_date_fields": (dates.format_date_fields, lambda: dict(
        date=dt.date(2001, 2, 3), lang="fr", style="full")),
    "dates.make_date_pairs": (dates.make_date_pairs, lambda: dict(n=3, n_dates=1, style="full", seed=0)),
    "vocabulary.Vocabulary": (vocabulary.Vocabulary, lambda: dict(
        tokens=["a", "b", "a"], min_count=1, max_size=10, unknown="error")),
    "vocabulary.string_lookup": (vocabulary.string_lookup, lambda: dict(
        tokens=date_vocabs()[1].tokens, invert=True, name="lookup")),
    "dates.encode_pairs": (dates.encode_pairs, lambda: dict(
        pairs=date_pairs(), source_vocab=date_vocabs()[0], target_vocab=date_vocabs()[1])),
    "dates.load_task": (dates.load_task, lambda: dict(scale="lesson", seed=0, n_train=8, n_test=4)),
    "digits.load_digits": (digits.load_digits, lambda: dict(test_fraction=0.25, seed=0)),
    "digits.split_by_class": (digits.split_by_class, lambda: dict(
        x=floats(4, 8, 8), y=np.array([0, 1, 2, 1]), classes=[1])),
    "digits.upsample": (digits.upsample, lambda: dict(images=floats(2, 8, 8), factor=2)),
    "download.cache_dir": (download.cache_dir, lambda: dict(path=workdir() / "cache")),
    "files.sha256_file": (files.sha256_file, lambda: dict(path=workdir() / "a.txt")),
    "files.file_digest": (files.file_digest, lambda: dict(path=workdir() / "a.txt", algorithm="md5")),
    "files.atomic_write": (files.atomic_write, lambda: dict(path=workdir() / "w.txt",
                                                            write=lambda tmp: tmp.write_text("x"))),
    "files.atomic_write_text": (files.atomic_write_text, lambda: dict(path=workdir() / "w.txt", text="x")),
    "full_scale.check_learned": (full_scale.check_learned, lambda: dict(holds=True, claim="it learned")),
    "download.fetch": (download.fetch, lambda: dict(
        url=(workdir() / "a.txt").as_uri(), checksum="sha256:" + files.sha256_file(workdir() / "a.txt"),
        cache=workdir() / "cache", progress=False)),
    "download.fetch_and_extract": (download.fetch_and_extract, lambda: dict(
        url=(workdir() / "arch.zip").as_uri(), checksum="sha256:" + files.sha256_file(workdir() / "arch.zip"),
        cache=workdir() / "cache")),
    "flickr8k.load_flickr8k": (flickr8k.load_flickr8k, lambda: dict(root=FIXTURES / "flickr8k")),
    "flickr8k.locate_flickr8k": (flickr8k.locate_flickr8k, lambda: dict(path=FIXTURES / "flickr8k")),
    "flowers.list_images": (flowers.list_images, lambda: dict(root=FIXTURES / "flower_photos")),
    "images.load_images": (images.load_images, lambda: dict(
        paths=sorted((FIXTURES / "flower_photos" / "daisy").glob("*.jpg")), size=8, dtype="float32")),
    "scenes.make_scenes": (scenes.make_scenes, lambda: dict(n=2, image_size=24, max_objects=2, noise=0.04, seed=0)),
    "series.make_windows": (series.make_windows, lambda: dict(series=floats(10), window=3, horizon=1)),
    "series.window_dataset": (series.window_dataset, lambda: dict(series=floats(10), window=3, batch_size=2)),
    "tasks.adding_problem": (tasks.adding_problem, lambda: dict(n=3, T=5, seed=0)),
    "tasks.moving_dot_clips": (tasks.moving_dot_clips, lambda: dict(n=3, frames=4, width=5, seed=0)),
    "tasks.recall_task": (tasks.recall_task, lambda: dict(n=3, T=8, num_symbols=4, seed=0)),
    "tasks.recall_chance_accuracy": (tasks.recall_chance_accuracy, lambda: dict(num_symbols=4)),
    "tasks.rising_tags": (tasks.rising_tags, lambda: dict(n=3, length=5, seed=0)),
    "tasks.rising_tags_causal_ceiling": (tasks.rising_tags_causal_ceiling, lambda: dict(length=5)),
    "text.python_docs_text": (text.python_docs_text, lambda: dict(max_chars=500)),
    "text.stdlib_source_text": (text.stdlib_source_text, lambda: dict(max_chars=500)),
    "text.split_text": (text.split_text, lambda: dict(text="abcdefghij" * 3, val_fraction=0.2)),
    "text.CharVocab": (text.CharVocab, lambda: dict(text="abcab")),
    "text.one_hot": (text.one_hot, lambda: dict(ids=ids(N, T), vocab_size=V)),
    "text.char_ngram_losses": (text.char_ngram_losses,
                               lambda: dict(ids_train=ids(40), ids_eval=ids(10), vocab_size=V, n=3, strength=1.0)),
    "text.python_string_mask": (text.python_string_mask, lambda: dict(code="x = 'a'\n")),
    "text.python_bracket_depth": (text.python_bracket_depth, lambda: dict(code="f(x[1])\n")),
    "text.tbptt_batches": (text.tbptt_batches, lambda: dict(ids=ids(40), batch_size=2, chunk_len=4)),
    "text.random_windows": (text.random_windows, lambda: dict(ids=ids(40), count=3, length=4, seed=0)),
    "teacher_forcing.teacher_probability": (teacher_forcing.teacher_probability, lambda: dict(
        schedule="scheduled sampling", update=3, total_updates=10)),
    "teacher_forcing.SampledLanguageModel": (teacher_forcing.SampledLanguageModel, lambda: dict(
        vocab_size=V, embed_dim=3, units=4, schedule="free running", total_updates=5, seed=0)),
    "teacher_forcing.SampledLanguageModel.call": (_call(lambda: teacher_forcing.SampledLanguageModel(V, 3, 4),
                                                        "tokens"), lambda: dict(tokens=ids(N, T))),
    # -- plots, env ------------------------------------------------------------------------
    "plots.plot_learning_curves": (plots.plot_learning_curves, lambda: dict(
        history={"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, metric="loss")),
    "plots.plot_windows": (plots.plot_windows, lambda: dict(
        image=RNG.random((8, 8)), windows=np.array([[3.0, 3.0, 1.0]]), n=3, box=np.array([0, 0, 4, 4]), start=1)),
    "plots.plot_gate_heatmap": (plots.plot_gate_heatmap, lambda: dict(values=probs(4, 3), marks=[1])),
    "plots.plot_gradient_norms": (plots.plot_gradient_norms, lambda: dict(curves={"rnn": [1.0, 0.5, 0.2]})),
    "plots.plot_image_attention": (plots.plot_image_attention, lambda: dict(
        image=np.abs(floats(8, 8, 3)) % 1, weights=probs(4, 4))),
    "plots.plot_attention_heatmap": (plots.plot_attention_heatmap, lambda: dict(
        weights=probs(2, 3), source_labels=list("abc"), target_labels=list("xy"))),
    "env.warn_without_gpu": (env.warn_without_gpu, lambda: dict(what="a run", steps=10, seconds_per_step=0.1)),
    "full_scale.review_classifier": (None, None),
})


def _full_scale_cases():
    from course_lib import full_scale

    CASES["full_scale.review_classifier"] = (full_scale.review_classifier, lambda: dict(
        vocab_size=50, embed=4, units=4))


_full_scale_cases()

# Where a bad value of one argument makes another the wrong one, the error may name that
# other argument: (case, mutated argument) -> the name the message may use instead.
ALSO_NAMED = {
    ("checks.check_array", "axes"): "x",
    ("checks.check_tensor", "axes"): "x",
    ("checks.check_token_tensor", "axes"): "x",
}

# Public names the sweep does not call, each with the reason.
NOT_SWEPT = {
    # the lessons' diagrams: no arguments
    **{f"diagrams.{name}": "takes no arguments" for name in (
        "attention_step_diagram", "gru_cell_diagram", "lstm_cell_diagram", "rnn_step_backward_diagram",
        "show_attend_tell_step_diagram")},
    # exceptions and the records the loaders return
    "run_files.CheckpointError": "an exception class",
    "archives.UnsafeArchiveError": "an exception class",
    "download.DownloadError": "an exception class",
    "download.ChecksumError": "an exception class",
    "anki.AnkiPair": "a NamedTuple returned by load_anki",
    "dates.DatePairs": "a dataclass returned by make_date_pairs",
    "dates.DateTask": "a dataclass returned by load_task",
    "scenes.Scenes": "a dataclass returned by make_scenes",
    "answering.SceneQuestions": "a dataclass returned by make_questions",
    "cluttered.Cluttered": "a NamedTuple returned by clutter",
    "cell_search.SearchTask": "a dataclass returned by search_task",
    "cell_search.Roster": "a dataclass returned by search_roster",
    "cell_search.SearchResult": "a dataclass returned by evaluate_rules",
    "env.NotebookInfo": "a dataclass returned by setup_notebook",
    "numpy_rnn.StepCache": "a named tuple returned by rnn_step_forward",
    "numpy_rnn.StepGrads": "a named tuple returned by rnn_step_backward",
    "training.TrainingRun": "a dataclass returned by fit_resumable",
    "full_scale.SentimentRun": "a dataclass returned by imdb_sentiment",
    "full_scale.TranslationRun": "a dataclass returned by anki_translation",
    "full_scale.CaptioningRun": "a dataclass returned by caption_flickr8k",
    "full_scale.FlowersRun": "a dataclass returned by flowers_transfer",
    "decoding.Generated": "a dataclass returned by generate",
    "captioning.Captions": "a dataclass returned by generate_captions",
    "cells.PeepholeLSTMCell": "its constructor is LSTMCell's (swept); its call is swept",
    # no arguments, or arguments that change the process (tested in test_env.py)
    "memory.can_measure_peak": "no arguments",
    "env.cjk_font_path": "no arguments",
    "env.get_strategy": "no arguments",
    "env.setup_notebook": "changes the process (seeds, threads); bad arguments in test_env.py",
    "series.load_sunspots": "no arguments",
    "series.load_co2": "no arguments",
    # downloads of real datasets or ImageNet weights, and the full-scale runs: the full-scale
    # rehearsal (test_full_scale_rehearsal.py) runs them against the loopback mirror
    "vision.pretrained_encoder": "downloads ImageNet weights",
    "vision.pretrained_scene_cnn": "trains and caches a CNN (test_captioning.py)",
    "flickr8k.download_flickr8k": "downloads the dataset",
    "flickr8k.load_images": "reads JPEGs of the downloaded dataset (rehearsal)",
    "flowers.load_flowers": "downloads the dataset",
    "imdb.load_imdb": "downloads the dataset",
    "mnist.load_mnist": "downloads the dataset",
    "text.load_shakespeare": "downloads the dataset",
    "full_scale.imdb_sentiment": "full-scale run (rehearsal)",
    "full_scale.anki_translation": "full-scale run (rehearsal)",
    "full_scale.translation_attention": "reads a full-scale run's result (rehearsal)",
    "full_scale.caption_flickr8k": "full-scale run (rehearsal)",
    "full_scale.flowers_transfer": "full-scale run (rehearsal)",
    "flowers.fetch_flowers": "downloads the dataset",
    "imdb.fetch_imdb": "downloads the dataset",
    "files.LockHeld": "an exception class",
    "files.exclusive_lock": "a context manager (test_download_http.py, test_training.py)",
    "full_scale.fit_named_run": "full-scale run of lesson 13's models (rehearsal)",
    "full_scale.train_run": "the full-scale runs' shared skeleton (rehearsal, through every pipeline)",
}
