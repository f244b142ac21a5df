"""course_lib.teacher_forcing: what a language model reads while it learns."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_lib import teacher_forcing as tfm
from course_lib.data import text as textdata

V, T = 9, 6


def _model(schedule="teacher forcing", total_updates=4):
    keras.utils.set_random_seed(0)
    model = tfm.SampledLanguageModel(V, embed_dim=4, units=5, schedule=schedule, total_updates=total_updates)
    model(np.zeros((1, T), "int64"))
    return model


def _tokens(n=8, seed=0):
    return np.random.default_rng(seed).integers(0, V, (n, T))


def test_each_step_reads_a_sample_of_the_previous_steps_prediction():
    """Logits scaled up until sampling is argmax: free running must then be greedy decoding,
    step t reading the argmax of the teacher-forced prediction after the prefix it has read."""
    model, x = _model(), _tokens()
    model.logits.kernel.assign(model.logits.kernel * 1e6)
    model.logits.bias.assign(model.logits.bias * 1e6)
    unrolled, share = model.unrolled_logits(keras.ops.convert_to_tensor(x), 0.0)
    unrolled = np.array(unrolled)
    top2 = np.sort(unrolled, axis=-1)[..., -2:]
    assert (top2[..., 1] - top2[..., 0]).min() > 50, "no near-ties: sampling is argmax"
    fed = x.copy()
    fed[:, 1:] = np.argmax(unrolled[:, :-1], axis=-1)  # step t reads the argmax of step t - 1
    np.testing.assert_allclose(unrolled, np.array(model(fed)), rtol=1e-4, atol=1.0)
    assert float(share) == 0.0
    assert (fed[:, 1:] != x[:, 1:]).any(), "the greedy tokens differ from the true ones, so the check can fail"


def test_the_training_step_compiles_with_xla():
    model = _model("scheduled sampling")
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=True)
    logs = model.fit(_tokens(8), _tokens(8, seed=1), batch_size=4, verbose=0).history
    assert np.isfinite(logs["loss"][0]) and 0.0 <= logs["teacher_share"][0] <= 1.0


def test_teacher_probability_follows_each_schedule():
    assert float(tfm.teacher_probability("teacher forcing", 7, 10)) == 1.0
    assert float(tfm.teacher_probability("free running", 0, 10)) == 0.0
    linear = [float(tfm.teacher_probability("scheduled sampling", i, 11)) for i in range(11)]
    np.testing.assert_allclose(linear, np.linspace(1.0, 0.0, 11), atol=1e-6)
    assert float(tfm.teacher_probability("scheduled sampling", 50, 11)) == 0.0  # past the end: stays at 0
    with pytest.raises(ValueError, match="schedule"):
        tfm.teacher_probability("always", 0, 10)
    with pytest.raises(ValueError, match="update"):
        tfm.teacher_probability("free running", -1, 10)
    with pytest.raises(ValueError, match="update"):
        tfm.teacher_probability("scheduled sampling", np.int64(-2), 10)
    with pytest.raises(ValueError, match="update: expected a scalar"):
        tfm.teacher_probability("scheduled sampling", keras.ops.convert_to_tensor([1, 2]), 10)
    with pytest.raises(TypeError, match="update: expected an integer tensor"):
        tfm.teacher_probability("scheduled sampling", keras.ops.convert_to_tensor(1.5), 10)
    with pytest.raises(TypeError, match="update"):
        tfm.teacher_probability("scheduled sampling", True, 10)
    assert float(tfm.teacher_probability("scheduled sampling", np.int32(5), 11)) == pytest.approx(0.5)


def test_the_unrolled_step_reading_true_tokens_is_the_teacher_forced_pass():
    model, x = _model(), _tokens()
    unrolled, share = model.unrolled_logits(keras.ops.convert_to_tensor(x), 1.0)
    np.testing.assert_allclose(np.array(unrolled), np.array(model(x)), atol=1e-5)
    assert float(share) == 1.0


def test_reading_its_own_samples_changes_every_step_after_the_first():
    model, x = _model(), _tokens()
    unrolled, share = model.unrolled_logits(keras.ops.convert_to_tensor(x), 0.0)
    forced = np.array(model(x))
    np.testing.assert_allclose(np.array(unrolled)[:, 0], forced[:, 0], atol=1e-5)  # step 0 reads the true token
    assert float(share) == 0.0
    assert not np.allclose(np.array(unrolled)[:, 1:], forced[:, 1:], atol=1e-3)


@pytest.mark.parametrize("schedule", tfm.SCHEDULES)
def test_fit_logs_the_share_of_true_tokens_and_the_schedule_carries_over_fit_calls(schedule):
    model = _model(schedule, total_updates=4)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    x, y = _tokens(16), _tokens(16, seed=1)
    shares = [model.fit(x[k * 8:(k + 1) * 8], y[k * 8:(k + 1) * 8], batch_size=4, shuffle=False,
                        verbose=0).history["teacher_share"][0] for k in range(2)]
    assert int(model.optimizer.iterations) == 4
    if schedule == "teacher forcing":
        assert shares == [1.0, 1.0]
    elif schedule == "free running":
        assert shares == [0.0, 0.0]
    else:  # coins with chances 1 and 2/3, then 1/3 and 0
        assert shares[0] > shares[1]
        assert shares[1] < 0.7
    loss = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        y, model(x), from_logits=True))), rtol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="schedule"):
        tfm.SampledLanguageModel(V, schedule="teacher-forcing")
    with pytest.raises(ValueError, match="vocab_size"):
        tfm.SampledLanguageModel(0)
    with pytest.raises(ValueError, match="tokens"):
        _model()(np.full((2, T), V))  # an id outside the vocabulary
    model, x = _model(), keras.ops.convert_to_tensor(_tokens())
    with pytest.raises(ValueError, match="tokens"):
        model.unrolled_logits(keras.ops.convert_to_tensor(np.full((2, T), V)), 0.5)
    with pytest.raises(ValueError, match="tokens: the training step needs T >= 2"):
        model.unrolled_logits(x[:, :1], 0.5)
    with pytest.raises(ValueError, match="probability"):
        model.unrolled_logits(x, 1.5)
    with pytest.raises(ValueError, match="probability"):
        model.unrolled_logits(x, keras.ops.convert_to_tensor(1.5))
    with pytest.raises(ValueError, match="probability: expected a scalar"):
        model.unrolled_logits(x, keras.ops.ones((2,)))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        model.fit(_tokens(4), _tokens(4)[:, :-1], verbose=0)
    with pytest.raises(ValueError, match="y: expected ids in"):
        model.fit(_tokens(4), np.full((4, T), V), verbose=0)
    with pytest.raises(ValueError, match="y: expected the next tokens"):
        model.fit(_tokens(4), verbose=0)
    with pytest.raises(ValueError, match="x: expected ids in"):
        model.evaluate(np.full((4, T), -1), _tokens(4), verbose=0)


def test_random_windows_are_consecutive_and_shifted_by_one():
    ids = np.arange(100)
    x, y = textdata.random_windows(ids, 5, 7, seed=3)
    assert x.shape == y.shape == (5, 7)
    np.testing.assert_array_equal(np.diff(x, axis=1), 1)
    np.testing.assert_array_equal(y, x + 1)
    assert y.max() <= 99
    np.testing.assert_array_equal(x, textdata.random_windows(ids, 5, 7, seed=3)[0])  # seeded
    with pytest.raises(ValueError, match="ids"):
        textdata.random_windows(np.arange(7), 2, 7)
