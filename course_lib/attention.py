"""Attention layers written out for teaching: Bahdanau (additive) attention over the
positions of a sequence, and spatial attention over the cells of a feature grid."""

from __future__ import annotations

import keras
from keras import ops

from course_lib.checks import check_positive_int, check_tensor

__all__ = ["BahdanauAttention"]


@keras.saving.register_keras_serializable(package="course_lib")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention (Bahdanau et al., 2014) over ``S`` positions.

    For a query ``s`` (the decoder state) and values ``h_1..h_S`` (encoder outputs,
    or the cells of a flattened feature grid)::

        e_i     = v · tanh(W s + U h_i)          scores,   (batch, [Tq,] S)
        alpha_i = softmax_i(e_i)                 weights,  0 at masked positions
        c       = sum_i alpha_i h_i              context,  (batch, [Tq,] Dv)

    Args:
        units: size of the hidden layer of the score network (rows of ``W``, ``U``).

    Call args:
        query: (batch, Dq) one query, or (batch, Tq, Dq) several queries.
        values: (batch, S, Dv) the positions attended over.
        values_mask: optional (batch, S) bool, ``False`` at padded positions (they
            get weight exactly 0). At least one position per row must be ``True``.
            (Named ``values_mask`` rather than ``mask`` so that Keras never fills it
            in with the query's own padding mask.)
        projected_values: optional (batch, S, units), ``project_values(values)``
            computed once beforehand.

    Returns:
        ``(context, weights)``: context (batch, Dv) and weights (batch, S) for a
        rank-2 query; (batch, Tq, Dv) and (batch, Tq, S) for a rank-3 query.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")

    def build(self, query_shape=None, values_shape=None):
        if query_shape is None:
            raise TypeError("query: expected a tensor of shape (batch, Dq) or (batch, Tq, Dq)")
        if values_shape is None:
            raise TypeError("values: expected a tensor of shape (batch, S, Dv)")
        if len(values_shape) != 3:
            raise ValueError(
                f"values: expected shape (batch, S, Dv), got {tuple(values_shape)}"
            )
        if len(query_shape) not in (2, 3):
            raise ValueError(
                f"query: expected shape (batch, Dq) or (batch, Tq, Dq), got {tuple(query_shape)}"
            )
        dq, dv = query_shape[-1], values_shape[-1]
        self.W = self.add_weight(name="W", shape=(dq, self.units), initializer="glorot_uniform")
        self.U = self.add_weight(name="U", shape=(dv, self.units), initializer="glorot_uniform")
        self.v = self.add_weight(name="v", shape=(self.units,), initializer="glorot_uniform")

    def project_values(self, values):
        """``U h_i`` for every position: values (batch, S, Dv) -> (batch, S, units).

        A decoder that attends at every step can compute this once per source and
        pass it to ``call`` as ``projected_values``.
        """
        return ops.matmul(values, self.U)

    def call(self, query, values, values_mask=None, projected_values=None):
        dq = self.W.shape[0]
        ranked3 = len(getattr(query, "shape", ())) == 3
        check_tensor(query, "query", ("batch", "Tq", dq) if ranked3 else ("batch", dq))
        check_tensor(values, "values", ("batch", "S", self.U.shape[0]))
        if values_mask is not None:
            check_tensor(values_mask, "values_mask", ("batch", "S"), dtype=None)
            if None not in (values_mask.shape[1], values.shape[1]) and values_mask.shape[1] != values.shape[1]:
                raise ValueError(f"values_mask: expected shape (batch, S) with S = {values.shape[1]} "
                                 f"as in values, got {tuple(values_mask.shape)}")
        if projected_values is not None:
            check_tensor(projected_values, "projected_values", ("batch", values.shape[1], self.units))
        single = len(query.shape) == 2
        if single:
            query = ops.expand_dims(query, 1)  # (batch, 1, Dq)
        keys = self.project_values(values) if projected_values is None else projected_values
        q = ops.matmul(query, self.W)  # (batch, Tq, units)
        hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(keys, 1))  # (b, Tq, S, u)
        scores = ops.sum(hidden * self.v, axis=-1)  # (batch, Tq, S)
        if values_mask is not None:
            keep = ops.expand_dims(ops.cast(values_mask, "bool"), 1)  # (batch, 1, S)
            scores = ops.where(keep, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        if values_mask is not None:  # exact zeros at padding, whatever the score dtype
            weights = weights * ops.cast(keep, weights.dtype)
        context = ops.matmul(weights, values)  # (batch, Tq, Dv)
        if single:
            context, weights = context[:, 0], weights[:, 0]
        return context, weights

    def compute_mask(self, query, values, values_mask=None, projected_values=None):
        return None

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="course_lib")
class SpatialAttention(keras.layers.Layer):
    """Attention over the cells of an image's feature grid ("Show, Attend and Tell").

    The (h, w) grid is flattened into S = h·w positions and scored with the additive
    ``BahdanauAttention`` above; the weights come back in the grid's shape so they can
    be drawn over the image::

        alpha = softmax over cells of v · tanh(W s + U g_ij),   context = sum alpha_ij g_ij

    Args:
        units: hidden size of the additive score.

    Call args:
        query: (batch, Dq) the decoder state.
        grid: (batch, h, w, D) the feature grid.
        projected_grid: optional (batch, h·w, units), ``project(grid)`` computed once.

    Returns:
        ``(context, weights)``: context (batch, D), weights (batch, h, w) summing to 1.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.additive = BahdanauAttention(units, name="additive")

    @staticmethod
    def _cells(grid):
        if len(grid.shape) != 4:
            raise ValueError(
                f"grid: expected shape (batch, height, width, channels), got {tuple(grid.shape)}"
            )
        h, w, d = grid.shape[1], grid.shape[2], grid.shape[3]
        return ops.reshape(grid, (-1, h * w, d)), (h, w)

    def build(self, query_shape=None, grid_shape=None):
        if query_shape is None:
            raise TypeError("query: expected a tensor of shape (batch, Dq)")
        if grid_shape is None or len(grid_shape) != 4:
            raise ValueError(
                f"grid: expected shape (batch, height, width, channels), got {grid_shape}"
            )
        if len(query_shape) != 2:
            raise ValueError(f"query: expected shape (batch, Dq), got {tuple(query_shape)}")
        cells = (grid_shape[0], grid_shape[1] * grid_shape[2], grid_shape[3])
        self.additive.build(tuple(query_shape), cells)

    def project(self, grid):
        """grid (batch, h, w, D) -> projected cells (batch, h·w, units), once per image."""
        cells, _ = self._cells(grid)
        return self.additive.project_values(cells)

    def call(self, query, grid, projected_grid=None):
        check_tensor(query, "query", ("batch", "Dq"))
        check_tensor(grid, "grid", ("batch", "height", "width", "channels"))
        cells, (h, w) = self._cells(grid)
        context, weights = self.additive(query, cells, projected_values=projected_grid)
        return context, ops.reshape(weights, (-1, h, w))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


__all__.append("SpatialAttention")
