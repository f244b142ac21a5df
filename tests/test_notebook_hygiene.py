"""Every lesson notebook follows the course's conventions and is saved from a clean run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import course_lib
from course_lib.env import _is_tensorflow_startup_noise

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
NAME = re.compile(r"^(\d\d)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
MAX_BYTES = 3 * 1024 * 1024


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def python_source(cell_source: str) -> str:
    """A code cell's source as plain Python: IPython's magics and shell lines become calls."""
    return TransformerManager().transform_cell(cell_source)


def formats_a_value(message: ast.expr) -> bool:
    """Whether an assert's message shows a measured value: an f-string with a ``{...}`` field."""
    return any(isinstance(node, ast.FormattedValue) for node in ast.walk(message))


def unexplained_asserts(cell_source: str) -> list[str]:
    """The asserts of a cell whose message is missing or shows no value (source lines)."""
    source = python_source(cell_source)
    return [
        f"line {node.lineno}: {ast.get_source_segment(source, node).splitlines()[0][:100]}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assert) and (node.msg is None or not formats_a_value(node.msg))
    ]


@pytest.mark.parametrize("source, flagged", [
    ("assert acc > 0.9", 1),
    ('assert acc > 0.9, "the model learns the task"', 1),
    ('assert acc > 0.9, f"the model learns the task: accuracy {acc:.3f}"', 0),
    ('for a in accs:\n    assert a > 0.9, f"every run learns it, got {a}"\n%time x = 1', 0),
])
def test_an_assert_without_a_measured_value_is_found(source, flagged):
    assert len(unexplained_asserts(source)) == flagged, unexplained_asserts(source)


def test_there_are_lessons_numbered_from_00_without_gaps():
    assert PATHS, "no notebooks found"
    numbers = [int(NAME.match(p.name).group(1)) for p in PATHS if NAME.match(p.name)]
    assert numbers == list(range(len(numbers))), f"lesson numbers {numbers} are not 00, 01, ..."


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
class TestNotebook:
    def test_name_is_numbered_snake_case(self, path):
        assert NAME.match(path.name), f"{path.name}: expected NN_snake_case.ipynb"

    def test_title_and_colab_badge_point_at_this_notebook(self, path):
        first = load(path).cells[0]
        assert first.cell_type == "markdown"
        assert first.source.startswith(f"# {path.name[:2]} "), "first line: '# NN · Title'"
        badge = course_lib.colab_url(f"notebooks/{path.name}")
        assert f"]({badge})" in first.source, f"badge should link to {badge}"
        assert "colab-badge.svg" in first.source

    def test_parameters_cell_sets_scale(self, path):
        params = [c for c in code_cells(load(path)) if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, "exactly one code cell tagged 'parameters'"
        assert re.search(r'^SCALE = "lesson"', params[0].source, re.M), 'SCALE = "lesson"'

    def test_setup_cell_installs_course_lib_on_colab_and_calls_setup_notebook(self, path):
        cells = code_cells(load(path))
        setup = [c for c in cells[:3] if "setup_notebook(" in c.source]
        assert setup, "a setup cell calling setup_notebook(...) among the first code cells"
        src = setup[0].source
        assert "google.colab" in src and course_lib.install_url() in src, (
            f"the setup cell installs {course_lib.install_url()!r} on Colab"
        )

    def test_saved_from_one_clean_run(self, path):
        cells = code_cells(load(path))
        counts = [c.execution_count for c in cells]
        assert counts == list(range(1, len(cells) + 1)), (
            f"execution counts {counts}: render it with `make render NB={path.name[:2]}`"
        )

    def test_no_stored_errors(self, path):
        for i, cell in enumerate(code_cells(load(path))):
            for out in cell.get("outputs", []):
                assert out.output_type != "error", f"code cell {i + 1} has a stored error"
                text = out.get("text", "") if out.output_type == "stream" else ""
                assert "Traceback (most recent call last)" not in text, f"code cell {i + 1}"

    def test_no_tensorflow_log_noise(self, path):
        # setup_notebook imports TensorFlow with its native stderr captured and drops the
        # start-up lines; any that reach a stored output mean TensorFlow was imported
        # before setup_notebook ran, or course_lib's filter no longer knows the lines.
        for i, cell in enumerate(code_cells(load(path))):
            for out in cell.get("outputs", []):
                text = out.get("text", "") if out.output_type == "stream" else ""
                noise = [ln for ln in text.splitlines() if _is_tensorflow_startup_noise(ln)]
                assert not noise and "node_def_util.cc" not in text, (
                    f"code cell {i + 1} stores TensorFlow log lines {noise[:2]}: TensorFlow "
                    "was imported before setup_notebook, or the lines are new to "
                    "course_lib.env._is_tensorflow_startup_noise"
                )

    def test_code_cells_are_short_enough_to_read(self, path):
        for i, cell in enumerate(code_cells(load(path))):
            lines = [ln for ln in cell.source.splitlines() if ln.strip()]
            assert len(lines) <= 40, (
                f"code cell {i + 1} has {len(lines)} non-blank lines (at most 40): split it at a "
                f"natural step, starting {lines[0][:60]!r}"
            )

    def test_every_assert_states_its_claim_and_the_measured_value(self, path):
        # a failing lesson should say what broke: "LSTM learns the adding task: MSE 0.41"
        missing = [
            f"cell [{cell.execution_count}] {where}"
            for cell in code_cells(load(path)) for where in unexplained_asserts(cell.source)
        ]
        assert not missing, (
            f"{len(missing)} asserts without a message that states the claim and formats the measured "
            "value (assert x > 0.9, f\"... got {x:.3f}\"):\n" + "\n".join(missing)
        )

    def test_no_missing_glyph_warnings(self, path):
        # a figure label in a script the plotting font lacks shows up as empty boxes
        for i, cell in enumerate(code_cells(load(path))):
            for out in cell.get("outputs", []):
                text = out.get("text", "") if out.output_type == "stream" else ""
                assert "missing from font" not in text, f"code cell {i + 1}: {text.strip()[:200]}"

    def test_asks_colab_for_a_gpu(self, path):
        meta = load(path).metadata
        assert meta.get("accelerator") == "GPU", "notebook metadata accelerator: GPU"
        assert meta.get("colab", {}).get("gpuType") == "T4", "notebook metadata colab.gpuType"

    def test_size_limit(self, path):
        size = path.stat().st_size
        assert size <= MAX_BYTES, f"{size / 1e6:.1f} MB > 3 MB"

    def test_has_summary_and_exercises(self, path):
        headings = [
            line.lower()
            for c in load(path).cells
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if line.startswith("#")
        ]
        assert any("summary" in h for h in headings), "a '## Summary' section"
        assert any("exercise" in h for h in headings), "an '## Exercises' section"

    def test_twin_is_in_sync(self, path):
        twin = path.with_suffix(".py")
        assert twin.exists(), f"{twin.name}: the py:percent twin is missing"
        a = [(c.cell_type, c.source.strip()) for c in jupytext.read(twin).cells]
        b = [(c.cell_type, c.source.strip()) for c in load(path).cells]
        assert a == b, f"{path.name} differs from {twin.name}: run `make render NB={path.name[:2]}`"

    def test_uses_no_network_at_lesson_scale(self, path):
        # The dynamic guard (COURSE_OFFLINE=1 -> setup_notebook blocks sockets) catches
        # downloads while nbval runs; this static check catches the usual culprits in
        # code that would run at lesson scale, i.e. outside an `if SCALE == "full"` block.
        banned = ("keras.datasets", "tfds.load", "get_file(", "urlopen(", 'weights="imagenet"')
        for cell in code_cells(load(path)):
            lines = cell.source.splitlines()
            full_block = False
            for line in lines:
                if re.match(r'^if SCALE == "full"', line):
                    full_block = True
                    continue
                if full_block and line and not line[0].isspace():
                    full_block = False  # dedent: the full-scale block (or its else) ended
                if full_block or line.lstrip().startswith("#"):
                    continue
                for word in banned:
                    assert word not in line, f"{word!r} at lesson scale: {line.strip()}"


def test_readme_table_lists_every_lesson_with_its_badge_and_time():
    readme = (NOTEBOOKS.parent / "README.md").read_text()
    table = readme[readme.index("<!-- lesson-table -->") : readme.index("<!-- /lesson-table -->")]
    for path in PATHS:
        row = next((r for r in table.splitlines() if r.startswith(f"| {path.name[:2]} |")), None)
        assert row, f"README lesson table has no row for {path.name}"
        assert f"(notebooks/{path.name})" in row
        assert course_lib.colab_url(f"notebooks/{path.name}") in row
        assert re.search(r"\| \d+ \|$", row.strip()), f"{path.name}: measured seconds in the last column"
