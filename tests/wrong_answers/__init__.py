"""For every checked exercise, answers a student could plausibly write that are wrong: an
off-by-one, a missing transpose, a wrong sign. ``tests/test_exercises.py`` shows that each
one fails its check, so no check can pass by accident.

One module per lesson (``lesson02.py``), each with ``WRONG = {"02.1": {"what is wrong":
function, ...}, ...}``; ``WRONG`` here gathers them all.
"""

from __future__ import annotations

import importlib
import pkgutil

WRONG: dict[str, dict] = {}
for _module in pkgutil.iter_modules(__path__):
    WRONG.update(importlib.import_module(f"{__name__}.{_module.name}").WRONG)
