"""Keras' automatic XLA decision as it is made on a GPU, applied on this CPU.

With TensorFlow, ``model.compile(jit_compile="auto")`` (the default) compiles the
training step with XLA when a non-CPU device is visible, no ``tf.distribute`` strategy is
in use, op determinism is off and every layer reports ``supports_jit`` (Keras'
``Trainer._resolve_auto_jit_compile`` and ``model_supports_jit``). A Keras ``LSTM`` or
``GRU`` whose settings cuDNN accepts sets ``supports_jit = False`` when it is built with a
GPU visible, so a model holding one is not compiled. On a Colab GPU at full scale
``setup_notebook`` turns determinism off, so every other model is compiled with XLA.

``keras_sees_a_gpu`` patches only what Keras reads to see a device: TensorFlow's list
of physical devices while Keras resolves ``"auto"`` (called without a device type, as
Keras calls it), and the list of logical GPUs while an LSTM or GRU layer is constructed.
Everything still runs on the CPU: the layers then take their generic (non-cuDNN) path.
"""

from __future__ import annotations

import contextlib
import functools
import inspect

import keras
import pytest
import tensorflow as tf

FAKE_GPU = "/physical_device:GPU:0"


def determinism_enabled() -> bool:
    """TensorFlow's op-determinism flag, read where Keras reads it."""
    from tensorflow.python.framework.config import is_op_determinism_enabled

    return bool(is_op_determinism_enabled())


@contextlib.contextmanager
def keras_sees_a_gpu():
    """Within the block, Keras decides ``jit_compile="auto"`` as it would on a GPU."""
    if determinism_enabled():
        raise RuntimeError("op determinism is on in this process: Keras never picks XLA then, so the GPU "
                           "rule cannot be rehearsed here (run the file in a process of its own)")
    physical, logical = tf.config.list_physical_devices, tf.config.list_logical_devices
    gpu_physical = type(physical()[0])(name=FAKE_GPU, device_type="GPU")
    gpu_logical = type(logical()[0])(name="/device:GPU:0", device_type="GPU")

    def list_physical_devices(device_type=None):
        devices = physical(device_type)
        return devices + [gpu_physical] if device_type is None else devices

    def list_logical_devices(device_type=None):
        return logical(device_type) + [gpu_logical] if device_type in (None, "GPU") else logical(device_type)

    def built_with_a_gpu(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            with pytest.MonkeyPatch.context() as during:
                during.setattr(tf.config, "list_logical_devices", list_logical_devices)
                init(self, *args, **kwargs)
        wrapper.__signature__ = inspect.signature(init)  # Keras reads the arguments' names
        return wrapper

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tf.config, "list_physical_devices", list_physical_devices)
        for layer in (keras.layers.LSTM, keras.layers.GRU):
            patch.setattr(layer, "__init__", built_with_a_gpu(layer.__init__))
        yield
