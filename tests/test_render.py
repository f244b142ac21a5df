"""A lesson rendered from its twin in this environment passes every hygiene check.

This is what a contributor does after editing a twin (``make render NB=00``): build the
notebook, execute it in a fresh kernel, save it. The result is written to a temporary
folder, so the committed notebook is untouched, and checked by the same hygiene tests
that check the committed notebooks (no TensorFlow log lines, counts 1..n, no errors, ...).
"""

from __future__ import annotations

import importlib.util
import inspect
import shutil
from pathlib import Path

import pytest
import test_notebook_hygiene as hygiene

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("render", ROOT / "tools" / "render.py")
render_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_tool)

CHECKS = [
    name
    for name, _ in inspect.getmembers(hygiene.TestNotebook, inspect.isfunction)
    if name.startswith("test_")
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    twin = ROOT / "notebooks" / "00_setup_and_tour.py"
    folder = tmp_path_factory.mktemp("notebooks")
    shutil.copy(twin, folder / twin.name)
    out = folder / "00_setup_and_tour.ipynb"
    seconds, cpu, ok = render_tool.render(folder / twin.name, timeout=300, out=out)
    assert ok, f"lesson 00 failed to render: see {out}"
    return out


@pytest.mark.parametrize("check", CHECKS)
def test_a_freshly_rendered_lesson_passes_the_hygiene_check(rendered, check):
    getattr(hygiene.TestNotebook(), check)(rendered)
