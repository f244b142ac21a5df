"""A failing lesson cell tells the student what broke, in plain text.

A two-cell notebook whose second cell prints three lines and then fails its assert is run
under nbval as ``make test`` runs the lessons, with the output going to a file (not a
terminal): the report must show the assert's message with its value, the cell's number as
JupyterLab shows it, what the cell printed, and no ANSI colour codes.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def test_a_failed_cell_says_which_cell_what_it_printed_and_why(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("acc = 0.5", execution_count=1),
        nbformat.v4.new_code_cell(
            "for epoch in range(3):\n    print(f'epoch {epoch}: loss {1 - epoch / 10:.2f}')\n"
            "assert acc > 0.9, f'the model should learn the task: accuracy {acc:.3f}'",
            execution_count=2,
        ),
    ]
    folder = ROOT / "build" / f"failure-report-{secrets.token_hex(4)}"  # inside the project, as a lesson is
    folder.mkdir(parents=True)
    path = folder / "lesson.ipynb"
    nbformat.write(nb, path)
    log = tmp_path / "log.txt"
    try:
        with log.open("w") as out:
            result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(path)],
                                    cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    finally:
        shutil.rmtree(folder)
    text = log.read_text()
    assert result.returncode == 1, f"the notebook should fail its second cell:\n{text[-2000:]}"
    assert "AssertionError: the model should learn the task: accuracy 0.500" in text, text[-3000:]
    assert "In JupyterLab this is cell [2] of lesson.ipynb." in text, text[-3000:]
    assert "epoch 0: loss 1.00\nepoch 1: loss 0.90\nepoch 2: loss 0.80" in text, text[-3000:]
    assert "\x1b[" not in text, "colour codes in a report written to a file: " + repr(text[text.index("\x1b["):][:80])
