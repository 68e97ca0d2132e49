"""Browser fixtures: Debian's Chromium driven by Playwright against the app served on loopback.

Browser tests are marked slow (make test runs them; `make test-fast` skips them). Screenshots go
to test-artifacts/screenshots/ (ignored by git) unless SCREENSHOT_DIR says otherwise.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.server import serving

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session (Debian's package, not Playwright's download)."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium package"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture()
def live_server(app):
    """The test app served over real HTTP on a loopback port; yields its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture()
def page(chromium):
    """A fresh browser page with a phone-sized viewport and zh-CN locale."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture()
def screenshot():
    """Save a full-page screenshot under SCREENSHOTS and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take
