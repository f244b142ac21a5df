"""Questions about generated scenes, and the attend-and-answer model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_lib import answering
from course_lib.data.scenes import COLOURS, SHAPES, make_scenes


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(60, image_size=24, seed=3)


def test_every_question_has_the_answer_of_the_object_it_asks_about(scenes):
    q = answering.make_questions(scenes)
    assert len(q) == len(q.words) == len(q.answer) == len(q.kind) > 0
    for i, k, words, answer, kind in zip(q.image, q.obj, q.words, q.answer, q.kind):
        shape, colour = SHAPES[scenes.shape[i, k]], COLOURS[scenes.colour[i, k]]
        if kind == "colour":
            assert words == ["what", "colour", "is", "the", shape] and answering.ANSWERS[answer] == colour
            assert np.sum(scenes.shape[i] == scenes.shape[i, k]) == 1, "only a shape that occurs once is asked"
        else:
            assert words == ["what", "shape", "is", "the", colour, "one"] and answering.ANSWERS[answer] == shape
            assert np.sum(scenes.colour[i] == scenes.colour[i, k]) == 1


def test_an_object_sharing_both_its_shape_and_its_colour_is_not_asked_about(scenes):
    q = answering.make_questions(scenes)
    for i in range(len(scenes)):
        for k in range(scenes.n_objects[i]):
            same_shape = np.sum(scenes.shape[i] == scenes.shape[i, k]) > 1
            same_colour = np.sum(scenes.colour[i] == scenes.colour[i, k]) > 1
            asked = np.sum((q.image == i) & (q.obj == k))
            assert asked == (not same_shape) + (not same_colour)
    one = scenes.subset(scenes.n_objects == 1)
    assert len(answering.make_questions(one)) == 2 * len(one), "a lone object gets both questions"


def test_the_vocabulary_encodes_every_question_and_refuses_other_words(scenes):
    vocab = answering.question_vocabulary()
    ids = vocab.encode(answering.make_questions(scenes).words)
    assert ids.shape[1] == 6 and ids.min() >= 0 and ids.max() < vocab.size
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode([["what", "size", "is", "the", "circle"]])


def test_attention_map_sums_to_one_and_the_baseline_is_uniform(scenes):
    vocab = answering.question_vocabulary()
    q = answering.make_questions(scenes)
    grid = np.random.default_rng(0).normal(size=(4, 3, 3, 5)).astype("float32")
    ids = vocab.encode(q.words[:4])
    keras.utils.set_random_seed(0)
    model = answering.AttendAndAnswer(vocab.size, len(answering.ANSWERS), units=8)
    logits, alpha = model((grid, ids), return_attention=True)
    assert tuple(logits.shape) == (4, len(answering.ANSWERS)) and tuple(alpha.shape) == (4, 3, 3)
    np.testing.assert_allclose(np.asarray(alpha).sum(axis=(1, 2)), 1.0, atol=1e-5)
    # the map depends on the question: the same grid, two different questions
    same = np.repeat(grid[:1], 2, axis=0)
    _, two = model((same, vocab.encode([q.words[0], ["what", "shape", "is", "the", "red", "one"]])),
                   return_attention=True)
    assert np.abs(np.asarray(two[0]) - np.asarray(two[1])).max() > 1e-6
    pooled = answering.AttendAndAnswer(vocab.size, len(answering.ANSWERS), units=8, attend=False)
    out, uniform = pooled((grid, ids), return_attention=True)
    assert tuple(out.shape) == (4, len(answering.ANSWERS))
    np.testing.assert_allclose(np.asarray(uniform), np.full((4, 3, 3), 1 / 9), atol=1e-7)
    assert not any("attention" in w.path for w in pooled.weights), "the baseline has no attention weights"


def test_the_model_learns_and_reloads_with_safe_mode(tmp_path, scenes):
    vocab = answering.question_vocabulary()
    q = answering.make_questions(scenes)
    grid = np.zeros((len(scenes), 3, 3, len(answering.ANSWERS)), "float32")
    grid[q.image, 1, 1, q.answer] = 1.0  # a grid that holds the answer in one cell
    x = [grid[q.image], vocab.encode(q.words)]
    keras.utils.set_random_seed(0)
    model = answering.AttendAndAnswer(vocab.size, len(answering.ANSWERS), units=8)
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    first = model.evaluate(x, q.answer, verbose=0)
    model.fit(x, q.answer, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, q.answer, verbose=0) < 0.5 * first
    path = tmp_path / "answer.keras"
    model.save(path)
    again = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    assert again.get_config()["attend"] is True and again.get_config()["hidden"] == 64


def test_bad_inputs_name_the_argument(scenes):
    vocab = answering.question_vocabulary()
    with pytest.raises(TypeError, match="scenes"):
        answering.make_questions(scenes.images)
    with pytest.raises(TypeError, match="attend"):
        answering.AttendAndAnswer(vocab.size, 7, attend="yes")
    with pytest.raises(ValueError, match="vocab_size"):
        answering.AttendAndAnswer(2, 7)
    with pytest.raises(ValueError, match="hidden"):
        answering.AttendAndAnswer(vocab.size, 7, hidden=0)
    model = answering.AttendAndAnswer(vocab.size, 7, units=4)
    grid = np.zeros((2, 3, 3, 5), "float32")
    with pytest.raises(TypeError, match="inputs"):
        model(grid)
    with pytest.raises(ValueError, match="grid"):
        model((grid[:, 0], vocab.encode([["what"], ["what"]])))
    with pytest.raises(ValueError, match="question"):
        model((grid, np.full((2, 3), vocab.size + 5, "int32")))
    model((grid, vocab.encode([["what"], ["what"]])))
    with pytest.raises(ValueError, match="grid: expected 5 channels"):
        model((np.zeros((2, 3, 3, 4), "float32"), vocab.encode([["what"], ["what"]])))
