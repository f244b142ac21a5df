"""course_lib.memory: the peak resident memory of a call, on Linux."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from course_lib import memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak_memory measures Linux's VmHWM")


def test_it_works_on_linux_where_the_lessons_are_tested():
    # lesson 05 measures BPTT memory only where this holds: it must hold on the test machine
    assert memory.can_measure_peak()


def test_the_peak_of_a_large_array_is_measured_and_a_small_call_costs_little():
    size = 64 * 2**20

    def allocate():
        a = np.ones(size // 8)  # touched: every page becomes resident
        return float(a.sum())

    for _ in range(2):  # the same allocation measured twice: freed memory is handed back in between
        total, extra = memory.peak_memory(allocate)
        assert total == size // 8
        assert 0.9 * size < extra < 1.5 * size
    assert memory.peak_memory(lambda: 1)[1] < 8 * 2**20


def test_arguments_are_passed_and_a_non_function_is_refused():
    assert memory.peak_memory(np.zeros, 3, dtype="int32")[0].tolist() == [0, 0, 0]
    with pytest.raises(TypeError, match="fn: expected a function"):
        memory.peak_memory("np.zeros")


def test_a_gradient_through_time_keeps_memory_per_step_and_inference_does_not():
    import keras

    model = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(32), keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    short, long = (rng.normal(size=(64, T, 2)).astype("float32") for T in (100, 400))
    train = [memory.training_step_memory(model, x) for x in (short, long)]
    infer = [memory.inference_memory(model, x) for x in (short, long)]
    assert train[1] > 2.5 * train[0] > 0, train
    assert infer[1] - infer[0] < 0.2 * (train[1] - train[0]), (infer, train)
    # a GRU step keeps several vectors of 32 floats for each of the 64 sequences
    per_step = (train[1] - train[0]) / 300 / 64
    assert 2 * 4 * 32 < per_step < 20 * 4 * 32, per_step


def test_model_memory_refuses_what_it_cannot_measure():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="model: expected a Keras model"):
        memory.training_step_memory("gru", np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="x: expected a batch"):
        memory.inference_memory(model, np.zeros(3, "float32"))
    with pytest.raises(ValueError, match="repeats"):
        memory.inference_memory(model, np.zeros((2, 3), "float32"), repeats=0)


def test_the_same_gradient_is_timed():
    import keras

    model = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(8), keras.layers.Dense(1)])
    seconds = memory.training_step_seconds(model, np.zeros((4, 5, 2), "float32"), repeats=2)
    assert isinstance(seconds, float) and 0 < seconds < 10
    with pytest.raises(ValueError, match="repeats"):
        memory.training_step_seconds(model, np.zeros((4, 5, 2), "float32"), repeats=-1)


def test_the_cache_of_traced_passes_does_not_keep_a_model_alive():
    import gc
    import weakref

    import keras

    model = keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(4)])
    memory.inference_memory(model, np.zeros((2, 3, 2), "float32"), repeats=1)
    assert model.layers[0].use_cudnn == "auto", "cuDNN is switched off only while tracing"
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
