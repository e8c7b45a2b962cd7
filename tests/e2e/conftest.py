"""End-to-end fixtures: the real server (``python -m web``) on the seed index, and headless Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded browser);
without it these tests are skipped with the reason. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import web_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = f"{CHROMIUM} is absent (apt-get install chromium): the end-to-end browser tests need it"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 30
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """Base URL of ``python -m web`` serving the seed index, up and healthy."""
    with web_server(seed_index, tmp_path_factory.mktemp("server") / "server.log") as server:
        server.wait_ready(STARTUP_TIMEOUT_S, status=200)
        yield server.url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser, viewport: dict, javascript: bool = True):
    context = browser.new_context(viewport=viewport, locale="fr-FR", java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions (a CSP violation shows up here)
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser):
    context, page = _page(browser, DESKTOP, javascript=False)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
