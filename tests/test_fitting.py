"""fitting.build_optimizer: the training step is traced once instead of twice, training unchanged."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_lib import fitting


class CountingModel(keras.Sequential):
    """A Sequential model that counts how often its training step is traced."""

    traces = 0

    def train_step(self, data):
        type(self).traces += 1
        return super().train_step(data)


def _fit(build_first: bool):
    keras.utils.set_random_seed(0)
    CountingModel.traces = 0
    model = CountingModel([keras.Input((5, 2)), keras.layers.SimpleRNN(4), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    if build_first:
        assert fitting.build_optimizer(model) is model
    x = np.random.default_rng(0).normal(size=(64, 5, 2)).astype("float32")
    history = model.fit(x, x[:, -1, :1], batch_size=16, epochs=2, verbose=0)
    return CountingModel.traces, history.history["loss"], model.get_weights()


def test_the_step_is_traced_once_and_training_is_unchanged():
    traces_plain, loss_plain, weights_plain = _fit(build_first=False)
    traces_built, loss_built, weights_built = _fit(build_first=True)
    assert traces_plain == 2, "Keras creates Adam's variables in the first trace, then traces again"
    assert traces_built == 1
    assert loss_built == loss_plain
    for a, b in zip(weights_built, weights_plain):
        np.testing.assert_array_equal(a, b)


def test_a_subclassed_model_is_built_from_a_sample_and_a_built_optimizer_is_kept():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="sample: the model has no weights yet"):
        fitting.build_optimizer(model)
    fitting.build_optimizer(model, np.zeros((1, 2), "float32"))
    assert model.built and model.optimizer.built
    moments = list(model.optimizer.variables)
    fitting.build_optimizer(model)  # already built: nothing changes
    assert list(model.optimizer.variables) == moments


def test_bad_inputs_name_what_was_expected():
    with pytest.raises(TypeError, match="model: expected a keras.Model, got str"):
        fitting.build_optimizer("model")
    uncompiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="model: expected a compiled model"):
        fitting.build_optimizer(uncompiled)
