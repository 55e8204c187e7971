"""Driving the web UI in the system Chromium, for the end-to-end tests of the pages.

``browser``
    A module-scoped fixture: Playwright's Chromium from /usr/bin (never a downloaded one);
    the test is skipped where Chromium is not installed. Import it into a test module:
    ``from tests.e2e.browsing import browser  # noqa: F401``.
``look_at(page, name)``
    What every test does on every page it reaches: ``check_accessibility`` and
    ``screenshot``. Call it once the page shows what the test is about.
``check_accessibility(page)``
    Runs axe-core (vendored in tests/e2e/vendor/) on the page and fails on any serious or
    critical violation, listing each with the elements it found.
``screenshot(page, name)``
    With ``WHEELHOUSE_SCREENSHOTS=1`` in the environment, saves a full-page screenshot to
    ``docs/screenshots/<name>.png``; otherwise does nothing. Regenerate them all with
    ``scripts/screenshots``.
``fits_the_width(page)``
    Whether the page needs no horizontal scrolling at the viewport's width.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.live import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def check_accessibility(page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(node["html"][:200] for node in v["nodes"][:5])
        for v in blocking)


def screenshot(page, name: str) -> None:
    """Save ``docs/screenshots/<name>.png`` when WHEELHOUSE_SCREENSHOTS is set."""
    if os.environ.get("WHEELHOUSE_SCREENSHOTS", "") in ("", "0"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def look_at(page, name: str) -> None:
    check_accessibility(page)
    screenshot(page, name)


def fits_the_width(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
