"""Every model a lesson saves reloads with safe mode on and predicts the same.

The full-scale runs keep their best model as ``best.keras`` through
``course_lib.training.fit_resumable`` and read it back with ``load_best`` (safe mode on).
Each model here is built and compiled the way its lesson builds it, at toy size, trained
for one epoch through the same ``fit_resumable`` path, reloaded and compared. (The
captioners and the translator have their own save/reload tests in test_captioning.py
and test_seq2seq.py; lesson 11's two flowers models, the Flickr8k captioners and the
Anki model are also saved and reloaded in their full-scale rehearsal,
test_full_scale_rehearsal.py.)
"""

from __future__ import annotations

import zipfile

import keras
import numpy as np
import pytest

from course_lib import full_scale, seq2seq
from course_lib.training import fit_resumable, load_best
from course_lib.vocabulary import Vocabulary

RNG = np.random.default_rng(0)


def _roundtrip(model, x, y, run_dir, **fit_kwargs):
    fit_resumable(model, x, y, run_dir=run_dir, epochs=1, batch_size=8, seed=0, **fit_kwargs)
    again = load_best(run_dir)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    with zipfile.ZipFile(run_dir / "best.keras") as zf:
        config = zf.read("config.json").decode()
    assert "lambda" not in config.lower(), "no Lambda layer (it would embed Python bytecode)"
    return again


def _seq2seq_arrays(n=24, S=7, T=6, src_v=12, tgt_v=10):
    source = RNG.integers(1, src_v, size=(n, S)).astype("int32")
    source[:, -2:] = 0  # padding at the end, as encode_pairs writes it
    target = RNG.integers(1, tgt_v, size=(n, T + 1)).astype("int32")
    return [source, target[:, :-1]], target[:, 1:]


@pytest.mark.parametrize(("loss", "attention"), [("masked_loss", True), ("ignore_class", False)],
                         ids=["masked_loss-attention-08", "ignore_class-plain-07"])
def test_seq2seq_training_models_reload(tmp_path, attention, loss):  # each loss and each model once
    x, y = _seq2seq_arrays()
    parts = seq2seq.build_seq2seq(12, 10, embed_dim=8, units=16, attention=attention, seed=0)
    chosen = (seq2seq.masked_loss if loss == "masked_loss"
              else keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=Vocabulary.PAD_ID))
    parts["model"].compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0), loss=chosen)
    again = _roundtrip(parts["model"], x, y, tmp_path / "run", validation_data=(x, y))
    if attention:
        assert any(isinstance(layer, seq2seq.PaddingMask) for layer in again.layers)


def test_imdb_review_classifier_of_lesson_06_reloads(tmp_path):
    model = full_scale.review_classifier(50, embed=8, units=8)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])
    x = RNG.integers(1, 50, size=(16, 12)).astype("int32")
    x[:, 9:] = 0
    y = RNG.integers(0, 2, size=16).astype("float32")
    _roundtrip(model, x, y, tmp_path / "06_imdb", validation_data=(x, y))


def test_padding_mask_marks_real_tokens_and_checks_its_pad_id():
    mask = seq2seq.PaddingMask()(np.array([[3, 1, 0, 0]], "int32"))
    assert np.asarray(mask).tolist() == [[True, True, False, False]]
    assert np.asarray(seq2seq.PaddingMask(pad_id=3)(np.array([[3, 1]], "int32"))).tolist() == [[False, True]]
    with pytest.raises(ValueError, match="pad_id"):
        seq2seq.PaddingMask(pad_id=-1)
