"""Render lessons: build each notebook from its py:percent twin and execute it in place.

    python tools/render.py              # every notebook
    python tools/render.py 03 05        # only lessons 03 and 05

For each lesson ``notebooks/NN_topic.py`` (the twin you edit) the script writes
``notebooks/NN_topic.ipynb`` with the twin's cells, runs it top to bottom in a fresh
kernel from ``notebooks/`` (so execution counts are 1..n), saves the outputs, and
prints the wall-clock and CPU seconds. A notebook that raises is saved with its error and the
script exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TIMES = ROOT / "build" / "render_times.json"


def lessons(selected: list[str], folder: Path = NOTEBOOKS) -> list[Path]:
    """The ``NN_topic.py`` files of ``folder``, all or those whose number or stem is in ``selected``."""
    twins = sorted(folder.glob("[0-9][0-9]_*.py"))
    if selected:
        twins = [t for t in twins if t.name[:2] in selected or t.stem in selected]
    if not twins:
        sys.exit(f"nothing in {folder.name}/ matches {selected}")
    return twins


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: Notebook metadata Colab reads: open the lesson on a GPU runtime (a T4 is enough).
COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def notebook_metadata() -> dict:
    """The metadata JupyterLab and jupytext write when they save a lesson (``make lab``).

    The kernel's display name as ipykernel installs it, and the metadata filter of
    jupytext.toml, so that opening a rendered lesson in JupyterLab changes nothing.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupytext.config import load_jupytext_config

    spec = KernelSpecManager().get_kernel_spec("python3")
    config = load_jupytext_config(str(NOTEBOOKS))
    return {
        "kernelspec": {"name": "python3", "display_name": spec.display_name, "language": spec.language},
        "jupytext": {"notebook_metadata_filter": config.notebook_metadata_filter},
        **COLAB_METADATA,
    }


def render(twin: Path, timeout: int, out: Path | None = None) -> tuple[float, float, bool]:
    """Build ``twin``'s notebook, execute it, write it to ``out`` (default: beside the twin).

    Returns (wall seconds, kernel CPU seconds, whether every cell ran without error).
    """
    nb = jupytext.read(twin)
    nb.metadata = {**notebook_metadata(), "language_info": {"name": "python"}}
    seconds, cpu, ok = execute(nb, NOTEBOOKS, timeout)
    nbformat.write(nb, out or twin.with_suffix(".ipynb"))
    # Jupytext's pairing (jupytext.toml) refuses to open a notebook whose .ipynb is newer
    # than its twin: keep the twin the newer of the two.
    os.utime(twin)
    return seconds, cpu, ok


def execute(nb, folder: Path, timeout: int, env: dict | None = None) -> tuple[float, float, bool]:
    """Run ``nb`` top to bottom in a fresh kernel started in ``folder``, outputs kept in ``nb``.

    ``env``: variables added to this process's environment for the kernel.
    Returns (wall seconds, kernel CPU seconds, whether every cell ran without error).
    """
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    start, cpu_start = time.perf_counter(), _children_cpu()
    ok = True
    try:
        client.execute(env={**os.environ, **(env or {})})
    except CellExecutionError as err:
        ok = False
        print(str(err)[-3000:], file=sys.stderr)
    seconds = time.perf_counter() - start
    # The kernel is a child process; once it has shut down, its CPU time is counted
    # here. CPU seconds barely change when other programs compete for the cores, so
    # they estimate the quiet-machine wall clock when the measured one is inflated.
    return seconds, _children_cpu() - cpu_start, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (e.g. 03) or stems")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    os.environ.setdefault("COURSE_OFFLINE", "1")
    TIMES.parent.mkdir(exist_ok=True)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    failed = []
    for twin in lessons(args.lessons):
        seconds, cpu, ok = render(twin, args.timeout)
        times[twin.stem] = round(seconds, 1)
        status = "ok" if ok else "FAILED"
        print(f"{twin.stem}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU  {status}", flush=True)
        if not ok:
            failed.append(twin.stem)
    TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
