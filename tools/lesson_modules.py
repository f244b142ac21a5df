"""Which lessons use which course_lib module, read from the imports.

    python tools/lesson_modules.py                 # every module: the lessons that import it
    python tools/lesson_modules.py seq2seq dates   # the lessons to re-render after changing these
    python tools/lesson_modules.py --check         # CONTRIBUTING's table against the imports
    python tools/lesson_modules.py --write         # rewrite the table's two lesson columns

A lesson *imports* a module when one of its cells does (``from course_lib import seq2seq``,
``from course_lib.data import dates``, ``from course_lib.env import setup_notebook``). It
*uses* every module that those modules import in turn, anywhere in their code (a
module-level or a function-level import): ``full_scale.anki`` reaches ``translation``,
which reaches ``decoding``; importing a package that re-exports its modules' names
(``from course_lib import full_scale``) imports every module its ``__init__`` imports.
A change to a module changes the outputs of every lesson that uses it.
"""

from __future__ import annotations

import argparse
import ast
import functools
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "course_lib"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"


def module_name(path: Path) -> str:
    """``course_lib/data/dates.py`` → ``data.dates`` (the name lessons and the table use)."""
    parts = path.relative_to(LIBRARY).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def library_modules() -> tuple[str, ...]:
    return tuple(sorted(module_name(p) for p in LIBRARY.rglob("*.py") if p.name != "__init__.py"))


def imported_modules(source: str, known: set[str], *, packages: bool = True) -> set[str]:
    """The course_lib modules a piece of Python source imports (anywhere in it).

    A package that re-exports its modules' names (``from course_lib import full_scale``)
    counts as the modules its ``__init__`` imports (with ``packages``).
    """
    inits = package_modules() if packages else {}
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module.removeprefix("course_lib").lstrip(".")
            if not node.module.startswith("course_lib"):
                continue
            for alias in node.names:  # from course_lib.data import dates: a module, or a name in one
                candidate = f"{base}.{alias.name}" if base else alias.name
                name = candidate if candidate in known or candidate in inits else base
                found |= inits.get(name, {name})  # from course_lib.full_scale import x: the package
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("course_lib."):
                    name = alias.name.removeprefix("course_lib.")
                    found |= inits.get(name, {name})
    return found & known


@functools.cache
def package_modules() -> dict[str, frozenset[str]]:
    """Each package of course_lib (``full_scale``) → the modules its ``__init__`` imports."""
    known = set(library_modules())
    return {module_name(p): frozenset(imported_modules(p.read_text(encoding="utf-8"), known, packages=False))
            for p in LIBRARY.glob("*/__init__.py")}


@functools.cache
def module_imports() -> dict[str, set[str]]:
    """Each module → the modules it imports directly."""
    known = set(library_modules())
    return {m: imported_modules((LIBRARY / (m.replace(".", "/") + ".py")).read_text(encoding="utf-8"), known) - {m}
            for m in known}


def closure(start: set[str], graph: dict[str, set[str]]) -> set[str]:
    """``start`` and everything it imports, directly or not."""
    seen, todo = set(), list(start)
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return seen


@functools.cache
def lesson_imports() -> dict[str, set[str]]:
    """Lesson number ("05") → the modules its cells import (from the py:percent twins)."""
    known = set(library_modules())
    return {p.name[:2]: imported_modules(p.read_text(encoding="utf-8"), known)
            for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))}


def lessons_using(modules: set[str], *, indirect: bool = True) -> list[str]:
    """The lessons that import any of ``modules`` (or, with ``indirect``, use them through others)."""
    graph = module_imports()
    return sorted(n for n, direct in lesson_imports().items()
                  if modules & (closure(direct, graph) if indirect else direct))


def lesson_list(numbers: list[str]) -> str:
    """["07", "08", "09", "11"] → "07–09, 11"; every lesson → "all"; none → "—"."""
    if not numbers:
        return "—"
    if numbers == sorted(lesson_imports()):
        return "all"
    runs, out = [[int(numbers[0])]], []
    for n in map(int, numbers[1:]):
        if n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    for run in runs:
        out.append(f"{run[0]:02d}" if len(run) == 1 else
                   f"{run[0]:02d}, {run[1]:02d}" if len(run) == 2 else f"{run[0]:02d}–{run[-1]:02d}")
    return ", ".join(out)


def _table(text: str) -> tuple[int, int]:
    """Where the rows of CONTRIBUTING's "Where code goes" table are: (first, end) offsets."""
    start = text.index("## Where code goes")
    header = text.index("\n|", start) + 1
    first = text.index("\n", text.index("\n", header) + 1) + 1  # after the header and its rule
    end = text.find("\n\n", first)
    return first, (end if end != -1 else len(text))


def row_modules(first_cell: str) -> list[str]:
    """The modules a row names (`data.*`: every module of the package ``data``)."""
    names = []
    for name in re.findall(r"`([a-z0-9_.]+(?:\.\*)?)`", first_cell):
        package = name.removesuffix("*")
        names += [m for m in library_modules() if m.startswith(package)] if name.endswith(".*") else [name]
    return names


def expected_row(line: str) -> str:
    """A table row with its two lesson columns as the imports say."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    names = set(row_modules(cells[0]))
    cells[-2:] = [lesson_list(lessons_using(names, indirect=False)), lesson_list(lessons_using(names))]
    return "| " + " | ".join(cells) + " |"


def check_table(write: bool = False) -> list[str]:
    """Where CONTRIBUTING's table disagrees with the imports (with ``write``: fix it)."""
    text = CONTRIBUTING.read_text(encoding="utf-8")
    first, end = _table(text)
    lines = text[first:end].splitlines()
    problems = [f"the table says {old!r}, the imports say {new!r}"
                for old, new in ((line, expected_row(line)) for line in lines) if old != new]
    listed = {m for line in lines for m in row_modules(line.strip("| ").split("|")[0].strip())}
    missing = sorted(set(library_modules()) - listed)
    if missing:
        problems.append(f"modules the table does not list (add a row): {', '.join(missing)}")
    if write:
        CONTRIBUTING.write_text(text[:first] + "\n".join(map(expected_row, lines)) + text[end:], encoding="utf-8")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="changed modules (e.g. seq2seq data.dates)")
    parser.add_argument("--check", action="store_true", help="compare CONTRIBUTING's table with the imports")
    parser.add_argument("--write", action="store_true", help="rewrite the table's lesson columns from the imports")
    args = parser.parse_args()
    if args.check or args.write:
        problems = check_table(write=args.write)
        if args.write:
            print(f"rewrote {len(problems)} row(s) of CONTRIBUTING's table" if problems else
                  "CONTRIBUTING's table already agrees with the lessons' imports")
            return 0
        print("\n".join(problems) or "CONTRIBUTING's table agrees with the lessons' imports")
        return 1 if problems else 0
    known = set(library_modules())
    if args.modules:
        unknown = sorted(set(args.modules) - known)
        if unknown:
            print(f"not course_lib modules: {', '.join(unknown)}; expected one of {', '.join(sorted(known))}")
            return 2
        lessons = lessons_using(set(args.modules))
        print(f'make render NB="{" ".join(lessons)}"' if lessons else "no lesson uses them")
        return 0
    for m in sorted(known):
        print(f"{m:24} imported by {lesson_list(lessons_using({m}, indirect=False)):18} "
              f"used by {lesson_list(lessons_using({m}))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
