"""The ``Example:`` blocks in course_lib's docstrings run and print what they say.

Every module whose docstrings hold ``>>>`` examples is run through ``doctest``; a wrong
output, an exception or an example that stopped running fails here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import course_lib
import course_lib.data

MODULES = sorted(
    f"{pkg.__name__}.{info.name}"
    for pkg in (course_lib, course_lib.data)
    for info in pkgutil.iter_modules(pkg.__path__)
    if not info.ispkg and ">>>" in (Path(pkg.__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8")
)


def test_the_central_functions_have_examples():
    for name in ("course_lib.vocabulary", "course_lib.decoding", "course_lib.metrics",
                 "course_lib.data.dates", "course_lib.data.tasks", "course_lib.data.text"):
        assert name in MODULES, f"{name} lost its docstring examples"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, (f"{result.failed} of {result.attempted} examples in {name} failed "
                                "(run with -s to see them)")
