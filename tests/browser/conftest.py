"""Browser tests: Playwright driving Debian's Chromium against the live test server, with axe-core.

Every page a test visits must be checked with `axe.check()` (zero violations allowed); a page that
was visited but never checked fails the test at teardown, so no page slips through unchecked.
Screenshots land in test-artifacts/screenshots/ for people to look at.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hod.env import envbool

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HOD_CHROMIUM", "/usr/bin/chromium"))
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Without the networking flags Chromium keeps reaching for Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    missing = [str(path) for path in (CHROMIUM, AXE_SOURCE) if not path.exists()]
    if missing:
        reason = f"browser tests need {' and '.join(missing)} (apt install chromium; npm ci)"
        if envbool("HOD_REQUIRE_SERVICES", False):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while it is open; the tests' own
    # database work stays synchronous, so Django is told that is intended, for this module only.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Accessibility:
    """Runs axe-core on the page in view and remembers which pages were checked."""

    def __init__(self, page) -> None:
        self.page = page
        self.visited: set[str] = set()
        self.checked: set[str] = set()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith("http"):
            self.visited.add(frame.url.split("#")[0])

    def check(self) -> None:
        """Fail the test on any axe-core violation on the page in view."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.add_script_tag(path=str(AXE_SOURCE))
        violations = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(
                (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)"""
        )
        self.checked.add(self.page.url.split("#")[0])
        if violations:
            pytest.fail(f"accessibility violations on {self.page.url}:\n" + "\n".join(violations), pytrace=False)

    def unchecked(self) -> set[str]:
        return self.visited - self.checked


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.axe = Accessibility(page)
    yield page
    unchecked = page.axe.unchecked()
    if unchecked:
        pytest.fail(f"pages visited without an accessibility check: {sorted(unchecked)}", pytrace=False)


@pytest.fixture
def axe(page) -> Accessibility:
    return page.axe


@pytest.fixture
def screenshot(page, request):
    """Save what the page looks like now, named after the test, for a person to look at."""

    def take(label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{label}").strip("-")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
