"""The course website, built from the rendered notebooks and read in a real browser.

``tools/site.py`` (``make site``) builds ``build/site`` with Sphinx, warnings as errors,
without executing anything. The site is then served on 127.0.0.1 and every page is
opened in headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is
downloaded): every image decodes, maths is typeset by the site's own MathJax, no request
fails or leaves 127.0.0.1, the console stays free of errors, every internal link
resolves, and each lesson's Colab button opens that lesson. Screenshots of two pages are
kept in ``build/site-screenshots/``.

Without ``/usr/bin/chromium`` (or without Debian's MathJax, which the site serves) these
tests are skipped with that reason, except when ``COURSE_REQUIRE_BROWSER=1`` (``.ci/run``
sets it once both are installed), where they fail.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, require

import course_lib

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
_spec = importlib.util.spec_from_file_location("site_tool", ROOT / "tools" / "site.py")
site_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_tool)
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index", "glossary", "course_lib", *[f"notebooks/{s}" for s in LESSONS]]


@pytest.fixture(scope="module")
def site():
    require(any((d / "MathJax.js").is_file() for d in site_tool.MATHJAX_DIRS),
             "no MathJax for the site (apt-get install libjs-mathjax)")
    start = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "site.py")], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, f"make site failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    seconds = time.monotonic() - start
    assert seconds < 120, f"the site took {seconds:.0f} s to build"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_library_page_links_every_module_to_its_source(site):
    html = (SITE / "course_lib.html").read_text()
    for path in (ROOT / "course_lib").glob("*.py"):
        if path.name != "__init__.py":
            assert f"/blob/{course_lib.REF}/course_lib/{path.name}" in html, f"no link to {path.name}"


def test_every_lesson_has_a_page_and_the_setup_cell_is_folded(site):
    for page in PAGES:
        assert (SITE / f"{page}.html").is_file(), f"no page {page}.html"
    html = (SITE / "notebooks" / f"{LESSONS[0]}.html").read_text()
    assert "hide-input" in html, "the setup cell is folded away"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, url: str):
    """Open ``url``; return the page and what went wrong while loading it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    host = urllib.parse.urlparse(url).netloc

    def route(r):
        if urllib.parse.urlparse(r.request.url).netloc != host:
            problems.append(f"request outside the site: {r.request.url}")
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    return page, problems


@pytest.mark.parametrize("name", PAGES)
def test_a_page_loads_cleanly_with_its_figures_and_maths(site, browser, name):
    page, problems = _open(browser, f"{site}/{name}.html")
    try:
        sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete, e.naturalWidth])")
        broken = [src for src, complete, width in sizes if not complete or width == 0]
        assert not broken, f"images that do not decode: {broken}"
        if name.startswith("notebooks/") and name[10:12] not in ("00",):
            assert any("/_images/" in src for src, _, _ in sizes), "a lesson shows its figures"
        if page.locator(".math").count():
            page.wait_for_function("document.querySelectorAll('.MathJax, .MathJax_Display, mjx-container').length > 0",
                                   timeout=20_000)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for link in {urllib.parse.urldefrag(h)[0] for h in links if h.startswith(site)}:
            with urllib.request.urlopen(link, timeout=10) as resp:
                assert resp.status == 200, f"link {link}"
        if name.startswith("notebooks/"):
            colab = course_lib.colab_url(f"{name}.ipynb")
            launch = page.eval_on_selector_all(".dropdown-launch-buttons a", "els => els.map(e => e.href)")
            assert colab in launch, f"the Colab button should open {colab}, it opens {launch}"
        assert not problems, "\n".join(problems)
        if name in ("index", "notebooks/08_attention"):
            shots = ROOT / "build" / "site-screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{name.replace('/', '_')}.png"), full_page=False)
    finally:
        page.close()
