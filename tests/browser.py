"""Headless Chromium for the browser tests (the site, JupyterLab): Debian's ``chromium``,
driven by Playwright. Without it a browser test is skipped with the reason, unless
``COURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once it has installed Chromium)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def require(ok: bool, reason: str) -> None:
    """Skip the test with ``reason`` unless ``ok``; fail instead where CI installed it."""
    if not ok:
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)


@contextlib.contextmanager
def chromium():
    """A headless Chromium that makes no connection of its own (no updates, no sync)."""
    require(Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (apt-get install chromium) for a browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])
        try:
            yield browser
        finally:
            browser.close()
