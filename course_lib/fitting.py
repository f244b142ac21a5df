"""Between ``model.compile`` and ``model.fit``: create the optimizer's variables first.

Keras (TensorFlow backend, no distribution strategy) creates the optimizer's variables,
for Adam two moments per weight, while it traces the first training step inside
``tf.function``. A ``tf.function`` whose first trace creates variables is traced a second
time, now without creating them, so the first ``fit`` pays for two traces of the whole
training step. For a recurrent model that step holds the loop over time and its gradient,
and one trace often takes seconds, a large part of a short lesson's training.
``build_optimizer`` creates the variables eagerly, before ``fit``: the step is traced once,
and training is otherwise unchanged (the same variables, created earlier, with the same
zeros).
"""

from __future__ import annotations

__all__ = ["build_optimizer"]


def build_optimizer(model, sample=None):
    """Create ``model.optimizer``'s variables for the model's trainable weights now.

    Call it after ``model.compile(...)`` (which makes a new, empty optimizer) and before the
    first ``model.fit``. An optimizer that already has its variables is left as it is.

    Args:
        model: a compiled ``keras.Model``.
        sample: a batch of inputs (e.g. ``x[:1]``) to call a model on that has no weights
            yet (a subclassed model without an ``Input``); not needed for a built model.

    Returns:
        ``model``, so that ``build_optimizer(model).fit(...)`` reads in one line.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError("model: expected a compiled model; call model.compile(...) first")
    if not model.built:
        if sample is None:
            raise ValueError(
                "sample: the model has no weights yet; pass a batch of its inputs (e.g. x[:1]) "
                "or give the model a keras.Input"
            )
        model(sample)
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return model
