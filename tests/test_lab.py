"""`make lab` starts JupyterLab (as root too) on the repository root, lessons paired with twins.

The server is started the way the README says, with options through ``LAB_ARGS``, on
127.0.0.1 with a token, and stopped by its process group. Its REST API is queried, and a
student's steps are taken in headless Chromium (``browser.py``): open a lesson, let
JupyterLab autosave it, save it, copy it into ``work/`` both ways the README gives, and run
an exercise's check with the stub, a wrong answer and a right one.
The server gets its own user-settings folder (so a developer's settings play no part),
where only the autosave interval is shortened to ``AUTOSAVE`` seconds.
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

import nbformat
import pytest
from browser import chromium
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
TOKEN = secrets.token_hex(16)
AUTOSAVE = 3
LESSON = "notebooks/02_rnn_from_scratch.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if shutil.which("make") is None:
        pytest.fail("make is needed to run `make lab`")
    port = _free_port()
    settings = tmp_path_factory.mktemp("lab-user-settings")
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosaveInterval": AUTOSAVE}))
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN} "
            f"--LabApp.user_settings_dir={settings} --LabApp.workspaces_dir={settings}")
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


def test_nbgraders_server_extensions_are_off(lab):
    req = urllib.request.Request(lab + "/formgrader", headers={"Authorization": f"token {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 404, f"nbgrader's formgrader should not be served by make lab: HTTP {err.value.code}"


def test_the_twins_are_hidden_from_the_file_browser(lab):
    names = {item["name"] for item in _get(lab, "/api/contents/notebooks")["content"]}
    assert "02_rnn_from_scratch.ipynb" in names
    twins = sorted(n for n in names if n.endswith(".py"))
    assert not twins, f"the lessons' py:percent twins should be hidden in JupyterLab, listed: {twins}"


def test_saving_an_unchanged_lesson_from_another_python_keeps_the_file(lab, tmp_path):
    """A kernel of another Python version (or another display name) changes no lesson file."""
    folder = ROOT / "build" / "lab-hook"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        for suffix in (".ipynb", ".py"):
            shutil.copy2((ROOT / LESSON).with_suffix(suffix), (folder / "lesson").with_suffix(suffix))
        before = (folder / "lesson.ipynb").read_bytes()
        model = _get(lab, "/api/contents/build/lab-hook/lesson.ipynb")["content"]
        model["metadata"]["language_info"]["version"] = "3.99.0"
        model["metadata"]["kernelspec"]["display_name"] = "Python 3.99 (another kernel)"
        _put(lab, "/api/contents/build/lab-hook/lesson.ipynb", {"type": "notebook", "content": model})
        assert (folder / "lesson.ipynb").read_bytes() == before, "a save that changes no cell rewrote the lesson"
        model["cells"][0]["source"] += "\n\nA student's note."
        _put(lab, "/api/contents/build/lab-hook/lesson.ipynb", {"type": "notebook", "content": model})
        saved = nbformat.read(folder / "lesson.ipynb", as_version=4)
        assert saved.cells[0].source.endswith("A student's note."), "an edited cell must be saved"
        assert saved.metadata["language_info"]["version"] == "3.99.0", "an edited notebook is saved as it is"
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


# The notebook in the tab on show: hidden tabs keep their panels (and cells) in the page.
SHOWN = ".jp-NotebookPanel:visible"


def _open_notebook(browser, lab: str, path: str):
    """Open ``path`` in a new page with a workspace of its own (so no tab of an earlier
    test is restored beside it) and wait until its notebook is on show, kernel idle."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    workspace = f"test-{secrets.token_hex(4)}"
    page.goto(f"{lab}/lab/workspaces/{workspace}/tree/{path}?reset&token={TOKEN}")
    name = Path(path).name
    page.wait_for_selector(f".lm-TabBar-tab.lm-mod-current[title*='{name}']", timeout=180_000)
    page.wait_for_selector(f"{SHOWN} .jp-CodeCell", timeout=180_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
    _wait_for_kernel(lab, path)
    return page


def _wait_for_kernel(lab: str, path: str) -> None:
    """Wait until the server has a session for ``path`` whose kernel reports idle."""
    deadline = time.monotonic() + 180
    while True:
        states = [s["kernel"]["execution_state"] for s in _get(lab, "/api/sessions")
                  if s.get("path") == path and s.get("kernel")]
        if "idle" in states:
            return
        assert time.monotonic() < deadline, f"no idle kernel for {path} within 180 s: {states}"
        time.sleep(0.5)


def _save_and_wait(page, lab: str, path: str) -> None:
    """Ctrl+S in the notebook, then wait until the server has written ``path`` again."""
    before = _get(lab, f"/api/contents/{path}?content=0")["last_modified"]
    page.locator(f"{SHOWN} .jp-Notebook").click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while _get(lab, f"/api/contents/{path}?content=0")["last_modified"] == before:
        assert time.monotonic() < deadline, f"Ctrl+S did not save {path} within 30 s"
        time.sleep(0.2)
    page.wait_for_timeout(500)


def _bytes(path: str) -> dict[str, bytes]:
    lesson = ROOT / path
    return {p.name: p.read_bytes() for p in (lesson, lesson.with_suffix(".py"))}


def test_opening_and_saving_a_lesson_in_the_browser_changes_no_file(lab, browser):
    before = _bytes(LESSON)
    page = _open_notebook(browser, lab, LESSON)
    try:
        page.wait_for_timeout(1000)
        dirty = page.locator(".jp-mod-dirty").count()
        assert dirty == 0, f"the lesson's tab shows unsaved changes right after opening ({dirty} marked)"
        page.wait_for_timeout((AUTOSAVE + 2) * 1000)  # past an autosave
        _save_and_wait(page, lab, LESSON)
        news = page.get_by_text("official Jupyter news").count()
        assert news == 0, "JupyterLab's news pop-up is shown over the lesson"
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "File" in menus and "Nbgrader" not in menus, f"the menu bar should have no nbgrader menu: {menus}"
        page.screenshot(path=str(ROOT / "build" / "lab-lesson-opened.png"))
    finally:
        page.close()
    changed = [name for name, data in _bytes(LESSON).items() if data != before[name]]
    assert not changed, f"opening and saving the lesson in JupyterLab changed {changed}"


def _type_in_first_code_cell(page, text: str) -> None:
    """Click into the first code cell's editor, go to its end and type ``text``."""
    _edit(page, page.locator(f"{SHOWN} .jp-CodeCell").first)
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def _first_code(nb) -> str:
    return next(cell.source for cell in nb.cells if cell.cell_type == "code")


def test_save_as_into_work_edits_a_copy_and_leaves_the_lesson(lab, browser):
    name = f"lab-test-{secrets.token_hex(4)}"
    copy = ROOT / "work" / f"{name}.ipynb"
    assert copy.parent.is_dir(), "work/ exists in a fresh clone (work/README.md) for Save As"
    before = _bytes(LESSON)
    page = _open_notebook(browser, lab, LESSON)
    try:
        page.locator(f"{SHOWN} .jp-Notebook").click()
        page.keyboard.press("Control+Shift+s")
        field = page.locator(".jp-Dialog input")
        field.fill(f"work/{name}.ipynb")
        page.locator(".jp-Dialog .jp-mod-accept").click()
        page.wait_for_selector(f".lm-TabBar-tab.lm-mod-current[title*='{name}.ipynb']", timeout=180_000)
        _type_in_first_code_cell(page, "  # A student's edit.")
        _save_and_wait(page, lab, f"work/{name}.ipynb")
        page.close()
        saved = nbformat.read(copy, as_version=4)
        assert "A student's edit." in _first_code(saved), "the edit should be saved in the copy"
        changed = [n for n, data in _bytes(LESSON).items() if data != before[n]]
        assert not changed, f"Save As into work/ and editing the copy changed the lesson: {changed}"
    finally:
        for path in (copy, copy.with_suffix(".py")):
            path.unlink(missing_ok=True)


def test_make_copy_gives_a_copy_to_edit_and_never_overwrites_it(lab, browser, tmp_path):
    work = ROOT / "build" / f"lab-work-{secrets.token_hex(4)}"
    command = ["make", "-s", "copy", "NB=02", f"WORK={work}"]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"make copy failed: {result.stdout}{result.stderr}"
        copy = work / Path(LESSON).name
        assert copy.read_bytes() == (ROOT / LESSON).read_bytes()
        before = _bytes(LESSON)
        page = _open_notebook(browser, lab, str(copy.relative_to(ROOT)))
        _type_in_first_code_cell(page, "  # Edited in the copy.")
        _save_and_wait(page, lab, str(copy.relative_to(ROOT)))
        page.close()
        assert "Edited in the copy." in _first_code(nbformat.read(copy, as_version=4))
        assert _bytes(LESSON) == before, "editing the copy changed the lesson"
        edited = copy.read_bytes()
        again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert again.returncode != 0 and "already exists" in again.stderr, (
            f"a second make copy should refuse: {again.returncode} {again.stderr}")
        assert copy.read_bytes() == edited, "a second make copy overwrote the student's copy"
    finally:
        shutil.rmtree(work, ignore_errors=True)


EXERCISES = "exercises/02_rnn_from_scratch.ipynb"
# A hang detector, not a speed test: the setup cell imports TensorFlow in a fresh kernel,
# which took over 60 s on a loaded two-core machine while the other worker ran a lesson.
CELL_SECONDS = 300
# The prompt turns to [*] as soon as JupyterLab sends the cell, even to a busy kernel.
START_SECONDS = 60
WRONG_ANSWER = ('def initial_loss(V):\n    """The expected loss of a uniform guess."""\n'
                '    return float(np.log2(V))\n\n\ncheck.initial_loss(initial_loss)\n')
RIGHT_ANSWER = WRONG_ANSWER.replace("np.log2(V)", "np.log(V)")


def _prompt(cell) -> str:
    return cell.locator(".jp-InputArea-prompt").inner_text()


def _wait_for_prompt(page, cell, before: str, *, finished: bool, seconds: float) -> bool:
    """Wait until the cell's prompt differs from ``before`` (``[*]`` counts unless ``finished``)."""
    try:
        page.wait_for_function(
            """([cell, before, finished]) => { const p = cell.querySelector('.jp-InputArea-prompt').innerText;
                                               return p !== before && !(finished && p.includes('*')); }""",
            arg=[cell.element_handle(), before, finished], timeout=seconds * 1000)
        return True
    except PlaywrightTimeoutError:
        return False


def _edit(page, cell) -> None:
    """Click into the cell's editor and wait until JupyterLab has made it the active cell
    (while a notebook is still being laid out, the click can lose to its first cell)."""
    for _ in range(3):
        cell.locator(".cm-content").click()
        try:
            page.wait_for_function("cell => cell.classList.contains('jp-mod-active')",
                                   arg=cell.element_handle(), timeout=10_000)
            return
        except PlaywrightTimeoutError:
            continue
    pytest.fail("three clicks into a code cell did not make it the active cell")


def _run_cell(page, index: int, source: str | None = None) -> str:
    """Replace code cell ``index``'s text with ``source`` (if given), run it with Shift+Enter
    and return its output. A Shift+Enter that starts nothing (the prompt stays as it was:
    the key went elsewhere) is pressed once more in the cell and reported if it fails again."""
    cell = page.locator(f"{SHOWN} .jp-CodeCell").nth(index)
    _edit(page, cell)
    if source is not None:
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source)  # as pasted: no auto-indent, no closing brackets added
    before = _prompt(cell)
    for attempt in (1, 2):
        page.keyboard.press("Shift+Enter")
        if _wait_for_prompt(page, cell, before, finished=False, seconds=START_SECONDS):
            break
        dialogs = page.locator(".jp-Dialog").all_inner_texts()
        page.screenshot(path=str(ROOT / "build" / f"lab-cell-{index}-not-started-{attempt}.png"))
        assert attempt == 1, (f"Shift+Enter twice did not start cell {index} within {START_SECONDS} s: "
                              f"prompt still {before!r}, dialogs {dialogs}")
        print(f"cell {index}: the first Shift+Enter started nothing in {START_SECONDS} s "
              f"(dialogs {dialogs}); pressing it again in the cell")
        if dialogs:
            page.keyboard.press("Escape")
        _edit(page, cell)
    if not _wait_for_prompt(page, cell, before, finished=True, seconds=CELL_SECONDS):
        status = page.locator(".jp-Notebook-ExecutionIndicator").get_attribute("data-status")
        pytest.fail(f"cell {index} did not finish within {CELL_SECONDS} s: prompt was {before!r}, "
                    f"is {_prompt(cell)!r}, kernel {status!r}")
    return cell.locator(".jp-OutputArea").inner_text()


def test_an_exercise_check_answers_a_wrong_and_a_right_function_in_the_browser(lab, browser):
    folder = ROOT / "build" / f"lab-exercise-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    copy = folder / Path(EXERCISES).name
    shutil.copy(ROOT / EXERCISES, copy)
    page = _open_notebook(browser, lab, str(copy.relative_to(ROOT)))
    try:
        _run_cell(page, 0)  # the setup cell: imports the checks
        untouched = _run_cell(page, 5)
        assert "· 02.5" in untouched and "not done yet" in untouched, f"the stub is 'not done yet': {untouched}"
        wrong = _run_cell(page, 5, WRONG_ANSWER)
        assert "✗ 02.5" in wrong and "not yet right" in wrong and "expected 0.693147, got 1" in wrong, (
            f"a wrong answer gets what was expected, what was got and a hint: {wrong}")
        assert "hint:" in wrong, f"the verdict gives a hint: {wrong}"
        page.screenshot(path=str(ROOT / "build" / "lab-exercise-wrong.png"))
        right = _run_cell(page, 5, RIGHT_ANSWER)
        assert "✓ 02.5" in right and "correct" in right, f"the right answer is correct: {right}"
        page.screenshot(path=str(ROOT / "build" / "lab-exercise-right.png"))
    finally:
        page.close()
        shutil.rmtree(folder, ignore_errors=True)
