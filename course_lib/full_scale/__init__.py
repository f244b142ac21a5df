"""The lessons' full-scale runs: real data, downloaded once, trained resumably.

Each pipeline function is the whole ``SCALE = "full"`` run of one lesson: locate or
download the dataset (``course_lib.data``), build the model, then the one shared skeleton
(``full_scale.skeleton.train_run``): without a GPU a warning with a rough time estimate,
``course_lib.training.fit_resumable`` in a run directory ``runs/<name>`` under the data
cache (a disconnect resumes from the last epoch), ``best.keras`` reloaded with safe mode
on. The pipeline then evaluates that model and returns what the lesson prints, plots and
asserts as a small frozen dataclass with documented fields (``imdb_sentiment`` returns a
``SentimentRun``: ``.model``, ``.history``, ``.test_accuracy``, ``.run``). The notebook
cell is a call to it, so the test suite rehearses exactly this code: on fixture-size
archives in the real layouts, served from 127.0.0.1 through the ``COURSE_MIRROR``
manifest, with ``weights=None`` instead of ImageNet weights and budgets of one epoch
(``tests/test_full_scale_rehearsal.py``).

Every function prints its progress (downloads, feature extraction per chunk, one line
per epoch) and, without a GPU, a warning with a rough time estimate.

Lessons and modules (every name is also reached as ``full_scale.<name>``):

======  =======================  ======================================================  ========================
lesson  module                   functions                                               the run returns
======  =======================  ======================================================  ========================
06      ``full_scale.imdb``      ``imdb_sentiment``, ``review_classifier``               ``SentimentRun``
08      ``full_scale.anki``      ``anki_translation``, ``translation_attention``         ``TranslationRun``
09, 10  ``full_scale.flickr8k``  ``caption_flickr8k``                                    ``CaptioningRun``
11      ``full_scale.flowers``   ``flowers_transfer``                                    ``FlowersRun``
13      ``full_scale.skeleton``  ``fit_named_run`` (a lesson's own models)               ``training.TrainingRun``
all     ``full_scale.skeleton``  ``train_run`` (the shared skeleton), ``check_learned``
======  =======================  ======================================================  ========================
"""

from __future__ import annotations

from course_lib.full_scale.anki import TranslationRun, anki_translation, translation_attention
from course_lib.full_scale.flickr8k import CaptioningRun, caption_flickr8k
from course_lib.full_scale.flowers import FlowersRun, flowers_transfer
from course_lib.full_scale.imdb import SentimentRun, imdb_sentiment, review_classifier
from course_lib.full_scale.skeleton import check_learned, fit_named_run

__all__ = [
    "CaptioningRun",
    "FlowersRun",
    "SentimentRun",
    "TranslationRun",
    "anki_translation",
    "caption_flickr8k",
    "check_learned",
    "fit_named_run",
    "flowers_transfer",
    "imdb_sentiment",
    "review_classifier",
    "translation_attention",
]
