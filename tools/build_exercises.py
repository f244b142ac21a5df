"""Build the exercise notebooks from their one source: a student version and a solution version.

    python tools/build_exercises.py            # every lesson's exercises (make exercises)
    python tools/build_exercises.py 02 05      # only these lessons
    python tools/build_exercises.py --check    # exit 1 if a built notebook differs from its source

``exercises/source/NN_topic.py`` (py:percent) holds the exercises with their solutions between
nbgrader's markers, ``### BEGIN SOLUTION`` and ``### END SOLUTION``. nbgrader's own
``ClearSolutions`` preprocessor writes the student version, ``exercises/NN_topic.ipynb``: each
solution becomes ``raise NotImplementedError()`` (its check then says "not done yet") and
each model answer of an open question becomes "YOUR ANSWER HERE". The solution version,
``exercises/solutions/NN_topic.ipynb``, keeps the solutions without the markers and is
executed top to bottom (``COURSE_EXERCISES=solutions``: a check that fails stops it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render import execute, lessons, notebook_metadata  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOURCES = EXERCISES / "source"
SOLUTIONS = EXERCISES / "solutions"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
REPOSITORY = "github/seqmodels-course/sequence-models-keras/blob/main/"
SOLUTIONS_NOTE = ("**Reference solutions.** Try [the exercises](../{name}.ipynb) first: each check tells you "
                  "what it expected and gives a hint.")


def sources(selected: list[str]) -> list[Path]:
    """The exercise sources, all or those whose number or stem is in ``selected``."""
    return lessons(selected, SOURCES)


def _read(source: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(source)
    nb.metadata = {**notebook_metadata(), "language_info": {"name": "python"}}
    return nb


def _number_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cell ids from the cells' places, so that building again changes nothing."""
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
    return nb


def student_version(source: Path) -> nbformat.NotebookNode:
    """The notebook a student gets: solutions replaced by stubs, no outputs."""
    # nbgrader is in the course's .venv only (Colab's runtime runs the built notebooks).
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    nb = _read(source)
    resources = {"language": "python"}
    nb, _ = ClearSolutions(enforce_metadata=False).preprocess(nb, resources)
    nb, _ = ClearOutput().preprocess(nb, resources)
    return _number_cells(nb)


def solution_version(source: Path) -> nbformat.NotebookNode:
    """The reference solutions, unexecuted: the source without nbgrader's markers."""
    nb = _read(source)
    for cell in nb.cells:
        lines = cell.source.split("\n")
        cell.source = "\n".join(line for line in lines if line.strip() not in MARKERS)
    title = nb.cells[0]  # its links, one folder deeper
    title.source = title.source.replace(REPOSITORY + "exercises/", REPOSITORY + "exercises/solutions/").replace(
        "](../notebooks/", "](../../notebooks/")
    note = nbformat.v4.new_markdown_cell(SOLUTIONS_NOTE.format(name=source.stem))
    nb.cells.insert(1, note)
    return _number_cells(nb)


def cells_of(nb) -> list[tuple[str, str]]:
    """What must agree between a built notebook and its source: each cell's type and text."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def stale(source: Path) -> list[str]:
    """The built notebooks of ``source`` that are missing or differ from it."""
    out = []
    for built, expected in ((EXERCISES / f"{source.stem}.ipynb", student_version(source)),
                            (SOLUTIONS / f"{source.stem}.ipynb", solution_version(source))):
        if not built.is_file() or cells_of(nbformat.read(built, as_version=4)) != cells_of(expected):
            out.append(str(built.relative_to(ROOT)))
    return out


def build(source: Path, timeout: int) -> bool:
    """Write both versions of ``source``; returns whether the solutions ran without error."""
    nbformat.write(student_version(source), EXERCISES / f"{source.stem}.ipynb")
    nb = solution_version(source)
    seconds, _, ok = execute(nb, SOLUTIONS, timeout, env={"COURSE_EXERCISES": "solutions"})
    nbformat.write(nb, SOLUTIONS / f"{source.stem}.ipynb")
    print(f"{source.stem}: student version written; solutions run in {seconds:.1f} s "
          f"{'ok' if ok else 'FAILED'}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (e.g. 02) or stems")
    parser.add_argument("--check", action="store_true", help="only compare the built notebooks with the sources")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()
    if args.check:
        differ = [path for source in sources(args.lessons) for path in stale(source)]
        for path in differ:
            print(f"{path} differs from its source: run make exercises", file=sys.stderr)
        return 1 if differ else 0
    os.environ.setdefault("COURSE_OFFLINE", "1")
    SOLUTIONS.mkdir(parents=True, exist_ok=True)
    failed = [s.stem for s in sources(args.lessons) if not build(s, args.timeout)]
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
