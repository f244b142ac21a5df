"""Visual question answering with spatial attention: the question chooses where to look.

Lesson 10's decoder attends to a different part of the image for every word of a
caption. Attention does not need an output *sequence*: here one question about a scene
("what colour is the triangle") is encoded by an LSTM, that vector is the query of one
spatial attention over the CNN grid, and the answer is classified from the context
vector and the question: a simplified "Show, Ask, Attend, and Answer" (Kazemi & Elqursh,
2017), with one attention glimpse instead of the paper's two and lesson 08's additive
score instead of its concatenation and 1×1 convolutions.

* ``make_questions(scenes)``: two kinds of questions about the generated scenes of
  ``course_lib.data.scenes``, asked only where they have one answer:
  ``what colour is the <shape>`` (the shape occurs once in the scene) and
  ``what shape is the <colour> one`` (the colour occurs once).
* ``AttendAndAnswer``: grid + question ids -> answer logits over ``ANSWERS`` (and the
  attention map on request); ``attend=False`` gives the same model with the grid
  averaged instead of attended, the baseline (its "map" is uniform: the average is
  attention with equal weights).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from course_lib.attention import SpatialAttention
from course_lib.checks import check_positive_int, check_tensor, check_token_tensor
from course_lib.data.scenes import COLOURS, SHAPES, Scenes
from course_lib.vocabulary import Vocabulary

__all__ = ["ANSWERS", "SceneQuestions", "make_questions", "question_vocabulary", "AttendAndAnswer"]

#: every answer the questions can have: the colour words, then the shape words
ANSWERS = (*COLOURS, *SHAPES)


@dataclasses.dataclass
class SceneQuestions:
    """Questions about a batch of scenes, one row per question.

    Attributes:
        image: (Q,) int, the scene each question is about.
        obj: (Q,) int, the object (left to right) it asks about.
        words: Q lists of str, the question's words.
        answer: (Q,) int, the index of the answer in ``ANSWERS``.
        kind: (Q,) str, ``"colour"`` or ``"shape"`` (what is asked).
    """

    image: np.ndarray
    obj: np.ndarray
    words: list
    answer: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.image)


def make_questions(scenes: Scenes) -> SceneQuestions:
    """Every question with exactly one answer about every object of ``scenes``.

    An object whose shape is unique in its scene gets ``what colour is the <shape>``;
    one whose colour is unique gets ``what shape is the <colour> one``. An object that
    shares both with another object of its scene is not asked about.

    Args:
        scenes: a ``Scenes`` from ``make_scenes``.

    Returns:
        a ``SceneQuestions`` (questions in scene order, objects left to right).
    """
    if not isinstance(scenes, Scenes):
        raise TypeError(f"scenes: expected a Scenes from make_scenes, got {type(scenes).__name__}")
    rows = []  # (image, object, words, answer, kind)
    for i in range(len(scenes)):
        shapes, colours = scenes.shape[i], scenes.colour[i]
        for k in range(int(scenes.n_objects[i])):
            s, c = int(shapes[k]), int(colours[k])
            if np.sum(shapes == s) == 1:
                rows.append((i, k, ["what", "colour", "is", "the", SHAPES[s]], ANSWERS.index(COLOURS[c]), "colour"))
            if np.sum(colours == c) == 1:
                rows.append((i, k, ["what", "shape", "is", "the", COLOURS[c], "one"], ANSWERS.index(SHAPES[s]),
                             "shape"))
    if not rows:
        raise ValueError("scenes: no object in these scenes can be asked about unambiguously")
    image, obj, words, answer, kind = zip(*rows)
    return SceneQuestions(np.array(image, "int64"), np.array(obj, "int64"), list(words),
                          np.array(answer, "int64"), np.array(kind))


def question_vocabulary() -> Vocabulary:
    """The words of every question ``make_questions`` can ask, as a ``Vocabulary``
    (``unknown="error"``: a word it cannot encode is an error, not a silent ``<unk>``)."""
    words = ["what", "colour", "shape", "is", "the", "one", *SHAPES, *COLOURS]
    return Vocabulary(words, unknown="error")


@keras.saving.register_keras_serializable(package="course_lib")
class AttendAndAnswer(keras.Model):
    """Question -> LSTM -> query of a spatial attention over the grid -> answer.

        q = LSTM(embed(question));   g'_ij = relu(W_g g_ij)
        alpha, c = SpatialAttention(q, g')     (attend=False: alpha uniform, c = mean_ij g'_ij)
        logits = W_out relu(W_h [c, q])

    Args:
        vocab_size: V of the question vocabulary (``PAD_ID`` 0 is masked).
        n_answers: A, the number of answer classes.
        units: size of the question vector, the projected cells and the attention.
        attend: ``True`` attends; ``False`` averages the cells (the baseline, which has
            no attention weights).
        embed_dim: size of the word embedding.
        hidden: size of the ReLU layer before the answer logits.

    Call:
        ``model((grid, question_ids))`` with ``grid: (B, h, w, D)`` and
        ``question_ids: (B, L)`` → logits ``(B, A)``; with ``return_attention=True`` also
        the map ``alpha: (B, h, w)`` (uniform, ``1 / (h·w)``, when ``attend=False``).
    """

    def __init__(self, vocab_size, n_answers, units=32, attend=True, embed_dim=16, hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", minimum=Vocabulary.END_ID + 2)
        self.n_answers = check_positive_int(n_answers, "n_answers", minimum=2)
        self.units = check_positive_int(units, "units")
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.hidden_units = check_positive_int(hidden, "hidden")
        if not isinstance(attend, bool):
            raise TypeError(f"attend: expected True or False, got {attend!r}")
        self.attend = attend
        L = keras.layers
        self.embed = L.Embedding(self.vocab_size, self.embed_dim, mask_zero=True, name="embed")
        self.question_lstm = L.LSTM(self.units, name="question_lstm")
        self.project_cells = L.Dense(self.units, activation="relu", name="project_cells")
        self.attention = SpatialAttention(self.units, name="attention") if attend else None  # baseline: no weights
        self.hidden = L.Dense(self.hidden_units, activation="relu", name="hidden")
        self.out = L.Dense(self.n_answers, name="answer")

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise TypeError(f"inputs: expected a pair (grid, question), got shapes {input_shape}")
        grid_shape = tuple(input_shape[0])
        if len(grid_shape) != 4 or any(size is None for size in grid_shape[1:]):
            raise ValueError(f"grid: expected shape (batch, height, width, channels) with known sizes, "
                             f"got {grid_shape}")
        h, w, self.grid_channels = (int(size) for size in grid_shape[1:])
        self.embed.build((None, None))
        self.question_lstm.build((None, None, self.embed_dim))
        self.project_cells.build((None, h, w, self.grid_channels))
        if self.attend:
            self.attention.build((None, self.units), (None, h, w, self.units))
        self.hidden.build((None, 2 * self.units))
        self.out.build((None, self.hidden_units))
        self.built = True

    def call(self, inputs, return_attention=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise TypeError(f"inputs: expected a pair (grid, question), got {type(inputs).__name__}")
        grid, question_ids = inputs
        check_tensor(grid, "grid", ("batch", "height", "width", "channels"))
        if self.built and grid.shape[-1] != self.grid_channels:
            raise ValueError(f"grid: expected {self.grid_channels} channels per cell, got {grid.shape[-1]}")
        check_token_tensor(question_ids, "question", self.vocab_size, ("batch", "words"), dtype="number")
        q = self.question_lstm(self.embed(question_ids))  # (B, units)
        cells = self.project_cells(grid)  # (B, h, w, units)
        if self.attend:
            context, alpha = self.attention(q, cells)  # (B, units), (B, h, w)
        else:  # the average is attention with equal weights
            h, w = grid.shape[1], grid.shape[2]
            context = ops.mean(cells, axis=(1, 2))
            alpha = ops.full((ops.shape(grid)[0], h, w), 1.0 / (h * w), dtype=context.dtype)
        logits = self.out(self.hidden(ops.concatenate([context, q], axis=-1)))
        return (logits, alpha) if return_attention else logits

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "n_answers": self.n_answers,
                "units": self.units, "attend": self.attend, "embed_dim": self.embed_dim,
                "hidden": self.hidden_units}
