"""Captioning pieces: tokens, CNN encoder, both decoders, decoding, spatial attention,
BLEU wrapper, attention-on-mask score and the image overlay plot."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from course_lib.attention import BahdanauAttention, SpatialAttention
from course_lib.captioning import (
    Captions,
    ShowAndTell,
    ShowAttendTell,
    _caption_pairs,
    fit_captioner,
    generate_captions,
)
from course_lib.metrics import attention_on_mask, bleu_scores
from course_lib.training import TrainingRun
from course_lib.vision import (
    cnn_encoder,
    extract_features,
    label_accuracy,
    pretrained_scene_cnn,
    small_cnn,
)
from course_lib.vocabulary import SPECIALS, CaptionTokenizer, Vocabulary

CAPS = ["a red circle", "a big blue square left of a red circle"]


# ----------------------------------------------------------------- tokens
def test_tokenizer_round_trip_and_specials():
    tok = CaptionTokenizer(CAPS)
    assert isinstance(tok, Vocabulary)
    assert [tok.tokens[i] for i in (tok.PAD_ID, tok.UNK_ID, tok.START_ID, tok.END_ID)] == list(SPECIALS)
    ids = tok.encode_captions(CAPS, max_len=12)
    assert ids.shape == (2, 12) and ids.dtype == np.int32
    assert ids[0, 0] == tok.START_ID and ids[0, 4] == tok.END_ID and (ids[0, 5:] == tok.PAD_ID).all()
    assert tok.decode_captions(ids) == CAPS
    row = [tok.START_ID, tok.index["red"], tok.END_ID, tok.index["circle"]]
    assert tok.decode_caption(row) == "red"  # stops at <end>


def test_tokenizer_errors_and_unknown_word_policies():
    tok = CaptionTokenizer(CAPS)
    with pytest.raises(ValueError, match=r"\['green'\] not in the vocabulary"):
        tok.encode_captions(["a green circle"])
    with pytest.raises(ValueError, match="max_len"):
        tok.encode_captions(CAPS, max_len=4)
    with pytest.raises(TypeError):
        tok.encode_captions("a red circle")
    with pytest.raises(ValueError, match="out-of-vocabulary"):
        tok.decode_caption([tok.START_ID, 99])
    with pytest.raises(ValueError):
        CaptionTokenizer([])
    unk = CaptionTokenizer(CAPS, unknown="unk").encode_captions(["a green circle"])
    drop = CaptionTokenizer(CAPS, unknown="drop").encode_captions(["a green circle"])
    assert unk[0, 2] == tok.UNK_ID and drop[0].tolist() == tok.encode_captions(["a circle"])[0].tolist()
    rare = CaptionTokenizer(CAPS, min_count=2)  # only "a", "red" and "circle" occur twice
    assert rare.tokens[len(SPECIALS):] == ["a", "circle", "red"]
    assert CaptionTokenizer(CAPS, max_size=len(SPECIALS) + 1).tokens[-1] == "a"  # the most frequent


def test_caption_pairs_repeats_features_per_reference():
    tok = CaptionTokenizer(CAPS)
    feats = np.arange(4, dtype="float32").reshape(2, 2)
    x, target_in, target_out = _caption_pairs(feats, [[CAPS[0]], CAPS], tok)
    assert x.shape == (3, 2) and target_in.shape == target_out.shape and target_in.shape[0] == 3
    assert (x[1] == feats[1]).all() and (x[2] == feats[1]).all()
    rows = tok.encode_captions([CAPS[0], *CAPS])  # <start> w... <end>, one row per reference
    assert (target_in[:, 0] == tok.START_ID).all() and (target_out == rows[:, 1:]).all(), (
        "the targets are the full rows shifted left by one")
    real = target_out != tok.PAD_ID  # where the loss counts, the input is the row without its <end>
    assert (target_in[real] == rows[:, :-1][real]).all() and not (target_in == tok.END_ID).any()
    with pytest.raises(ValueError, match="same length"):
        _caption_pairs(feats, [CAPS], tok)


# ----------------------------------------------------------------- encoder
def test_cnn_encoder_removes_the_head():
    cnn = small_cnn(16, 5, width=4)
    assert cnn.output_shape == (None, 5)
    grid = cnn_encoder(cnn)
    pooled = cnn_encoder(cnn, pooled=True)
    x = np.random.default_rng(0).random((2, 16, 16, 3)).astype("float32")
    assert grid(x).shape == (2, 4, 4, 8) and pooled(x).shape == (2, 8)
    np.testing.assert_allclose(pooled(x), np.asarray(grid(x)).mean(axis=(1, 2)), atol=1e-5)
    assert not grid.trainable
    with pytest.raises(ValueError, match="layer"):
        cnn_encoder(cnn, layer="nope")
    with pytest.raises(ValueError, match="grid"):
        cnn_encoder(cnn, layer="head")
    with pytest.raises(TypeError):
        cnn_encoder("cnn")
    with pytest.raises(ValueError, match="image"):
        cnn(np.zeros((1, 20, 20, 3), "float32"))  # wrong image shape


def test_label_accuracy_and_its_majority_baseline():
    labels = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 1], [1, 0, 0]], "float32")
    logits = np.array([[2, -1, -1], [-3, -1, 1], [1, -2, 3], [-1, -1, -1]], "float32")
    acc, majority = label_accuracy(logits, labels)
    assert acc == pytest.approx(10 / 12)  # two wrong: row 1 label 2, row 3 label 0
    assert majority == pytest.approx((3 / 4 + 1 + 3 / 4) / 3)
    assert label_accuracy(labels * 2 - 1, labels)[0] == 1.0
    with pytest.raises(ValueError, match="same shape"):
        label_accuracy(logits[:, :2], labels)


def _fake_backbone():
    """(B, 8, 8, 3) → (B, 4, 4, 3): 2×2 average pooling, a backbone with known output."""
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.AveragePooling2D(2)])


def test_extract_features_in_chunks():
    backbone = _fake_backbone()
    images = np.random.default_rng(0).random((10, 8, 8, 3)).astype("float32")
    expected = images.reshape(10, 4, 2, 4, 2, 3).mean(axis=(2, 4))
    grid = extract_features(images, backbone, chunk=3)  # chunks of 3, 3, 3, 1
    assert grid.shape == (10, 4, 4, 3) and grid.dtype == np.float32
    np.testing.assert_allclose(grid, expected, atol=1e-6)
    pooled = extract_features(images, backbone, pooled=True, chunk=4, dtype="float16")
    assert pooled.shape == (10, 3) and pooled.dtype == np.float16
    np.testing.assert_allclose(pooled, expected.mean(axis=(1, 2)), atol=2e-3)
    # items loaded a chunk at a time (e.g. file names), then preprocessed
    loaded = []

    def load(names):
        loaded.append(len(names))
        return images[[int(n[3:]) for n in names]]

    names = [f"img{i}" for i in range(10)]
    via_load = extract_features(names, backbone, chunk=4, load=load, preprocess=lambda x: 2 * x)
    assert loaded == [4, 4, 2]
    np.testing.assert_allclose(via_load, 2 * expected, atol=1e-5)


def test_extract_features_errors():
    backbone = _fake_backbone()
    images = np.zeros((2, 8, 8, 3), "float32")
    with pytest.raises(ValueError, match="backbone expects"):
        extract_features(np.zeros((2, 16, 16, 3), "float32"), backbone)
    with pytest.raises(ValueError, match="images"):
        extract_features(np.zeros((2, 8, 8), "float32"), backbone)
    with pytest.raises(TypeError, match="load"):
        extract_features(["a.jpg"], backbone)
    with pytest.raises(ValueError, match="returned 1 images for 2"):
        extract_features(["a", "b"], backbone, load=lambda names: images[:1])
    with pytest.raises(ValueError, match="chunk"):
        extract_features(images, backbone, chunk=0)
    with pytest.raises(TypeError, match="backbone"):
        extract_features(images, lambda x: x)
    vector = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D()])
    assert extract_features(images, vector).shape == (2, 3)
    with pytest.raises(ValueError, match="not a grid"):
        extract_features(images, vector, pooled=True)


# ----------------------------------------------------------------- decoders
# Kept small so both decoder tests take a few seconds: 8 "images" (random 2×2×3 grids),
# each with its own caption of at most 4 words, tiled 16 times; the decoders must
# memorise all 8 captions exactly (an easy target that a broken decoder misses).
TOY_CAPS = ["a red circle", "a blue square", "a red square", "a blue circle",
            "a big red circle", "a small blue square", "red left of blue", "blue left of red"]
TOY_LEN = 6  # <start> + at most 4 words + <end>


@pytest.fixture(scope="module")
def toy():
    """Eight distinct image grids (8, 2, 2, 3), one caption each, tiled to 128 rows."""
    keras.utils.set_random_seed(0)
    tok = CaptionTokenizer(TOY_CAPS)
    grid8 = np.random.default_rng(0).normal(0, 1, (8, 2, 2, 3)).astype("float32")
    grid = np.tile(grid8, (16, 1, 1, 1))
    caps = [[c] for c in TOY_CAPS] * 16
    return tok, grid8, grid, caps


def test_show_and_tell_learns_and_decodes(toy, tmp_path):
    tok, grid8, grid, caps = toy
    feats, feats8 = grid.mean(axis=(1, 2)), grid8.mean(axis=(1, 2))
    model = ShowAndTell(tok.size, embed_dim=8, units=16, feature_dim=8)
    hist = fit_captioner(model, feats, caps, tok, max_len=TOY_LEN, epochs=20, batch_size=32, learning_rate=3e-2)
    assert isinstance(hist, TrainingRun) and hist.run_dir is None and hist.initial_epoch == 0
    assert len(hist.history["loss"]) == 20 and hist.history["loss"][-1] < 0.05 * hist.history["loss"][0]
    greedy = generate_captions(model, feats8, tok, max_len=TOY_LEN)
    beam = generate_captions(model, feats8, tok, max_len=TOY_LEN, beam_width=3)
    assert isinstance(greedy, Captions) and isinstance(beam, Captions)
    assert greedy.texts == TOY_CAPS and beam.texts == TOY_CAPS
    assert greedy.tokens.shape == (8, TOY_LEN) and greedy.texts == tok.decode_captions(greedy.tokens)
    assert greedy.log_prob.shape == (8,) and np.all(greedy.log_prob <= 0)
    np.testing.assert_allclose(beam.log_prob, greedy.log_prob, atol=1e-5)  # the same captions, the same score
    assert greedy.alpha is None and beam.alpha is None, "alpha only with return_attention=True"
    with pytest.raises(dataclasses.FrozenInstanceError):
        greedy.texts = []
    inputs = tok.encode_captions(TOY_CAPS, max_len=TOY_LEN)
    logits = model((feats8, inputs))
    assert logits.shape == (8, TOY_LEN, tok.size)
    path = tmp_path / "st.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(again, ShowAndTell) and again.units == 16
    np.testing.assert_allclose(again((feats8, inputs)), logits, atol=1e-5)
    with pytest.raises(ValueError, match="features"):
        generate_captions(model, grid8, tok)


def test_show_and_tell_with_the_image_only_in_h0(toy, tmp_path):
    tok, grid8, _, _ = toy
    feats8 = grid8.mean(axis=(1, 2))
    keras.utils.set_random_seed(0)
    model = ShowAndTell(tok.size, embed_dim=8, units=16, feature_dim=8, image_every_step=False)
    inputs = tok.encode_captions(TOY_CAPS, max_len=TOY_LEN)
    logits = np.asarray(model((feats8, inputs)))
    assert model.project is None and model.gru.cell.kernel.shape[0] == 8, "the GRU reads the word alone"
    # The image reaches the steps only through h_0: the same h_0 gives the same logits.
    h0 = model.initial_state(feats8)
    state, step_logits = h0, []
    for t in range(TOY_LEN):
        out, state, _ = model.step(inputs[:, t], state, feats8[::-1])  # other images: unused
        step_logits.append(np.asarray(out))
    np.testing.assert_allclose(np.stack(step_logits, axis=1), logits, atol=1e-5)
    path = tmp_path / "st0.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    assert again.image_every_step is False
    np.testing.assert_allclose(again((feats8, inputs)), logits, atol=1e-5)
    with pytest.raises(TypeError, match="image_every_step"):
        ShowAndTell(tok.size, image_every_step="no")


def test_show_attend_tell_learns_attends_and_saves(toy, tmp_path):
    tok, grid8, grid, caps = toy
    # h_0 = 0: all the decoder knows about the image has to come through attention
    model = ShowAttendTell(tok.size, embed_dim=8, units=16, feature_dim=8, attention_units=8,
                           init_state="zeros")
    hist = fit_captioner(model, grid, caps, tok, max_len=TOY_LEN, epochs=20, batch_size=32, learning_rate=3e-2)
    assert hist.history["loss"][-1] < 0.05 * hist.history["loss"][0]
    out = generate_captions(model, grid8, tok, max_len=TOY_LEN, return_attention=True)
    ids, alpha = out.tokens, out.alpha
    assert out.texts == TOY_CAPS and out.log_prob.shape == (8,)
    assert alpha.shape == (8, TOY_LEN, 2, 2)
    np.testing.assert_allclose(alpha[:, 0].sum(axis=(1, 2)), 1.0, atol=1e-5)
    logits, weights = model.attend((grid8[:3], ids[:3]))
    assert logits.shape == (3, TOY_LEN, tok.size) and weights.shape == (3, TOY_LEN, 2, 2)
    # the maps drawn while decoding are the ones a teacher-forced pass computes
    np.testing.assert_allclose(np.asarray(weights)[:, 0], alpha[:3, 0], atol=1e-5)
    path = tmp_path / "sat.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(again, ShowAttendTell) and again.init_state == "zeros"
    np.testing.assert_allclose(again((grid8[:4], ids[:4])), model((grid8[:4], ids[:4])), atol=1e-5)
    with pytest.raises(ValueError, match="grid"):
        model((grid8[:, :1], ids))  # a 1×2 grid instead of 2×2
    with pytest.raises(ValueError, match="return_attention"):
        generate_captions(model, grid8, tok, beam_width=2, return_attention=True)
    with pytest.raises(TypeError, match="return_attention"):
        generate_captions(model, grid8, tok, return_attention="yes")
    with pytest.raises(ValueError, match="vocabulary"):
        generate_captions(model, grid8, CaptionTokenizer(["one two"]))


# ----------------------------------------------------------------- spatial attention
def test_spatial_attention_is_bahdanau_over_flattened_cells():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(2, 5)).astype("float32")
    grid = rng.normal(size=(2, 3, 4, 6)).astype("float32")
    spatial = SpatialAttention(7)
    context, weights = spatial(q, grid)
    assert context.shape == (2, 6) and weights.shape == (2, 3, 4)
    np.testing.assert_allclose(np.asarray(weights).sum(axis=(1, 2)), 1.0, atol=1e-5)
    assert isinstance(spatial.additive, BahdanauAttention)
    c2, w2 = spatial.additive(q, grid.reshape(2, 12, 6))
    np.testing.assert_allclose(context, c2, atol=1e-5)
    np.testing.assert_allclose(np.asarray(weights).reshape(2, 12), w2, atol=1e-6)
    expected = (np.asarray(weights)[..., None] * grid).sum(axis=(1, 2))
    np.testing.assert_allclose(context, expected, atol=1e-5)
    with pytest.raises(ValueError, match="grid"):
        spatial(q, grid.reshape(2, 12, 6))


# ----------------------------------------------------------------- metrics and plots
def test_bleu_scores():
    perfect = bleu_scores(["a big red circle"], [["a big red circle", "a large red circle"]])
    assert perfect == pytest.approx({1: 100.0, 2: 100.0, 3: 100.0, 4: 100.0})
    # any reference counts: "large" matches the second one
    other = bleu_scores(["a large red circle"], [["a big red circle", "a large red circle"]])
    assert other[4] == pytest.approx(100.0)
    wrong = bleu_scores(["a small blue square"], [["a big red circle"]])
    # one word in four matches; higher orders have no match (sacrebleu smooths zero counts)
    assert wrong[1] == pytest.approx(25.0) and wrong[4] < wrong[3] < wrong[2] < wrong[1]
    # uneven numbers of references are allowed
    mixed = bleu_scores(["x y", "a b"], [["x y"], ["a b", "a c"]], max_order=2)
    assert set(mixed) == {1, 2} and mixed[2] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="same length"):
        bleu_scores(["a"], [["a"], ["b"]])
    with pytest.raises(TypeError):
        bleu_scores(["a"], ["a"])
    with pytest.raises(ValueError):
        bleu_scores(["a"], [["a"]], max_order=5)


def test_attention_on_mask():
    w = np.zeros((2, 2))
    w[0, 0] = 1.0
    mask = np.zeros((4, 4), bool)
    mask[:2, :2] = True
    assert attention_on_mask(w, mask) == pytest.approx(1.0)
    mask2 = np.zeros((4, 4), bool)
    mask2[0, 0] = True
    assert attention_on_mask(w, mask2) == pytest.approx(0.25)
    uniform = np.full((2, 2), 0.25)
    assert attention_on_mask(uniform, mask2) == pytest.approx(mask2.mean())
    batch = attention_on_mask(np.stack([w, uniform]), np.stack([mask, mask]))
    np.testing.assert_allclose(batch, [1.0, 0.25])
    with pytest.raises(ValueError, match="multiple"):
        attention_on_mask(w, np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="shapes"):
        attention_on_mask(w, np.zeros((2, 4, 4), bool))


def test_plot_image_attention():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.plots import plot_image_attention

    ax = plot_image_attention(np.zeros((8, 8, 3)), np.full((2, 2), 0.25), title="red")
    assert ax.get_title() == "red" and len(ax.images) == 2
    with pytest.raises(ValueError, match="image"):
        plot_image_attention(np.zeros((8, 8, 5)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        plot_image_attention(np.zeros((8, 8, 3)), -np.ones((2, 2)))


def test_fit_captioner_with_a_run_dir_resumes_where_it_stopped(toy, tmp_path):
    # ShowAttendTell: fit_resumable builds it from a list (grids, tokens) before restoring
    tok, grid8, grid, caps = toy
    feats = grid

    def train(epochs, run_dir):
        keras.utils.set_random_seed(1)
        model = ShowAttendTell(tok.size, embed_dim=8, units=16, feature_dim=8, attention_units=8)
        run = fit_captioner(model, feats, caps, tok, max_len=TOY_LEN, epochs=epochs, batch_size=32,
                            learning_rate=3e-2, run_dir=run_dir)
        return model, run

    whole, whole_run = train(2, tmp_path / "whole")
    assert isinstance(whole_run, TrainingRun) and whole_run.run_dir == tmp_path / "whole"
    train(1, tmp_path / "split")  # the session ends after one epoch
    resumed, resumed_run = train(2, tmp_path / "split")  # the same cell, run again
    assert whole_run.initial_epoch == 0 and resumed_run.initial_epoch == 1
    assert len(resumed_run.history["loss"]) == 2
    np.testing.assert_allclose(resumed_run.history["loss"], whole_run.history["loss"], rtol=1e-5)
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert whole_run.history["loss"][-1] < whole_run.history["loss"][0]


def test_pretrained_scene_cnn_trains_once_then_loads_the_same_model(tmp_path, monkeypatch):
    from course_lib.vision import _scene_cnn_cache_path

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    images = rng.random((16, 8, 8, 3)).astype("float32")
    labels = (rng.random((16, 3)) > 0.5).astype("float32")
    first, trained = pretrained_scene_cnn(images, labels, width=4, epochs=1, seed=3)
    after_training = np.random.random(3)  # noqa: NPY002 (the global state is what is checked)
    assert trained
    (saved,) = (tmp_path / "models").glob("scene_cnn-*.keras")
    assert saved == _scene_cnn_cache_path(images, labels, 4, 1, 3)
    again, trained_again = pretrained_scene_cnn(images, labels, width=4, epochs=1, seed=3)
    assert not trained_again
    np.testing.assert_array_equal(np.random.random(3), after_training)  # noqa: NPY002 (same state either way)
    np.testing.assert_array_equal(again.predict(images, verbose=0), first.predict(images, verbose=0))
    # anything that changes the result names a different file
    others = {_scene_cnn_cache_path(images, labels, 4, 1, 4), _scene_cnn_cache_path(images, labels, 4, 2, 3),
              _scene_cnn_cache_path(images, labels, 5, 1, 3), _scene_cnn_cache_path(images, 1.0 - labels, 4, 1, 3),
              _scene_cnn_cache_path(images[::-1], labels, 4, 1, 3)}
    assert saved not in others and len(others) == 5
    # a damaged cache file is trained again and replaced, not trusted
    saved.write_bytes(saved.read_bytes()[:100])
    rebuilt, retrained = pretrained_scene_cnn(images, labels, width=4, epochs=1, seed=3)
    assert retrained
    np.testing.assert_allclose(rebuilt.predict(images, verbose=0), first.predict(images, verbose=0), atol=1e-5)
    assert pretrained_scene_cnn(images, labels, width=4, epochs=1, seed=3)[1] is False


def test_pretrained_scene_cnn_refuses_bad_images():
    labels = np.zeros((4, 3), "float32")
    with pytest.raises(ValueError, match="square"):
        pretrained_scene_cnn(np.zeros((4, 8, 9, 3), "float32"), labels, cache=False)
    with pytest.raises(ValueError, match="same length"):
        pretrained_scene_cnn(np.zeros((5, 8, 8, 3), "float32"), labels, cache=False)
    with pytest.raises(TypeError, match="float"):
        pretrained_scene_cnn(np.zeros((4, 8, 8, 3), "uint8"), labels, cache=False)
