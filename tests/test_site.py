"""The course website, built from the rendered notebooks and read in a real browser.

``tools/site.py`` (``make site``) builds ``build/site`` with Sphinx, warnings as errors,
without executing anything. The site is then served on 127.0.0.1 and every page is
opened in headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is
downloaded): every image decodes, maths is typeset by the site's own MathJax, no request
fails or leaves 127.0.0.1, the console stays free of errors, every internal link
resolves, no code or output scrolls sideways, and each lesson's Colab button opens that
lesson. Korean text is drawn with the site's own NanumGothic, wide figures link to their
full-size image, the landing page is the students' one, and every course_lib module has
a reference page. Every exercise notebook has a page its lesson links to, with each
solution folded until clicked. Screenshots (landing page, glossary, lesson 08's heatmaps;
desktop and phone; exercise page 02) are kept in ``build/site-screenshots/``.

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
MODULES = site_tool.library_modules()
# every reference page is checked as a file (test_every_library_module_has_a_reference_page...);
# one of them is also opened in the browser
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index", "instructors", "glossary", "course_lib", *[f"notebooks/{s}" for s in LESSONS],
         "api/course_lib.decoding", "exercises/02_rnn_from_scratch"]
SHOTS = ROOT / "build" / "site-screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site():
    require(any((d / "MathJax.js").is_file() for d in site_tool.MATHJAX_DIRS),
             "no MathJax for the site (apt-get install libjs-mathjax)")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "site.py")], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, f"make site failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
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


def _open(browser, url: str, viewport: dict | None = None):
    """Open ``url``; return the page and what went wrong while loading it."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
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
        scrolling = page.eval_on_selector_all(
            "pre", "els => els.filter(e => e.scrollWidth > e.clientWidth + 2).map(e => e.textContent.slice(0, 80))")
        assert not scrolling, f"{len(scrolling)} code or output blocks scroll sideways, not wrapped: {scrolling[:3]}"
    finally:
        page.close()


def _glyph_widths(page, text: str) -> tuple[float, float]:
    """Widths of ``text`` drawn in the site's NanumGothic and in a font that does not exist."""
    return page.evaluate("""async (text) => {
        await document.fonts.load('32px NanumGothic', text);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = '32px NanumGothic'; const ours = ctx.measureText(text).width;
        ctx.font = '32px no-such-font-family'; const fallback = ctx.measureText(text).width;
        return [ours, fallback];
    }""", text)


def _distinct_glyph_images(page, chars: list[str], weight: int) -> int:
    """How many different pictures ``chars`` make, each drawn by the page at 16 px in a box
    of its own (a glyph the font cannot draw comes out as the same box for every character)."""
    page.evaluate("""([chars, weight]) => {
        const box = document.createElement('div'); box.id = 'glyph-probe';
        box.style = `position:fixed;top:0;left:0;z-index:9999;background:#fff;font-size:16px;font-weight:${weight}`;
        for (const c of chars) {
            const s = document.createElement('span'); s.textContent = c;
            s.style = 'display:inline-block;width:24px;height:24px;line-height:24px;text-align:center';
            box.appendChild(s);
        }
        document.body.appendChild(box);
    }""", [chars, weight])
    page.evaluate("document.fonts.ready.then(() => true)")
    spans = page.locator("#glyph-probe span")
    pictures = {spans.nth(i).screenshot() for i in range(len(chars))}
    page.evaluate("document.getElementById('glyph-probe').remove()")
    return len(pictures)


def test_korean_text_is_drawn_with_the_sites_own_font(site, browser):
    from fontTools.ttLib import TTFont

    page, problems = _open(browser, f"{site}/glossary.html")
    try:
        text = page.inner_text("article")
        korean = sorted({c for c in text if "\uac00" <= c <= "\ud7a3"})
        assert len(korean) > 50, f"the glossary should hold Korean terms, found {len(korean)} syllables"
        served = page.evaluate("""() => [...document.fonts].filter(f => f.family.includes('NanumGothic'))
                                      .map(f => f.status)""")
        assert "loaded" in served, f"the page should load the site's NanumGothic, font faces: {served}"
        ours, fallback = _glyph_widths(page, "".join(korean[:20]))
        assert abs(ours - fallback) > 1, (
            f"Korean drawn in NanumGothic should differ from the fallback boxes: {ours:.1f} vs {fallback:.1f} px")
        table = list(dict.fromkeys(c for c in page.inner_text("table") if "\uac00" <= c <= "\ud7a3"))[:30]
        for weight in (400, 700):
            distinct = _distinct_glyph_images(page, table, weight)
            assert distinct == len(table), (
                f"the glossary's first {len(table)} Korean syllables at 16 px, weight {weight}, should all look "
                f"different: {distinct} different pictures")
        title = page.eval_on_selector("h1", "e => getComputedStyle(e).fontFamily")
        assert "NanumGothic" in title, f"the glossary's title font list lacks NanumGothic: {title}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "glossary.png"))
        assert not problems, "\n".join(problems)
    finally:
        page.close()
    cmap = TTFont(str(SITE / "_static" / "fonts" / "NanumGothic-subset.woff")).getBestCmap()
    missing = [c for c in korean if ord(c) not in cmap]
    assert not missing, f"the site's font subset lacks {len(missing)} of the glossary's syllables: {missing[:10]}"


def test_a_wide_figure_opens_at_full_resolution(site, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, problems = _open(browser, f"{site}/notebooks/08_attention.html")
    try:
        figures = page.eval_on_selector_all("div.cell_output img", """els => els.map(e => ({
            src: e.src, natural: e.naturalWidth, shown: e.getBoundingClientRect().width,
            link: e.closest('a.full-size-figure') ? e.closest('a').href : null}))""")
        unlinked = [f["src"] for f in figures if f["link"] != f["src"]]
        assert figures and not unlinked, f"figures without a link to their full-size image: {unlinked}"
        wide = max(figures, key=lambda f: f["natural"] / f["shown"])
        assert wide["natural"] > 1.5 * wide["shown"], (
            f"lesson 08's heatmaps should be scaled down in the text column: {wide['natural']} px shown at "
            f"{wide['shown']:.0f} px")
        with urllib.request.urlopen(wide["link"], timeout=10) as resp:
            assert resp.headers.get_content_type() == "image/png", resp.headers.get_content_type()
        heatmaps = f"div.cell_output img[src$='{wide['src'].rsplit('/', 1)[-1]}']"
        page.locator(heatmaps).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "08_attention_heatmaps.png"))
        assert not problems, "\n".join(problems)
    finally:
        page.close()
    for name in ("index", "glossary", "notebooks/08_attention"):
        phone, problems = _open(browser, f"{site}/{name}.html", viewport=PHONE)
        try:
            if name == "notebooks/08_attention":
                phone.locator(heatmaps).first.scroll_into_view_if_needed()
            phone.screenshot(path=str(SHOTS / f"{name.replace('/', '_')}_phone.png"))
            wide_page = phone.evaluate("document.documentElement.scrollWidth")
            assert wide_page <= PHONE["width"] + 2, f"{name} is {wide_page} px wide on a {PHONE['width']} px phone"
        finally:
            phone.close()


def test_the_landing_page_is_for_students(site, browser):
    page, problems = _open(browser, f"{site}/index.html")
    try:
        text = page.inner_text("article")
        for words in ("Start in Colab", "Start on your own computer", "make copy NB=05", "The lessons"):
            assert words in text, f"the landing page should say {words!r}"
        assert "requirements.lock" not in text, "CI and lock-file details belong on the instructors' page"
        badges = page.eval_on_selector_all("img[src$='colab-badge.svg']", """els => els.map(e => {
            const r = e.getBoundingClientRect(); return [r.width, r.height, e.closest('a').href]; })""")
        assert len(badges) == len(LESSONS), f"one Colab button per lesson: {len(badges)} for {len(LESSONS)}"
        small = [b for b in badges if b[1] < 18]
        assert not small, f"Colab buttons too small to read (height < 18 px): {small[:3]}"
        assert [b[2] for b in badges] == [course_lib.colab_url(f"notebooks/{s}.ipynb") for s in LESSONS]
        links = page.eval_on_selector_all("article a", "els => els.map(e => e.href)")
        assert any(link.endswith("/instructors.html") for link in links), "a link to the instructors' page"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "index.png"))
        assert not problems, "\n".join(problems)
    finally:
        page.close()


def test_every_exercise_notebook_has_a_page_that_its_lesson_links_to(site):
    for stem in EXERCISES:
        assert (SITE / "exercises" / f"{stem}.html").is_file(), f"no page exercises/{stem}.html"
        lesson = (SITE / "notebooks" / f"{stem}.html").read_text()
        assert f'href="../exercises/{stem}.html"' in lesson, f"lesson {stem} should link its exercise page"


def test_an_exercise_page_folds_its_solutions_until_asked(site, browser):
    page, problems = _open(browser, f"{site}/exercises/02_rnn_from_scratch.html")
    solution, answer = "np.tanh(x @ Wx + prev_h @ Wh + b)", "Only the local derivative changes"
    try:
        assert page.get_by_text("✓ 02.1 One RNN step: correct", exact=True).is_visible(), "the verdict is shown"
        assert not page.get_by_text(solution).is_visible(), "the solution of 02.1 is folded"
        assert not page.get_by_text(answer).is_visible(), "the model answer of the open question is folded"
        launch = page.eval_on_selector_all(".dropdown-launch-buttons a", "els => els.map(e => e.href)")
        student = course_lib.colab_url("exercises/02_rnn_from_scratch.ipynb")
        assert student in launch, f"the Colab button should open the student version {student}: {launch}"
        assert not page.get_by_text("import lesson02 as check").is_visible(), "the setup cell is folded"
        page.locator(".cell.tag_hide-input", has_text="def rnn_step_forward").locator("summary").click()
        page.get_by_text("Model answer").click()
        page.wait_for_timeout(500)
        assert page.get_by_text(solution).is_visible(), "a click unfolds the solution"
        assert page.get_by_text(answer).is_visible(), "a click unfolds the model answer"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "exercises-02.png"), full_page=True)
        assert not problems, "\n".join(problems)
    finally:
        page.close()


def test_every_library_module_has_a_reference_page_that_lessons_link_to():
    import importlib

    for module in MODULES:
        html = (SITE / "api" / f"{module}.html").read_text(encoding="utf-8")
        mod = importlib.import_module(module)
        public = [n for n in getattr(mod, "__all__", []) if callable(getattr(mod, n))]
        undocumented = [n for n in public if f'id="{module}.{n}"' not in html]
        assert not undocumented, f"{module}'s reference page lacks {undocumented}"
    lesson = (SITE / "notebooks" / "07_seq2seq.html").read_text(encoding="utf-8")
    assert "../api/course_lib.decoding.html#course_lib.decoding.generate" in lesson, (
        "lesson 07 names decoding.generate: it should link to its reference")
