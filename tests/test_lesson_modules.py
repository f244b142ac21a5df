"""CONTRIBUTING's map of modules to lessons is the one the imports give (tools/lesson_modules.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lesson_modules", ROOT / "tools" / "lesson_modules.py")
lesson_modules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lesson_modules)


def test_contributings_table_agrees_with_the_imports():
    problems = lesson_modules.check_table()
    assert not problems, "run tools/lesson_modules.py --write:\n" + "\n".join(problems)


def test_the_check_fails_when_the_table_disagrees(tmp_path, monkeypatch):
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `decoding` |"))
    wrong = row.rsplit("|", 2)[0] + "| 03, 07 |"  # the lessons that import it, not those that use it
    copy = tmp_path / "CONTRIBUTING.md"
    copy.write_text(text.replace(row, wrong), encoding="utf-8")
    monkeypatch.setattr(lesson_modules, "CONTRIBUTING", copy)
    problems = lesson_modules.check_table()
    assert len(problems) == 1 and "decoding" in problems[0], problems
    lesson_modules.check_table(write=True)
    assert copy.read_text(encoding="utf-8") == text, "--write restores the table"


def test_a_module_reaches_the_lessons_that_use_it_through_others():
    # decoding is imported by 03 and 07, and reached by 08 and 10 through translation and captioning
    assert {"03", "07", "08", "10"} <= set(lesson_modules.lessons_using({"decoding"}))
    assert set(lesson_modules.lessons_using({"decoding"}, indirect=False)) == {"03", "07"}
    assert {"07", "08", "09"} <= set(lesson_modules.lessons_using({"fitting"}))
