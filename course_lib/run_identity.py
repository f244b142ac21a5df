"""What makes two training runs the same run: fingerprints ``fit_resumable`` records.

A run directory may only be resumed by the run that wrote it. ``fit_resumable`` stores,
in ``state.json``, the model's architecture and layer settings (``model_fingerprint``,
independent of the names Keras numbers automatically), the loss and the optimizer's whole
configuration (``optimizer_settings``), and a fingerprint of the data
(``data_fingerprint``), and refuses to resume when any of them differs.
"""

from __future__ import annotations

import hashlib
import json

import keras
import numpy as np

from course_lib.checks import check_array

__all__ = ["data_fingerprint", "jsonable", "model_fingerprint", "optimizer_settings"]


def optimizer_settings(optimizer) -> dict:
    """The optimizer's class and its whole config (learning rate, betas, clipping, ...)."""
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer: expected a Keras optimizer, got {type(optimizer).__name__}")
    try:
        config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    except NotImplementedError as err:  # e.g. a LearningRateSchedule without get_config
        raise TypeError(
            f"optimizer: its settings cannot be recorded ({err}); a resumable run records them "
            "to know it resumes the same run: give the schedule a get_config method"
        ) from None
    return {"class": type(optimizer).__name__, **jsonable(config)}


def jsonable(value):
    """``value`` as plain JSON types (objects JSON cannot hold become their ``repr``)."""
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def _names(config, found: dict) -> dict:
    """Every value of a ``"name"`` key in a serialized Keras config -> its order of appearance."""
    if isinstance(config, dict):
        for key in sorted(config):
            value = config[key]
            if key == "name" and isinstance(value, str):
                found.setdefault(value, len(found))
            else:
                _names(value, found)
    elif isinstance(config, list):
        for value in config:
            _names(value, found)
    return found


def model_fingerprint(model) -> str:
    """SHA-256 of a model's architecture and layer settings, independent of layer names.

    Two models built by the same code (in this process or another one) have the same
    fingerprint although Keras numbers their automatic names (``dense``, ``dense_1``);
    another activation, dropout rate, ``go_backwards`` or layer size gives another. The
    compile settings are not part of it (``fit_resumable`` records loss and optimizer
    separately).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    order = _names(config, {})

    def canonical(value):  # every string value that is a name -> its order (keys untouched)
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [canonical(v) for v in value]
        if isinstance(value, str) and value in order:
            return f"<name {order[value]}>"
        return value

    text = json.dumps(canonical(config), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def data_fingerprint(*arrays) -> str:
    """SHA-256 over the shapes, dtypes and bytes of arrays (a run's training data)."""
    digest = hashlib.sha256()
    for i, a in enumerate(arrays):
        a = np.ascontiguousarray(check_array(a, f"arrays[{i}]", allow_empty=True))
        digest.update(f"{a.shape}{a.dtype.str}".encode())
        digest.update(memoryview(a).cast("B") if a.size else b"")
    return digest.hexdigest()
