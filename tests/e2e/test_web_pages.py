"""The package pages as a person uses them, in Chromium against a live registry.

A developer logs in, finds the project from the dashboard and the org's search, reads its
metadata and copies a digest, yanks a release with a reason, and then the install command
the page shows, run with the real pip, skips that release. A plain member who opens the
yank form is refused. Every page is checked with axe-core and, with
``WHEELHOUSE_SCREENSHOTS=1``, photographed into docs/screenshots/ (``scripts/screenshots``).
"""

import hashlib
import re
import subprocess
import sys

import pytest

from tests.corpus import build_wheel
from tests.e2e.browsing import (  # noqa: F401
    DESKTOP,
    PASSWORD,
    PHONE,
    browser,
    fits_the_width,
    log_in,
    look_at,
    set_password,
)
from tests.e2e.conftest import run_client, twine_upload

pytestmark = pytest.mark.e2e
ORG = "webpages"


def ledger_metadata(version: str) -> str:
    return (
        "Metadata-Version: 2.4\n"
        f"Name: ledger\nVersion: {version}\n"
        "Summary: Double-entry bookkeeping for the whole team\n"
        "Author: Ada Lovelace\nAuthor-email: ada@example.com\n"
        "Maintainer-email: Books Team <books@example.com>\n"
        "License-Expression: MIT\n"
        "Project-URL: Source, https://git.example.com/ledger\n"
        "Project-URL: Documentation, https://docs.example.com/ledger\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Typing :: Typed\n"
        "Keywords: accounting,books\n"
        "Requires-Python: >=3.8\n"
        "Provides-Extra: cli\n"
        'Requires-Dist: rich>=13; extra == "cli"\n'
        "Description-Content-Type: text/markdown\n\n"
        "# Ledger\n\nBooks that balance, every time.\n"
    )


@pytest.fixture(scope="module")
def ledger(registry, tmp_path_factory):
    """Org ``webpages``: owner ``olivia`` uploaded ledger 1.0 and 1.1; ``mel`` is a member;
    another org has invited olivia."""
    registry.manage("createorg", ORG, "--name", "Web Pages")
    registry.manage("addmember", ORG, "olivia", "--create", "--role", "owner",
                    "--email", "olivia@example.com")
    registry.manage("addmember", ORG, "mel", "--create", "--email", "mel@example.com")
    for user in ("olivia", "mel"):
        set_password(registry, user)
    registry.manage("createorg", "partners", "--name", "Partner Co")
    registry.manage("addmember", "partners", "pat", "--create", "--role", "owner")
    registry.manage("shell", "-c", (
        "from accounts import invitations; from accounts.models import Organization, User; "
        "from accounts.principals import Principal; "
        "invitations.invitation_create(org=Organization.objects.get(slug='partners'), "
        "invitee=User.objects.get(username='olivia'), role='admin', "
        "principal=Principal(user=User.objects.get(username='pat')))"))
    dist = tmp_path_factory.mktemp("ledger")
    wheels = [build_wheel(dist, "ledger", v, metadata=ledger_metadata(v)) for v in ("1.0", "1.1")]
    upload = registry.token(ORG, "--user", "olivia", "--permission", "upload")
    result = twine_upload(registry, ORG, upload, *wheels)
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    return {"wheels": wheels, "read": registry.token(ORG, "--permission", "read")}


def test_a_developer_reads_yanks_and_pip_follows(registry, browser, ledger,  # noqa: F811
                                                 tmp_path):
    context = browser.new_context(viewport=DESKTOP,
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{registry.url}/")
    look_at(page, "landing")
    page.goto(f"{registry.url}/accounts/login/")
    look_at(page, "login")

    log_in(page, registry, "olivia")
    main = page.locator("main")
    assert "Invitations waiting for you" in main.inner_text()
    assert "ledger-1.1-py3-none-any.whl" in main.inner_text()  # her recent uploads
    look_at(page, "dashboard")

    main.get_by_role("link", name="Web Pages").click()
    assert "ledger" in main.inner_text()
    look_at(page, "org-home")

    page.get_by_role("navigation", name="Web Pages").get_by_role("link", name="Search").click()
    page.fill("#search-q", "bookkeeping")
    page.get_by_role("button", name="Search").click()
    assert "1 project matches “bookkeeping”." in main.inner_text()
    look_at(page, "search")

    main.get_by_role("link", name="ledger").click()
    text = main.inner_text()
    assert "ledger 1.1" in text and "Double-entry bookkeeping for the whole team" in text
    for fact in ("MIT", "Ada Lovelace", "Books Team", ">=3.8", "rich>=13", "Typing",
                 "Release history"):
        assert fact in text, fact
    wheel = ledger["wheels"][1]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert digest in text
    page.get_by_role("button", name=f"Copy the SHA-256 digest of {wheel.name}").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == digest
    look_at(page, "project")

    page.fill("#yank-reason", "broken build")
    page.get_by_role("button", name="Yank 1.1").click()
    page.wait_for_load_state()
    assert "ledger 1.1 is yanked" in main.inner_text()
    assert "This release is yanked: broken build." in main.inner_text()
    look_at(page, "release-yanked")

    confirmations = {"1.1/delete/": "release-delete", "delete/": "project-delete",
                     f"1.1/files/{wheel.name}/delete/": "file-delete"}
    for path, name in confirmations.items():
        page.goto(f"{registry.url}/{ORG}/project/ledger/{path}")
        assert "can never be uploaded again" in main.inner_text()
        look_at(page, name)
    page.goto(f"{registry.url}/{ORG}/project/ledger/1.0/yank/")
    look_at(page, "release-yank")
    page.goto(f"{registry.url}/{ORG}/project/ledger/1.1/unyank/")
    assert "Un-yanking lets pip and uv choose it again." in main.inner_text()
    look_at(page, "release-unyank")

    page.goto(f"{registry.url}/{ORG}/project/ledger/")
    assert main.locator(".page-head h1").inner_text() == "ledger 1.0"  # newest not yanked
    command = page.locator("#install-pip").inner_text()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = run_client("bash", "-c", command, env={
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "WHEELHOUSE_TOKEN": ledger["read"]})
    assert pip.returncode == 0, command + pip.stdout + pip.stderr
    installed = run_client(str(venv / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('ledger'))")
    assert installed.stdout.strip() == "1.0"
    context.close()


def test_a_member_is_refused_the_yank_form(registry, browser, ledger):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, registry, "mel")
    response = page.goto(f"{registry.url}/{ORG}/project/ledger/1.0/yank/")
    assert response.status == 403
    assert "Nothing was changed" in page.locator("main").inner_text()
    look_at(page, "forbidden")
    page.goto(f"{registry.url}/{ORG}/project/ledger/")
    assert page.get_by_role("button", name="Yank 1.0").count() == 0
    page.close()


def set_new_password(page, label: str) -> None:
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state()


def test_account_pages_share_the_style(registry, browser, ledger):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    main = page.locator("main")
    page.goto(f"{registry.url}/accounts/password_reset/")
    look_at(page, "password-reset")
    page.fill("#id_email", "mel@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    assert "Check your email" in main.inner_text()
    look_at(page, "password-reset-done")
    # The console email backend writes the message to the server's log.
    link = re.findall(r"/accounts/reset/[^/\s]+/[^/\s]+/", registry.log_tail())[-1]
    page.goto(registry.url + link)
    look_at(page, "password-reset-confirm")
    set_new_password(page, "Set the password")
    assert "Your password is set" in main.inner_text()
    look_at(page, "password-reset-complete")

    log_in(page, registry, "mel")
    page.goto(f"{registry.url}/accounts/password_change/")
    look_at(page, "password-change")
    page.fill("#id_old_password", PASSWORD)
    set_new_password(page, "Change the password")
    assert "Your password is changed" in main.inner_text()
    look_at(page, "password-change-done")
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert "You are logged out." in page.locator("main").inner_text()
    look_at(page, "logged-out")
    page.close()


@pytest.mark.parametrize("path", ["/", "/webpages/-/search/?q=ledger",
                                  "/webpages/project/ledger/"])
def test_pages_fit_a_phone(registry, browser, ledger, path):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, registry, "olivia")
    page.goto(registry.url + path)
    assert fits_the_width(page), f"{path} scrolls sideways at 360 px"
    name = {"/": "dashboard", "/webpages/-/search/?q=ledger": "search"}.get(path, "project")
    look_at(page, f"{name}-phone")
    page.close()
