"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser) against a
real stack with the demo sign-in on (BOT_DEMO=1)."""
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.devstack import ROOT, running_stack

TODAY = date(2026, 11, 23)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("browser-stack"), TODAY,
                       extra_env={"BOT_DEMO": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"no chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS,
                                             headless=True)
        yield browser
        browser.close()


class Console:
    """Console errors of a page; a CSP violation of our own page is a bug."""

    def __init__(self, page):
        self.errors = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def csp_violations(self):
        return [e for e in self.errors if "Content Security Policy" in e or "TrustedHTML" in e]


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (own sessionStorage) and its page."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.console_log = Console(page)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
