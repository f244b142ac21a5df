"""Every kind of model the lessons and ``course_lib.full_scale`` train, in one place.

Each entry builds the model at a tiny size, compiles it as the course does (the same
course_lib function where there is one), and knows the data ``fit`` gets and the path the
course takes after training (decoding, predict). ``test_gpu_jit_rule`` trains each under
Keras' GPU jit rule; ``test_gpu_determinism`` lists the ops of each traced training step.

Where the lessons build a model inline, the entry is the same stack of Keras layers:

=============================  ===================================================
entry                          lessons (``notebooks/NN_*.py``)
=============================  ===================================================
mlp                            01 (digits), 12 (the recipe's MLP, ``lr_range_test``)
simple_rnn                     00, 04 (SimpleRNN regressors; 04 also with ``jit_compile=True``)
masked_gru                     01 (Masking + GRU, one output and many)
repeat_gru                     01 (one-to-many: RepeatVector + GRU)
video_gru / video_frames       01 (moving-dot clips: a GRU per clip and per frame; Dense per frame)
encoder_decoder_gru            01 (functional encoder-decoder with GRU states)
char_lm_gru / char_lm_lstm     03 (stateful char LMs, ``jit_compile=False``), 06 (char LM)
bidirectional_tagger           06 (GRU, Bidirectional GRU, stacked)
residual_gru_stack             06 (depth with residual connections)
lstm_regressor                 05 (adding task), 06 (sunspots)
recall_rnn                     05 (recall task: SimpleRNN, GRU, LSTM)
review_classifier              06 full scale (IMDB)
seq2seq / seq2seq_attention    07, 08, 08 full scale (Anki)
seq2seq_dense_start            07 (the decoder started from s0 = tanh(W_s c))
sampled_lm                     07 (scheduled sampling)
show_and_tell                  09, 10, 09 full scale (Flickr8k)
show_and_tell_h0_only          09 (the image only in h_0: ``image_every_step=False``)
show_attend_tell               10, 10 full scale (Flickr8k)
attend_and_answer              10 (visual question answering)
small_cnn                      09, 10 (the scene CNN)
transfer_cnn                   11 (backbone + head, frozen and fine-tuned)
mobilenet_frozen / _tuned      11 full scale (tf_flowers, MobileNetV2: both phases)
glimpse_classifier / drawer    13
cell_bank_unrolled / _looped   14 (lesson: unrolled; full scale: one loop)
=============================  ===================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import numpy as np

from course_lib import (
    answering,
    captioning,
    cell_bank,
    cell_rules,
    decoding,
    fitting,
    full_scale,
    glimpses,
    seq2seq,
    teacher_forcing,
    translation,
    vision,
)
from course_lib.vocabulary import CaptionTokenizer

N = 5  # examples: batches of 2 leave a partial last batch of 1
BATCH = 2
rng = np.random.default_rng(0)


@dataclasses.dataclass
class Trained:
    """A model, the ``(x, y)`` its training step gets, and what the course does afterwards.

    ``train()`` compiles (where the course compiles inside its training function) and
    trains one epoch.
    """

    model: keras.Model
    x: object
    y: object
    after: Callable[[], object] | None = None
    fit: Callable[[], object] | None = None  # default: model.fit(x, y, batch_size=BATCH)

    def train(self):
        if self.fit is not None:
            return self.fit()
        return self.model.fit(self.x, self.y, batch_size=BATCH, epochs=1, verbose=0)


def _ints(high, *shape):
    return rng.integers(0, high, size=shape).astype("int32")


def _floats(*shape):
    return rng.normal(size=shape).astype("float32")


def _seq(*layers, loss, optimizer=None, jit_compile="auto", **compile_kwargs):
    model = keras.Sequential(list(layers))
    model.compile(optimizer or keras.optimizers.Adam(1e-2), loss, jit_compile=jit_compile, **compile_kwargs)
    return model


def mlp():
    model = _seq(keras.Input((64,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(10),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    fitting.build_optimizer(model)
    x, y = _floats(N, 64), _ints(10, N)

    def after():
        from course_lib import recipe

        return recipe.lr_range_test(model, x, y, 1e-3, 1.0, steps=8, batch_size=2)
    return Trained(model, x, y, after)


def simple_rnn():
    model = _seq(keras.Input((6, 1)), keras.layers.SimpleRNN(4), keras.layers.Dense(1), loss="mse")
    return Trained(model, _floats(N, 6, 1), _floats(N, 1), lambda: model.predict(_floats(3, 6, 1), verbose=0))


def masked_gru():
    model = _seq(keras.Input((None, 1)), keras.layers.Masking(0.0), keras.layers.GRU(4, return_sequences=True),
                 keras.layers.Dense(1, activation="sigmoid"), loss="binary_crossentropy")
    x = _floats(N, 7, 1)
    x[:, 5:] = 0.0
    return Trained(model, x, (rng.random((N, 7, 1)) > 0.5).astype("float32"),
                   lambda: model.predict(x, verbose=0))


def _video(hidden):
    model = _seq(keras.Input((4, 64)), hidden, keras.layers.Dense(1, activation="sigmoid"), loss="binary_crossentropy")
    fitting.build_optimizer(model)
    y = (rng.random((N, 4, 1)) > 0.5).astype("float32")
    return Trained(model, _floats(N, 4, 64), y, lambda: model.predict(_floats(3, 4, 64), verbose=0))


def video_gru():
    return _video(keras.layers.GRU(4, return_sequences=True))


def video_frames():
    return _video(keras.layers.Dense(4, activation="relu"))


def repeat_gru():
    model = _seq(keras.Input((64,)), keras.layers.Dense(8), keras.layers.RepeatVector(4),
                 keras.layers.GRU(8, return_sequences=True), keras.layers.Dense(5, activation="softmax"),
                 loss="sparse_categorical_crossentropy")
    return Trained(model, _floats(N, 64), _ints(5, N, 4), lambda: model.predict(_floats(2, 64), verbose=0))


def encoder_decoder_gru():
    src, tgt = keras.Input((4,), dtype="int32"), keras.Input((None,), dtype="int32")
    _, state = keras.layers.GRU(8, return_state=True)(keras.layers.Embedding(7, 4)(src))
    out, _ = keras.layers.GRU(8, return_sequences=True, return_state=True)(keras.layers.Embedding(7, 4)(tgt),
                                                                            initial_state=state)
    model = keras.Model([src, tgt], keras.layers.Dense(7, activation="softmax")(out))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    return Trained(model, [_ints(7, N, 4), _ints(7, N, 3)], _ints(7, N, 3),
                   lambda: model.predict([_ints(7, 2, 4), _ints(7, 2, 1)], verbose=0))


def _char_lm(rnn):
    model = _seq(keras.Input((6,), dtype="int32"), keras.layers.Embedding(9, 4), rnn(8, return_sequences=True),
                 keras.layers.Dense(9), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 optimizer=keras.optimizers.Adam(1e-2, global_clipnorm=1.0))
    return Trained(model, _ints(9, N, 6), _ints(9, N, 6), lambda: model.predict(_ints(9, 2, 6), verbose=0))


def char_lm_gru():
    return _char_lm(keras.layers.GRU)


def char_lm_lstm():
    return _char_lm(keras.layers.LSTM)


def bidirectional_tagger():
    model = _seq(keras.Input((6,), dtype="int32"), keras.layers.Embedding(10, 4),
                 keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True)),
                 keras.layers.GRU(4, return_sequences=True), keras.layers.Dense(1, activation="sigmoid"),
                 loss="binary_crossentropy", metrics=["accuracy"])
    return Trained(model, _ints(10, N, 6), _ints(2, N, 6, 1), lambda: model.evaluate(_ints(10, 2, 6),
                                                                                  _ints(2, 2, 6, 1), verbose=0))


def residual_gru_stack():
    inputs = keras.Input((8, 8))
    h = keras.layers.GRU(4, return_sequences=True)(inputs)
    h = keras.layers.Add()([h, keras.layers.GRU(4, return_sequences=True)(h)])
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.GRU(4)(h)))
    model.compile(keras.optimizers.Adam(0.02), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=2)
    return Trained(model, _floats(N, 8, 8), _ints(10, N), lambda: model.evaluate(_floats(2, 8, 8), _ints(10, 2),
                                                                                verbose=0))


def lstm_regressor():
    model = _seq(keras.Input((6, 2)), keras.layers.LSTM(4), keras.layers.Dense(1), loss="mse",
                 optimizer=keras.optimizers.Adam(0.02, clipnorm=1.0), steps_per_execution=2)
    return Trained(model, _floats(N, 6, 2), _floats(N, 1), lambda: model.predict(_floats(2, 6, 2), verbose=0))


def recall_rnn():
    model = _seq(keras.Input((6,), dtype="int32"), keras.layers.Embedding(8, 4), keras.layers.SimpleRNN(4),
                 keras.layers.Dense(4), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=[keras.metrics.SparseCategoricalAccuracy("acc")])
    return Trained(model, _ints(8, N, 6), _ints(4, N), lambda: model.evaluate(_ints(8, 2, 6), _ints(4, 2),
                                                                             verbose=0))


def review_classifier():
    model = full_scale.review_classifier(12, embed=4, units=4)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])  # as imdb_sentiment
    x = _ints(12, N, 7)
    x[:, 5:] = 0  # padding, masked
    return Trained(model, x, _ints(2, N).astype("float32"), lambda: model.evaluate(x, _ints(2, N), verbose=0))


def _seq2seq(attention):
    parts = seq2seq.build_seq2seq(8, 8, embed_dim=4, units=4, attention=attention, source_len=5, target_len=4)
    source = _ints(8, N, 5)
    arrays = {"source": source, "target_in": _ints(8, N, 4), "target_out": _ints(8, N, 4)}
    settings = seq2seq.TrainingSettings(embed_dim=4, units=4, epochs=1, batch_size=BATCH)

    def after():
        ids, _ = translation.greedy_translate(parts["encoder"], parts["decoder"], source[:2], max_len=4)
        beam = decoding.generate(parts["decoder"], translation.encode(parts["encoder"], source[:2]),
                                 vocab=seq2seq.Vocabulary, max_len=4, beam_width=2)
        if attention:
            parts["attention_model"].predict([source[:2], arrays["target_in"][:2]], verbose=0)
        return ids, beam
    return Trained(parts["model"], [source, arrays["target_in"]], arrays["target_out"], after,
                   fit=lambda: seq2seq.fit_seq2seq(parts["model"], arrays, settings))


def seq2seq_plain():
    return _seq2seq(False)


def seq2seq_attention():
    return _seq2seq(True)


def seq2seq_dense_start():
    source_in, target_in = keras.Input((5,), dtype="int32"), keras.Input((4,), dtype="int32")
    _, c = seq2seq.Encoder(8, 4, 4)(source_in)
    s0 = keras.layers.Dense(4, activation="tanh")(c)
    logits, _ = seq2seq.Decoder(8, 4, 4)(target_in, s0, c)
    model = keras.Model([source_in, target_in], logits)
    arrays = {"source": _ints(8, N, 5), "target_in": _ints(8, N, 4), "target_out": _ints(8, N, 4)}
    settings = seq2seq.TrainingSettings(embed_dim=4, units=4, epochs=1, batch_size=BATCH)
    x = [arrays["source"], arrays["target_in"]]
    return Trained(model, x, arrays["target_out"], lambda: model.predict(x, batch_size=500, verbose=0),
                   fit=lambda: seq2seq.fit_seq2seq(model, arrays, settings))


def sampled_lm():
    model = teacher_forcing.SampledLanguageModel(6, 4, 4, schedule="scheduled sampling", total_updates=4)
    model.compile(keras.optimizers.Adam(1e-2, clipnorm=1.0))
    x = _ints(6, N, 5)
    return Trained(model, x, _ints(6, N, 5), lambda: model.evaluate(x, x, verbose=0))


def _captioner(model, features):
    captions = [["a red ball", "a ball"], ["two blue cubes"], ["a cube"], ["red cubes"], ["a blue ball"]]
    tokenizer = CaptionTokenizer([c for refs in captions for c in refs])
    model = model(tokenizer.size)

    def after():
        if isinstance(model, captioning.ShowAttendTell):
            return captioning.generate_captions(model, features, tokenizer, max_len=4, return_attention=True)
        return captioning.generate_captions(model, features, tokenizer, max_len=4, beam_width=2)

    def fit():
        return captioning.fit_captioner(model, features, captions, tokenizer, max_len=5, epochs=1,
                                        batch_size=BATCH)
    # what fit_captioner feeds fit
    x, target_in, target_out = captioning._caption_pairs(features, captions, tokenizer, 5)
    return Trained(model, (x, target_in), target_out, after, fit=fit)


def show_and_tell():
    return _captioner(lambda v: captioning.ShowAndTell(v, 4, 8, 4), _floats(N, 6))


def show_and_tell_h0_only():
    return _captioner(lambda v: captioning.ShowAndTell(v, 4, 8, 4, image_every_step=False), _floats(N, 6))


def show_attend_tell():
    return _captioner(lambda v: captioning.ShowAttendTell(v, 4, 8, 4, attention_units=4), _floats(N, 3, 3, 6))


def attend_and_answer():
    model = answering.AttendAndAnswer(6, 3, units=4, embed_dim=4, hidden=4)
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    grids, questions = _floats(N, 3, 3, 6), _ints(6, N, 4)
    fitting.build_optimizer(model, [grids[:1], questions[:1]])
    return Trained(model, [grids, questions], _ints(3, N),
                   lambda: model([grids[:2], questions[:2]], return_attention=True))


def small_cnn():
    cnn = vision.small_cnn(8, 3, width=2)
    images, labels = _floats(N, 8, 8, 3), (rng.random((N, 3)) > 0.5).astype("float32")
    encoder = vision.cnn_encoder(cnn, "grid")
    return Trained(cnn, images, labels, lambda: encoder.predict(images, verbose=0),
                   fit=lambda: vision.pretrain_cnn(cnn, images, labels, epochs=1, batch_size=BATCH))


def transfer_cnn():
    backbone = vision.conv_backbone(8, 1, (2, 4), bn_momentum=0.9)
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Dense(5)(backbone(inputs)))
    backbone.trainable = False  # the frozen phase of lesson 11; fine-tuning recompiles with it trainable
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    fitting.build_optimizer(model)
    x = _floats(N, 8, 8, 1)
    return Trained(model, x, _ints(5, N), lambda: backbone.predict(x, verbose=0))


def _mobilenet(tuned):
    model, base = full_scale.flowers._flowers_model(32, 5, weights=None)
    if tuned:
        full_scale.flowers._unfreeze_top(base)
    model.compile(keras.optimizers.Adam(1e-4 if tuned else 1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    x = rng.integers(0, 256, (N, 32, 32, 3)).astype("uint8")
    return Trained(model, x, _ints(5, N), lambda: model.evaluate(x, _ints(5, N), verbose=0))


def mobilenet_frozen():
    return _mobilenet(False)


def mobilenet_tuned():
    return _mobilenet(True)


def glimpse_classifier():
    model = glimpses.GlimpseClassifier(6, 3, glimpses=2, window=2, units=4)
    model.compile(keras.optimizers.Adam(3e-3, clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = _floats(N, 6, 6)
    fitting.build_optimizer(model, x[:1])
    return Trained(model, x, _ints(3, N, 2), lambda: model.predict(x, verbose=0))


def drawer():
    model = glimpses.Drawer(6, steps=2, window=2, units=4, code=2)
    model.compile(keras.optimizers.Adam(3e-3, clipnorm=1.0), "mse")
    x = rng.random((N, 6, 6)).astype("float32")
    return Trained(model, x, x, lambda: model.canvases(x[:2]))


def _cell_bank(unroll):
    from course_lib import cell_search

    task = cell_search.search_task("adding", T=4, n_train=N, n_val=3)
    bank = cell_bank.CellBank([cell_rules.GRU, cell_rules.LSTM], 2, 1, unroll=unroll)
    return Trained(bank, task.x, task.y, lambda: cell_search._score_bank(bank, task),
                   fit=lambda: cell_search.train_bank(bank, task, steps=2, batch_size=BATCH))


def cell_bank_unrolled():
    return _cell_bank(True)


def cell_bank_looped():
    return _cell_bank(False)


#: name -> builder, in lesson order
MODELS = {f.__name__: f for f in (
    mlp, simple_rnn, masked_gru, video_gru, video_frames, repeat_gru, encoder_decoder_gru, char_lm_gru,
    char_lm_lstm, bidirectional_tagger,
    residual_gru_stack, lstm_regressor, recall_rnn, review_classifier, seq2seq_plain, seq2seq_attention,
    seq2seq_dense_start, sampled_lm, show_and_tell, show_and_tell_h0_only, show_attend_tell, attend_and_answer,
    small_cnn, transfer_cnn, mobilenet_frozen, mobilenet_tuned,
    glimpse_classifier, drawer, cell_bank_unrolled, cell_bank_looped)}
