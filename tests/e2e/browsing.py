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
PASSWORD = "a-long-test-passphrase"  # noqa: S105 - throwaway accounts of the live test server


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


def set_password(registry, username: str) -> None:
    """Give a user of the live registry ``PASSWORD``, so a browser can log in as them."""
    registry.manage("shell", "-c", "from accounts.models import User; "
                    f"u = User.objects.get(username='{username}'); "
                    f"u.set_password('{PASSWORD}'); u.save()")


def org_with_people(registry, org: str, name: str, roles: dict[str, str]) -> str:
    """Org ``org`` on the live registry, each username of ``roles`` a member in that role,
    with ``PASSWORD`` and the address username@example.com."""
    registry.manage("createorg", org, "--name", name)
    for username, role in roles.items():
        registry.manage("addmember", org, username, "--create", "--role", role,
                        "--email", f"{username}@example.com")
        set_password(registry, username)
    return org


def log_in(page, registry, username: str) -> None:
    page.goto(f"{registry.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
