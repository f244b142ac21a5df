"""Copy the measured notebook times of the last `make test` into the README's lesson table.

`make test` records each notebook's wall-clock seconds (the sum of its cells under
nbval) in ``build/test_times.json``. This script writes them into the last column of the
table between ``<!-- lesson-table -->`` markers in README.md, and adds a row, with its
link and Colab badge, for every lesson the table does not list yet (fill in its topics)::

    make test && python tools/lesson_times.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_lib  # noqa: E402

BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def new_row(notebook: str, seconds: float) -> str:
    """A table row for ``notebook`` (e.g. ``13_rnns_beyond_sequences.ipynb``)."""
    stem = Path(notebook).stem
    title = stem[3:].replace("_", " ").capitalize()
    path = f"notebooks/{Path(notebook).name}"
    badge = f"[![Open In Colab]({BADGE})]({course_lib.colab_url(path)})"
    return f"| {stem[:2]} | [{title}]({path}) | (topics) | {badge} | {seconds:.0f} |"


def update(readme: str, seconds: dict[str, float]) -> str:
    start, end = readme.index("<!-- lesson-table -->"), readme.index("<!-- /lesson-table -->")
    rows = readme[start:end].rstrip("\n").splitlines()
    by_number = {Path(k).name[:2]: (Path(k).name, v) for k, v in seconds.items()}
    out, listed = [], set()
    for row in rows:
        m = re.match(r"^\| (\d\d) \|", row)
        if m:
            listed.add(m.group(1))
        if m and m.group(1) in by_number:
            cells = row.rstrip().rstrip("|").split("|")
            cells[-1] = f" {by_number[m.group(1)][1]:.0f} "
            row = "|".join(cells) + "|"
        out.append(row)
    for number in sorted(set(by_number) - listed):
        out.append(new_row(*by_number[number]))
    return readme[:start] + "\n".join(out) + "\n" + readme[end:]


def main() -> int:
    times = ROOT / "build" / "test_times.json"
    if not times.exists():
        sys.exit("no build/test_times.json: run `make test` first")
    seconds = json.loads(times.read_text())["seconds"]
    readme = ROOT / "README.md"
    readme.write_text(update(readme.read_text(), seconds))
    for name, s in sorted(seconds.items()):
        print(f"{s:6.1f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
