"""Test-suite configuration: offline lessons and a per-notebook time report."""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
_notebook_seconds: dict[str, float] = defaultdict(float)
_file_seconds: dict[str, float] = defaultdict(float)
_notebook_failed: set[str] = set()
FILE_SECONDS = ROOT / "tests" / "file_seconds.json"


def pytest_configure(config):
    # Kernels started by nbval inherit this: setup_notebook then blocks every
    # non-loopback connection, so a lesson that downloads anything fails its test.
    os.environ["COURSE_OFFLINE"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.pop("COURSE_SCALE", None)
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        # pytest-xdist (`make test` runs one worker per core): split the cores between
        # the workers, so TensorFlow in a worker and in the notebook kernels it starts
        # (setup_notebook reads COURSE_THREADS) does not oversubscribe the machine.
        threads = str(max(1, (os.cpu_count() or 1) // int(workerinput["workercount"])))
        for name in ("COURSE_THREADS", "TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(name, threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


def pytest_collection_modifyitems(session, config, items):
    """Longest test files first (``tests/file_seconds.json``), each file's tests in order.

    pytest-xdist (``--dist loadfile --no-loadscope-reorder``) hands each worker the next
    file when it is free; starting with the longest ones lets the workers finish together
    instead of one running a long file at the end while the other waits.
    """
    recorded = json.loads(FILE_SECONDS.read_text(encoding="utf-8")) if FILE_SECONDS.is_file() else {}
    hints = recorded.get("seconds", {})
    if os.environ.get("COURSE_COLAB_RUNTIME") == "1":  # make test-colab: more of some files runs there
        hints = {**hints, **recorded.get("colab_seconds", {})}
    first_seen = {}
    for item in items:
        first_seen.setdefault(item.nodeid.split("::")[0], len(first_seen))
    items.sort(key=lambda item: (-hints.get(item.nodeid.split("::")[0], 1.0),
                                 first_seen[item.nodeid.split("::")[0]]))


ANSI_CODE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PRINTED_LINES = 30


def explain_cell_failure(item, text: str) -> str:
    """nbval's report of a failed lesson cell, told the way a student sees the lesson.

    Adds the cell's number as JupyterLab shows it (``[7]``; nbval counts code cells from 0)
    and the last lines the cell printed before it failed, which nbval leaves out.
    """
    cell = getattr(item, "cell", None)
    if cell is None:
        return text
    printed = "".join(o.get("text", "") for o in getattr(item, "test_outputs", None) or []
                      if o.get("output_type") == "stream").splitlines()[-PRINTED_LINES:]
    parts = [text, f"In JupyterLab this is cell [{cell.get('execution_count')}] of {item.path.name}."]
    if printed:
        parts.append("What the cell printed before it failed (last lines):\n" + "\n".join(printed))
    return "\n\n".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Failed notebook cells: say which cell and what it printed; no colour codes unless asked."""
    report = (yield).get_result()
    if report.failed and isinstance(report.longrepr, str):
        text = explain_cell_failure(item, report.longrepr) if report.when == "call" else report.longrepr
        if item.config.option.color != "yes":  # nbval and IPython colour their text regardless
            text = ANSI_CODE.sub("", text)
        report.longrepr = text


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    _file_seconds[path] += report.duration
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration
        if report.failed:
            _notebook_failed.add(path)


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    tr = terminalreporter
    tr.section("notebook wall-clock (lesson scale)")
    for path, seconds in sorted(_notebook_seconds.items()):
        flag = "  FAILED" if path in _notebook_failed else ""
        over = "  over the 120 s budget" if seconds > 120 else ""
        tr.write_line(f"{seconds:7.1f} s  {path}{flag}{over}")
    tr.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  total")
    colab = os.environ.get("COURSE_COLAB_RUNTIME") == "1"  # make test-colab keeps make test's file
    out = ROOT / "build" / ("test_times_colab.json" if colab else "test_times.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"when": time.strftime("%Y-%m-%d %H:%M"), "seconds": dict(_notebook_seconds),
             "files": {k: round(v, 1) for k, v in _file_seconds.items()}},
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )
