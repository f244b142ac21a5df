"""Point every Colab badge and install cell at ``course_lib.REPO`` / ``course_lib.REF``.

After changing ``REPO`` or ``REF`` in ``course_lib/__init__.py`` (a fork, or pinning a
release tag for a term), run::

    python tools/relink.py

It rewrites the links in the README, the notebooks and their twins; outputs are not
touched, so the notebooks need no re-rendering.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_lib  # noqa: E402

BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/[^/\s]+/(notebooks/[\w.]+)")
INSTALL = re.compile(r"course-lib @ git\+https://github\.com/[^@\s\"']+@[^\s\"']+")


def relink(text: str) -> str:
    text = BADGE.sub(lambda m: course_lib.colab_url(m.group(1)), text)
    return INSTALL.sub(course_lib.install_url(), text)


def main() -> int:
    changed = 0
    for path in [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))]:
        old = path.read_text()
        new = relink(old)
        if new != old:
            path.write_text(new)
            changed += 1
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = [c.source for c in nb.cells]
        for cell in nb.cells:
            cell.source = relink(cell.source)
        if [c.source for c in nb.cells] != before:
            nbformat.write(nb, path)
            changed += 1
    print(f"{changed} file(s) now point at {course_lib.REPO}@{course_lib.REF}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
