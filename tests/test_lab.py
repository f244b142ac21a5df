"""`make lab` starts JupyterLab (as root too) on the repository root, lessons paired with twins.

The server is started the way the README says, with options through ``LAB_ARGS``, on
127.0.0.1 with a token, queried over its REST API, and stopped by its process group.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = secrets.token_hex(16)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    if shutil.which("make") is None:
        pytest.fail("make is needed to run `make lab`")
    port = _free_port()
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    log = (ROOT / "build" / "lab-test.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(base, "/api")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"`make lab` did not serve /api: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _get(base: str, path: str) -> dict:
    req = urllib.request.Request(base + path, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _put(base: str, path: str, model: dict) -> dict:
    req = urllib.request.Request(
        base + path, data=json.dumps(model).encode(), method="PUT",
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_make_lab_serves_the_api(lab):
    assert "version" in _get(lab, "/api")


def test_the_repository_root_is_served(lab):
    names = {item["name"] for item in _get(lab, "/api/contents")["content"]}
    assert {"README.md", "course_lib", "notebooks", "CONTRIBUTING.md"} <= names


def test_a_rendered_lesson_opens_with_its_outputs(lab):
    model = _get(lab, "/api/contents/notebooks/00_setup_and_tour.ipynb")
    assert model["type"] == "notebook"
    outputs = [o for c in model["content"]["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs, "the lesson opens with its stored outputs"


def test_saving_a_notebook_in_the_lab_writes_its_py_percent_twin(lab):
    folder = ROOT / "build" / "lab-pairing"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    nb = {
        "cells": [{"cell_type": "code", "source": "x = 1", "metadata": {},
                   "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    _put(lab, "/api/contents/build/lab-pairing/demo.ipynb", {"type": "notebook", "content": nb})
    twin = folder / "demo.py"
    assert twin.is_file(), "jupytext.toml pairs ipynb with py:percent: the twin should be written"
    text = twin.read_text()
    assert "# %%" in text and "x = 1" in text
    shutil.rmtree(folder)
