"""tools/lesson_times.py writes measured times into the README table and adds missing rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import course_lib

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lesson_times", ROOT / "tools" / "lesson_times.py")
lesson_times = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lesson_times)

README = """intro
<!-- lesson-table -->
| # | lesson | seed topics | Colab | seconds (CPU) |
|---|---|---|---|---|
| 00 | [Setup](notebooks/00_setup.ipynb) | env | badge | 6 |
<!-- /lesson-table -->
after
"""


def test_times_are_written_into_existing_rows():
    out = lesson_times.update(README, {"notebooks/00_setup.ipynb": 7.6})
    assert "| 00 | [Setup](notebooks/00_setup.ipynb) | env | badge | 8 |" in out
    assert out.startswith("intro\n") and out.endswith("<!-- /lesson-table -->\nafter\n")


def test_a_lesson_without_a_row_gets_one_with_link_badge_and_time():
    out = lesson_times.update(
        README, {"notebooks/00_setup.ipynb": 6.0, "notebooks/13_rnns_beyond_sequences.ipynb": 71.2}
    )
    row = next(r for r in out.splitlines() if r.startswith("| 13 |"))
    assert "(notebooks/13_rnns_beyond_sequences.ipynb)" in row
    assert course_lib.colab_url("notebooks/13_rnns_beyond_sequences.ipynb") in row
    assert row.endswith("| 71 |")
    table = out[out.index("<!-- lesson-table -->") : out.index("<!-- /lesson-table -->")]
    assert table.splitlines()[-1] == row, "the new row is the table's last"
