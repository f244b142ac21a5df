"""The checked exercises, both versions, from their one source (``make exercises``).

- the built notebooks (``exercises/NN_topic.ipynb``, ``exercises/solutions/NN_topic.ipynb``)
  are what ``tools/build_exercises.py`` makes of the sources now;
- the solution version runs top to bottom and passes every check;
- the student version runs top to bottom and every check says "not done yet";
  both versions of a lesson run in one kernel, the student version after ``%reset -f``
  (an empty namespace and no recorded verdicts; imported modules stay loaded, so
  TensorFlow is imported once per lesson, not twice);
- every wrong answer in ``tests/wrong_answers/`` fails its check, and every exercise has one.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from wrong_answers import WRONG

from course_lib.exercises import core

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_exercises", ROOT / "tools" / "build_exercises.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
SOURCES = build.sources([])
LESSONS = [source.stem for source in SOURCES]
for _source in SOURCES:
    importlib.import_module(f"course_lib.exercises.lesson{_source.name[:2]}")
VERDICT = re.compile(r"^([✓·✗]) (\d\d\.\d+) ", re.MULTILINE)


def _numbers(lesson: str) -> list[str]:
    return sorted(n for n in core._EXERCISES if n.startswith(lesson[:2] + "."))


RESET = """%reset -f
import os

from course_lib.exercises import core

core.RESULTS.clear()
os.environ[core.MODE_VARIABLE] = "student"
"""


def _cleared(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


@functools.cache
def _run_both(lesson: str):
    """Execute the solution version of ``lesson`` from scratch with ``COURSE_EXERCISES=solutions``,
    then, in the same kernel after ``RESET``, the student version with ``COURSE_EXERCISES=student``.

    Returns ``(solutions, solutions_ran, student, student_ran)``: the two executed notebooks
    (no stored output survives) and whether each ran every cell.
    """
    solutions = _cleared(build.SOLUTIONS / f"{lesson}.ipynb")
    student = _cleared(build.EXERCISES / f"{lesson}.ipynb")
    both = nbformat.v4.new_notebook(metadata=solutions.metadata)
    both.cells = [*solutions.cells, nbformat.v4.new_code_cell(RESET), *student.cells]
    _, _, ok = build.execute(both, build.EXERCISES, timeout=300, env={core.MODE_VARIABLE: "solutions"})
    solution_cells = [cell for cell in solutions.cells if cell.cell_type == "code"]
    solutions_ran = all(cell.get("execution_count") is not None and not any(
        out.get("output_type") == "error" for out in cell.get("outputs", [])) for cell in solution_cells)
    student_ran = ok and all(cell.get("execution_count") is not None
                             for cell in student.cells if cell.cell_type == "code")
    return solutions, solutions_ran, student, student_ran


def _verdicts(nb) -> list[tuple[str, str]]:
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    return VERDICT.findall(text)


def test_the_built_notebooks_are_those_of_the_sources():
    stale = [path for source in SOURCES for path in build.stale(source)]
    assert not stale, f"run make exercises: these differ from exercises/source/: {stale}"


def test_every_lesson_from_01_to_14_has_three_to_six_checked_exercises():
    counts = {source.name[:2]: len(_numbers(source.stem)) for source in SOURCES}
    bad = {lesson: n for lesson, n in counts.items() if not 3 <= n <= 6}
    assert not bad, f"each lesson's exercise notebook should check 3 to 6 exercises: {bad}"


def test_every_lesson_links_its_exercises_and_every_link_resolves():
    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[1:]  # 01-14; 00 is the tour
    missing = [lesson.stem for lesson in lessons if lesson.stem not in LESSONS]
    assert not missing, f"lessons without checked exercises (exercises/source/NN_topic.py): {missing}"
    broken = []
    for lesson in lessons:
        text = "".join("".join(c["source"]) for c in nbformat.read(lesson, as_version=4).cells)
        for target in (f"../exercises/{lesson.stem}.ipynb", f"../exercises/solutions/{lesson.stem}.ipynb",
                       f"{build.REPOSITORY}exercises/{lesson.stem}.ipynb"):
            if f"]({target})" not in text and f"/{target})" not in text:
                broken.append(f"{lesson.name} does not link {target}")
    for built in [*build.EXERCISES.glob("*.ipynb"), *build.SOLUTIONS.glob("*.ipynb")]:
        text = "".join("".join(c["source"]) for c in nbformat.read(built, as_version=4).cells)
        for target in re.findall(r"\]\((\.\.[^)]+\.ipynb)\)", text):
            if not (built.parent / target).resolve().is_file():
                broken.append(f"{built.relative_to(ROOT)} links {target}, which does not exist")
    assert not broken, broken


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_solution_version_passes_every_check(lesson):
    nb, ok, _, _ = _run_both(lesson)
    verdicts = _verdicts(nb)
    assert ok, f"the solutions of {lesson} failed a check or raised: {verdicts}"
    assert sorted(n for mark, n in verdicts if mark == "✓") == _numbers(lesson), (
        f"every exercise of {lesson} should be checked once and pass: {verdicts}")


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_student_version_runs_and_every_check_says_not_done(lesson):
    handout = nbformat.read(build.EXERCISES / f"{lesson}.ipynb", as_version=4)
    assert not any(cell.get("outputs") for cell in handout.cells if cell.cell_type == "code"), (
        f"the student version of {lesson} is handed out without outputs")
    solutions_ok, nb, ok = _run_both(lesson)[1:]
    verdicts = _verdicts(nb)
    assert solutions_ok, f"the solution version of {lesson} failed first: see its test"
    assert ok, f"the student version of {lesson} should run top to bottom: {verdicts}"
    assert sorted(n for mark, n in verdicts if mark == "·") == _numbers(lesson), (
        f"every check of {lesson}'s student version should say 'not done yet': {verdicts}")


CASES = [(number, name) for number, answers in sorted(WRONG.items()) for name in answers]


@pytest.mark.parametrize(("number", "name"), CASES, ids=[f"{n}-{name}" for n, name in CASES])
def test_a_wrong_answer_fails_its_check(number, name, capsys, monkeypatch):
    monkeypatch.delenv(core.MODE_VARIABLE, raising=False)
    core._EXERCISES[number](WRONG[number][name])
    verdict = core.RESULTS[number]
    assert verdict.status == "wrong", f"{number} with a wrong answer ({name}) should be 'not yet right': {verdict}"
    assert "hint:" in verdict.message and "expected" in verdict.message, (
        f"the message of {number} should say what was expected and give a hint: {verdict.message}")
    assert str(verdict) in capsys.readouterr().out, "the check prints its verdict"


def test_every_exercise_has_a_wrong_answer_that_fails():
    missing = sorted(set(core._EXERCISES) - set(WRONG))
    assert not missing, f"exercises without a wrong answer in tests/wrong_answers/: {missing}"


def test_a_stub_is_not_done_and_an_error_is_reported_with_its_type(capsys, monkeypatch):
    monkeypatch.delenv(core.MODE_VARIABLE, raising=False)
    check = core._EXERCISES["02.1"]

    def stub(*args):
        raise NotImplementedError()

    check(stub)
    assert core.RESULTS["02.1"].status == "not done"
    check(lambda *args: None)  # code written, no return
    assert core.RESULTS["02.1"].status == "not done" and "returned None" in core.RESULTS["02.1"].message
    check(lambda *args: 1 / 0)
    assert core.RESULTS["02.1"].status == "error" and "ZeroDivisionError" in core.RESULTS["02.1"].message
    check("not a function")
    assert core.RESULTS["02.1"].status == "wrong" and "expected your function" in core.RESULTS["02.1"].message


def test_strict_modes_raise_with_the_verdict(monkeypatch):
    check = core._EXERCISES["02.5"]
    monkeypatch.setenv(core.MODE_VARIABLE, "solutions")
    with pytest.raises(AssertionError, match="02.5.*should pass its check"):
        check(WRONG["02.5"]["bits instead of nats"])
    monkeypatch.setenv(core.MODE_VARIABLE, "student")
    with pytest.raises(AssertionError, match="should say 'not done yet'"):
        check(WRONG["02.5"]["bits instead of nats"])
    monkeypatch.setenv(core.MODE_VARIABLE, "solution")
    with pytest.raises(ValueError, match="COURSE_EXERCISES: expected one of"):
        check(WRONG["02.5"]["bits instead of nats"])
