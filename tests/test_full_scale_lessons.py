"""Run all at full scale, for the lessons whose full scale a CPU finishes.

Lessons 05 and 12 need no download (their full scale is the same data with longer
runs); lesson 11's full scale downloads tf_flowers, served here by the loopback mirror as
a fixture-size copy in the real layout, and ImageNet weights for MobileNetV2, which
Keras finds in its cache (a file of the real format with random weights, written below).
Every assert of the lessons runs; only the claims about how well the flowers model
learns, which a handful of photos cannot support, are printed instead of asserted
(``full_scale.check_learned``, ``COURSE_FIXTURE_DATA=1``).

The kernels block every connection but loopback (``COURSE_OFFLINE=1`` with a mirror).
``make test-colab`` runs this file in Colab's runtime (elsewhere it skips: full scale is for Colab).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = ["05_lstm_gru", "11_transfer_learning", "12_training_recipe"]


def _imagenet_weights_of_random_values(keras_home: Path) -> None:
    """Keras' cached MobileNetV2 weights for lesson 11 (160 px, no top), with random values."""
    import keras

    path = keras_home / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights=None).save(path)


@pytest.mark.parametrize("stem", LESSONS)
def test_full_scale_run_all(stem, mirror, tmp_path):
    if os.environ.get("COURSE_COLAB_RUNTIME") != "1":
        pytest.skip("full scale is for Colab: this runs in `make test-colab`, on Colab's packages")
    env = {**os.environ, "COURSE_SCALE": "full", "COURSE_OFFLINE": "1", "COURSE_MIRROR": str(mirror),
           "COURSE_FIXTURE_DATA": "1", "COURSE_DATA_DIR": str(tmp_path / "cache"),
           "KERAS_HOME": str(tmp_path / "keras")}
    if stem.startswith("11_"):
        _imagenet_weights_of_random_values(tmp_path / "keras")
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=1200, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)  # a failing cell raises CellExecutionError with its source and error
    printed = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []))
    assert "scale: full" in printed, f"{stem} ran at full scale (setup_notebook's report)"
