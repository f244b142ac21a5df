"""Copy a lesson into work/ to edit it there: make copy NB=05

    python tools/copy_lesson.py 05 [--to work]

The copy keeps the lesson's outputs and runs as it is (the lessons import course_lib, not
files beside them). An existing copy is never overwritten: it holds your changes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def lesson(name: str) -> Path:
    """The notebook of lesson ``name`` (its number, e.g. "05", or its stem)."""
    found = [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if name in (p.name[:2], p.stem)]
    if not found:
        choices = ", ".join(p.name[:2] for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
        raise SystemExit(f"NB={name!r} names no lesson; expected a lesson number: {choices}")
    return found[0]


def copy_lesson(name: str, work: Path) -> Path:
    """Copy lesson ``name`` to ``work``; refuse to replace a copy that already exists."""
    source = lesson(name)
    work.mkdir(parents=True, exist_ok=True)
    target = work / source.name
    try:
        with source.open("rb") as src, target.open("xb") as dst:  # "x": never overwrite
            shutil.copyfileobj(src, dst)
    except FileExistsError:
        raise SystemExit(f"{target} already exists and may hold your changes: open it, or move it "
                         f"away first to start again from the lesson") from None
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", help="lesson number (e.g. 05) or stem")
    parser.add_argument("--to", type=Path, default=ROOT / "work", help="folder for the copy (default: work/)")
    args = parser.parse_args()
    target = copy_lesson(args.lesson, args.to)
    print(f"copied to {target}: open it in JupyterLab (make lab) and edit it there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
