"""Every model the course trains, under Keras' automatic XLA rule as on a Colab GPU.

On a GPU at full scale ``setup_notebook`` turns op determinism off, and Keras then
compiles a model's training step with XLA unless one of its layers says it cannot
(``supports_jit``; a cuDNN LSTM/GRU does). A model whose loop XLA cannot compile would stop
at its first ``fit``. Here the rule is applied on the CPU (``gpu_jit_rule.py``): each model
of ``trained_models.py`` is built and compiled as the course does, Keras resolves
``jit_compile`` as on a GPU, and the model trains one epoch with a partial last batch,
then runs the decoding or prediction the lessons use.

This file needs a process where op determinism was never turned on (Keras never picks
XLA otherwise): ``make test-colab`` runs it with ``COURSE_GPU_JIT_RULE=1``.
"""

from __future__ import annotations

import math
import os

import keras
import numpy as np
import pytest
import trained_models

from course_lib import cell_bank, cell_rules, seq2seq

pytestmark = pytest.mark.skipif(os.environ.get("COURSE_GPU_JIT_RULE") != "1",
                                reason="runs in `make test-colab` (COURSE_GPU_JIT_RULE=1): it needs a process "
                                       "where op determinism is off")
#: The models Keras compiles with XLA on a GPU at full scale; every other one holds a Keras
#: LSTM or GRU (cuDNN), or a course layer with ``supports_jit = False``, or is a CellBank
#: trained by ``cell_search.train_bank``'s own ``tf.function`` (no automatic XLA).
XLA_ON_A_GPU = {"mlp", "simple_rnn", "recall_rnn", "small_cnn", "transfer_cnn", "mobilenet_frozen",
                "mobilenet_tuned", "glimpse_classifier", "drawer", "video_frames"}


@pytest.fixture(autouse=True)
def _release_models():
    """Drop each test's models: the XLA-compiled steps of every model in one worker would
    otherwise add up to well over a gigabyte."""
    yield
    keras.utils.clear_session(free_memory=True)


def _losses(trained):
    history = trained.train()
    if isinstance(history, np.ndarray):  # cell_search.train_bank: (steps, K)
        return history.ravel().tolist()
    history = getattr(history, "history", history)
    return list(history["loss"]) if isinstance(history, dict) else list(history)


@pytest.mark.parametrize("name", list(trained_models.MODELS))
def test_trains_and_decodes_under_the_gpu_jit_rule(name, gpu_jit_rule):
    assert gpu_jit_rule, "the session runs under the GPU jit rule"
    keras.utils.set_random_seed(0)
    trained = trained_models.MODELS[name]()
    losses = _losses(trained)
    assert losses and all(math.isfinite(v) for v in losses), f"{name}: losses {losses}"
    if trained.after is not None:
        trained.after()
    if isinstance(trained.model, keras.Model):  # not a CellBank, which its own tf.function trains
        assert trained.model.jit_compile is (name in XLA_ON_A_GPU), (
            f"{name}: Keras resolved jit_compile to {trained.model.jit_compile} under the GPU rule; expected "
            f"{name in XLA_ON_A_GPU} (update XLA_ON_A_GPU if the model changed on purpose)")


def test_the_rule_compiles_plain_models_and_spares_cudnn_ones(gpu_jit_rule):
    """The rehearsal is the rule: XLA for a Dense model, none beside a cuDNN-able GRU."""
    dense = trained_models.mlp().model
    gru = trained_models.char_lm_gru().model
    assert dense.jit_compile is True, "a model of Dense layers is compiled with XLA on a GPU"
    assert gru.jit_compile is False, "a Keras GRU (cuDNN) keeps Keras from compiling the model"


def _loop_layers():
    """Course layers that run a loop, each alone in a model (no Keras GRU beside it)."""
    tokens, state, values = keras.Input((3,), dtype="int32"), keras.Input((4,)), keras.Input((5, 4))
    logits, _, _ = seq2seq.AttentionDecoder(8, 4, 4)(tokens, state, values)
    sequences = keras.Input((4, 2))
    bank = cell_bank.CellBank([cell_rules.GRU], 2, 1, unroll=False)(sequences)
    rng = np.random.default_rng(0)
    return {
        "AttentionDecoder": (keras.Model([tokens, state, values], logits),
                             [rng.integers(0, 8, (5, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 5, 4))],
                             rng.integers(0, 8, (5, 3)), "sparse_categorical_crossentropy"),
        "CellBank(unroll=False)": (keras.Model(sequences, bank), rng.normal(size=(5, 4, 2)),
                                   rng.normal(size=(5, 1, 1)), "mse"),
    }


@pytest.mark.parametrize("name", ["AttentionDecoder", "CellBank(unroll=False)"])
def test_a_course_loop_compiles_under_xla_or_refuses_it(name, gpu_jit_rule):
    model, x, y, loss = _loop_layers()[name]
    model.compile("adam", loss)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)  # XLA if the layer allows it; it must then work
    print(f"{name}: jit_compile resolved to {model.jit_compile}")
