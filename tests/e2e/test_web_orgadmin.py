"""Running an org in the browser, as its admin does, in Chromium against a live registry.

An admin invites someone by email; the invitee signs up through the link, verifies the
address and accepts. The admin makes a team with the newcomer in it, creates a CI token
with upload permission that the real twine then uploads with, revokes it on the tokens page
and twine is refused; the audit log tells all of it in sentences. A plain member who opens
the tokens page is refused. Every page is checked with axe-core and, with
``WHEELHOUSE_SCREENSHOTS=1``, photographed into docs/screenshots/ (``scripts/screenshots``).
"""

import re

import pytest

from tests.corpus import build_wheel
from tests.e2e.browsing import (  # noqa: F401
    DESKTOP,
    PASSWORD,
    PHONE,
    browser,
    check_accessibility,
    fits_the_width,
    log_in,
    look_at,
    org_with_people,
)
from tests.e2e.conftest import twine_upload

pytestmark = pytest.mark.e2e
ORG = "crew"
INVITEE = "nadia@example.com"


@pytest.fixture(scope="module")
def crew(registry):
    """Org ``crew``: owner ``olga``, admin ``adam``, plain member ``mona``."""
    return org_with_people(registry, ORG, "Release Crew",
                           {"olga": "owner", "adam": "admin", "mona": "member"})


def mail_link(registry, pattern: str) -> str:
    """The newest link matching ``pattern`` in the emails the server wrote to its console."""
    log = (registry.var_dir / "server.log").read_text(errors="replace")
    found = re.findall(pattern, log)
    assert found, "no such link in the emails sent:\n" + log[-3000:]
    return found[-1]


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Release Crew").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def invite(page, email: str) -> None:
    page.fill("#id_email", email)
    page.select_option("#id_role", "member")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()


def join_through_the_link(browser, registry, link: str) -> None:  # noqa: F811
    """A stranger's browser: sign up with the invited address, verify it, accept."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(registry.url + link)
    page.click("text=create an account")
    page.wait_for_load_state()
    assert page.input_value("input[name=email]") == INVITEE
    page.fill("input[name=username]", "nadia")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(mail_link(registry, r"http://127\.0\.0\.1:\d+/accounts/verify/[\w:.-]+/"))
    page.wait_for_load_state()
    page.click("button[value=accept]")
    page.wait_for_load_state()
    assert page.url == f"{registry.url}/{ORG}/"
    context.close()


def test_an_admin_runs_the_org(registry, browser, crew, tmp_path):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP,
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    main = page.locator("main")
    log_in(page, registry, "adam")
    page.goto(f"{registry.url}/{ORG}/")

    nav(page, "Members")
    assert all(name in main.inner_text() for name in ("olga", "adam", "mona"))
    invite(page, INVITEE)
    assert f"Invitation sent to {INVITEE} as member" in main.inner_text()
    join_through_the_link(browser, registry,
                          mail_link(registry, r"/accounts/invitations/[\w-]+/"))

    invite(page, "temp@example.com")
    page.get_by_role("button", name="Send again to temp@example.com").click()
    page.wait_for_load_state()
    assert "The invitation is sent to temp@example.com again" in main.inner_text()
    page.reload()
    assert "nadia" in main.inner_text()  # joined
    look_at(page, "org-members")
    page.get_by_role("link", name="Withdraw the invitation of temp@example.com").click()
    page.wait_for_load_state()
    look_at(page, "org-invitation-cancel")
    page.get_by_role("button", name="Withdraw the invitation").click()
    page.wait_for_load_state()
    assert "temp@example.com is withdrawn" in main.inner_text()

    nav(page, "Teams")
    page.fill("#id_slug", "release")
    page.fill("#id_name", "Release")
    page.get_by_role("button", name="Create the team").click()
    page.wait_for_load_state()
    page.fill("#id_username", "nadia")
    page.get_by_role("button", name="Add to Release").click()
    page.wait_for_load_state()
    assert "nadia is now in Release." in main.inner_text()
    look_at(page, "org-team")
    page.get_by_role("link", name="Delete Release").click()
    look_at(page, "org-team-delete")
    nav(page, "Teams")
    look_at(page, "org-teams")
    page.goto(f"{registry.url}/{ORG}/-/members/nadia/remove/")
    assert "Release: they leave it" in main.inner_text()
    look_at(page, "org-member-remove")
    page.goto(f"{registry.url}/{ORG}/-/members/mona/role/")
    look_at(page, "org-member-role")

    nav(page, "Tokens")
    page.fill("#id_description", "release pipeline")
    page.select_option("#id_permission", "upload")
    page.select_option("#id_expires_days", "30")
    page.get_by_role("button", name="Create the token").click()
    page.wait_for_load_state()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("whk_")
    page.get_by_role("button", name="Copy the new token").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    look_at(page, "org-token-created")
    key_id = token.split("_")[1]

    dist = tmp_path / "dist"
    dist.mkdir()
    upload = twine_upload(registry, ORG, token, build_wheel(dist, "crew-tool", "1.0"))
    assert upload.returncode == 0, upload.stdout + upload.stderr + registry.log_tail()

    nav(page, "Tokens")
    assert "from 127.0.0.1" in main.inner_text()  # last used, and where from
    look_at(page, "org-tokens")
    page.get_by_role("link", name=f"Revoke {key_id}").click()
    page.wait_for_load_state()
    look_at(page, "org-token-revoke")
    page.get_by_role("button", name=f"Revoke {key_id}").click()
    page.wait_for_load_state()
    assert f"The token {key_id} is revoked" in main.inner_text()
    refused = twine_upload(registry, ORG, token, build_wheel(dist, "crew-tool", "1.1"))
    assert refused.returncode != 0
    assert "revoked" in refused.stdout + refused.stderr

    nav(page, "Audit log")
    text = main.inner_text()
    for sentence in (
        f"adam invited {INVITEE} to join as member.",
        "nadia accepted the invitation and joined as member.",
        "nadia joined the organisation as member.",
        "adam created the team release.",
        "adam added nadia to the team release.",
        f"adam created the organisation's token {key_id} with upload on the whole "
        "organisation, expiring",
        f"The organisation's token {key_id} uploaded crew_tool-1.0-py3-none-any.whl to "
        "crew-tool 1.0.",
        f"adam revoked the token {key_id}.",
    ):
        assert sentence in text, sentence
    look_at(page, "org-audit")
    page.select_option("#id_action", "token")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "2 events" in main.inner_text() and "team" not in main.locator("tbody").inner_text()
    context.close()


def test_a_member_is_refused_the_admin_pages(registry, browser, crew):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, registry, "mona")
    response = page.goto(f"{registry.url}/{ORG}/-/tokens/")
    assert response.status == 403
    assert "Nothing was changed" in page.locator("main").inner_text()
    check_accessibility(page)

    page.goto(f"{registry.url}/{ORG}/-/members/")
    menu = page.get_by_role("navigation", name="Release Crew")
    assert menu.get_by_role("link", name="Members").count() == 1
    assert menu.get_by_role("link", name="Tokens").count() == 0
    assert page.get_by_role("button", name=re.compile("Change role")).count() == 0
    look_at(page, "org-members-as-member")
    page.close()


@pytest.mark.parametrize("path", ["members", "tokens", "audit"])
def test_pages_fit_a_phone(registry, browser, crew, path):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, registry, "adam")
    page.goto(f"{registry.url}/{ORG}/-/{path}/")
    assert fits_the_width(page), f"{path} scrolls sideways at 360 px"
    look_at(page, f"org-{path}-phone")
    page.close()
