"""The ops of every training step the course traces, against those TensorFlow refuses
under op determinism.

``setup_notebook`` turns on ``tf.config.experimental.enable_op_determinism()`` at lesson
scale everywhere, and at full scale when asked (``deterministic=True``). TensorFlow then
raises (``UnimplementedError``, mostly on a GPU) for ops without a deterministic kernel;
``gpu_nondeterministic_ops.json`` lists them, with the check in TensorFlow's source that
refuses each and its condition. Each model of ``trained_models.py`` is trained one epoch
and its training step traced again (forward pass, gradients, optimizer update, and the
bodies of its loops), with op determinism on, in a process of its own; none of those ops
may appear, so ``deterministic=True`` holds on a GPU for every lesson, full-scale
fine-tuning of MobileNetV2 included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest
import tensorflow as tf
import trained_models

from course_lib import cell_bank

REFUSED = json.loads((Path(__file__).with_name("gpu_nondeterministic_ops.json")).read_text(encoding="utf-8"))
_SEEDED = {"RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal", "Multinomial",
           "RandomShuffle"}


def graph_nodes(concrete) -> list:
    """NodeDefs of a traced function and of the functions it calls (loop bodies, gradients)."""
    graph_def = concrete.graph.as_graph_def()
    nodes = list(graph_def.node)
    for function in graph_def.library.function:
        nodes.extend(function.node_def)
    return nodes


def refused(node) -> bool:
    """Whether TensorFlow refuses this node under determinism, its condition included."""
    if node.op not in REFUSED["ops"]:
        return False
    if node.op.startswith(("FusedBatchNormGrad", "_FusedBatchNormGrad")):
        return not node.attr["is_training"].b
    if node.op in _SEEDED:
        return node.attr["seed"].i == 0 and node.attr["seed2"].i == 0
    return True


def training_step_nodes(trained: trained_models.Trained) -> list:
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
    return graph_nodes(tf.function(step).get_concrete_function(*first))


def nearest_resize_probe() -> list:
    """A step that does use a refused op (the gradient of a nearest-neighbour resize)."""
    image = tf.Variable(tf.ones((1, 2, 2, 1)))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.image.resize(image, (4, 4), method="nearest") ** 2)
        return tape.gradient(loss, image)

    return graph_nodes(step.get_concrete_function())


def scan() -> dict:
    """{model name: (number of op types, refused op types)}, traced with op determinism on,
    as ``setup_notebook`` runs them: some Python APIs take another path then (softmax
    cross-entropy avoids its fused op), so the trace is the one that would run."""
    tf.config.experimental.enable_op_determinism()
    out = {}
    for name, build in {"(probe) nearest resize": None, **trained_models.MODELS}.items():
        keras.utils.set_random_seed(0)
        nodes = nearest_resize_probe() if build is None else training_step_nodes(build())
        out[name] = (len({n.op for n in nodes}), sorted({n.op for n in nodes if refused(n)}))
    return out


@pytest.fixture(scope="module")
def scanned():
    """The scan, in a process of its own: op determinism cannot be turned off again."""
    done = subprocess.run([sys.executable, "-c", "import json, test_gpu_determinism as t; print(json.dumps(t.scan()))"],
                          cwd=Path(__file__).parent, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(Path(__file__).parent), str(Path(__file__).parents[1])])})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_refused_list_says_where_each_refusal_is():
    assert REFUSED["tensorflow"].startswith("2.20") and "2.21" in REFUSED["tensorflow"]
    assert len(REFUSED["ops"]) >= 30, f"only {len(REFUSED['ops'])} ops listed"
    for op, where in REFUSED["ops"].items():
        assert where["source"].startswith("tensorflow/") and where["condition"], f"{op}: no source or condition"


def test_the_scan_finds_a_refused_op_where_there_is_one(scanned):
    assert scanned["(probe) nearest resize"][1] == ["ResizeNearestNeighborGrad"]


@pytest.mark.parametrize("name", list(trained_models.MODELS))
def test_no_training_step_uses_an_op_refused_under_determinism(name, scanned):
    kinds, found = scanned[name]
    assert kinds > 5, f"{name}: the trace holds only {kinds} kinds of op"
    assert not found, (f"{name}: its training step uses {found}, which TensorFlow refuses under op "
                       "determinism (gpu_nondeterministic_ops.json): deterministic=True would fail there")
