"""The ops of every training step the course traces, against those TensorFlow refuses
on a GPU under op determinism.

``tf.config.experimental.enable_op_determinism()`` (``setup_notebook`` turns it on at
lesson scale everywhere, and at full scale on request) makes TensorFlow raise
``UnimplementedError`` on a GPU for ops that have no deterministic GPU kernel. The list,
with where in TensorFlow's source each refusal is, is kept in
``gpu_nondeterministic_ops.json``. Each model of ``trained_models.py`` is trained one
epoch and its training step traced again (forward pass, gradients, optimizer update, and
the bodies of its loops); no op of that list may appear at lesson scale. Full-scale steps
that need one are listed in ``FULL_SCALE_ONLY`` with the op, and ``setup_notebook``
refuses ``deterministic=True`` for them (``env.NONDETERMINISTIC_ON_GPU``).
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest
import tensorflow as tf
import trained_models

from course_lib import cell_bank, env

REFUSED = json.loads((Path(__file__).with_name("gpu_nondeterministic_ops.json")).read_text(encoding="utf-8"))
#: entry -> the refused ops its full-scale step needs (lesson 11 fine-tunes MobileNetV2's depthwise convolutions)
FULL_SCALE_ONLY = {"mobilenet_tuned": {"DepthwiseConv2dNativeBackpropFilter"}}


def graph_op_types(concrete) -> set[str]:
    """Op types of a traced function, the functions it calls (loop bodies, gradients) included."""
    graph_def = concrete.graph.as_graph_def()
    types = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        types |= {node.op for node in function.node_def}
    return types


def training_step_ops(trained: trained_models.Trained) -> set[str]:
    """Train one epoch, then trace the model's training step on two examples."""
    trained.train()
    first = tf.nest.map_structure(lambda a: tf.convert_to_tensor(a[:2]), (trained.x, trained.y))
    model = trained.model
    if isinstance(model, cell_bank.CellBank):  # trained by cell_search.train_bank's own step
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(cell_bank.per_cell_mse(y, model(x)))
            return tape.gradient(loss, model.trainable_variables)
    else:
        def step(x, y):
            return model.train_step((x, y))
    return graph_op_types(tf.function(step).get_concrete_function(*first))


def test_the_refused_list_names_its_sources():
    assert REFUSED["tensorflow"] and REFUSED["source"], "the list says which TensorFlow it was read from"
    assert len(REFUSED["ops"]) >= 10, f"only {len(REFUSED['ops'])} ops listed"
    for op, where in REFUSED["ops"].items():
        assert where.get("source", "").startswith("tensorflow/"), f"{op}: no source file"
    assert set(env.NONDETERMINISTIC_ON_GPU) <= set(REFUSED["ops"]), "setup_notebook's list is part of this one"


@pytest.mark.parametrize("name", list(trained_models.MODELS))
def test_no_training_step_uses_an_op_refused_under_determinism(name):
    keras.utils.set_random_seed(0)
    ops = training_step_ops(trained_models.MODELS[name]())
    assert len(ops) > 5, f"{name}: the trace holds only {sorted(ops)}"
    refused = ops & set(REFUSED["ops"])
    allowed = FULL_SCALE_ONLY.get(name, set())
    assert refused == allowed, (
        f"{name}: its training step uses {sorted(refused)}, which TensorFlow refuses on a GPU under op "
        f"determinism; expected {sorted(allowed) or 'none'}")
