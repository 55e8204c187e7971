"""A person's own pages, in Chromium against a live registry whose sign-up is open.

Someone signs up, follows the verification link from the email (the console backend writes
it to the server's log), is made a member, creates a read token on /accounts/tokens/, copies
the pip.conf shown with it, and the real pip installs a private package with it; the token
is revoked and pip is refused. Then an invitation sent to their address is accepted from the
dashboard with the emailed link pasted. Every page is checked with axe-core and, with
``WHEELHOUSE_SCREENSHOTS=1``, photographed into docs/screenshots/.
"""

import re

import pytest

from tests.corpus import build_wheel, core_metadata
from tests.e2e.browsing import (  # noqa: F401
    DESKTOP,
    PHONE,
    browser,
    check_accessibility,
    fits_the_width,
    look_at,
)
from tests.e2e.conftest import run_client, twine_upload
from tests.live import live_registry

pytestmark = pytest.mark.e2e
ORG = "hushco"
PASSWORD = "a-long-test-passphrase"  # noqa: S105 - a throwaway account of the test server


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory):
    """A live registry of its own: sign-up open (the default, closed, lets only invitees)."""
    live = live_registry(tmp_path_factory.mktemp("signup"))
    live.env["SIGNUP_POLICY"] = "open"
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def private_package(open_registry, tmp_path_factory):
    """``hush`` 1.0, private in the org ``hushco``, uploaded with an org token."""
    open_registry.manage("createorg", ORG, "--name", "Hush Co", "--visibility", "private")
    wheel = build_wheel(tmp_path_factory.mktemp("hush"), "hush", "1.0",
                        metadata=core_metadata("hush", "1.0", summary="Kept quiet"))
    upload = twine_upload(open_registry, ORG, open_registry.token(ORG, "--permission", "upload"),
                          wheel)
    assert upload.returncode == 0, upload.stdout + upload.stderr + open_registry.log_tail()
    return wheel


def mail_link(registry, pattern: str) -> str:
    """The newest link matching ``pattern`` in the emails the server wrote to its log."""
    found = re.findall(pattern, (registry.var_dir / "server.log").read_text(errors="replace"))
    assert found, "no such link in the emails sent:\n" + registry.log_tail()
    return found[-1]


def pip_install(venv, pip_conf) -> tuple[int, str]:
    result = run_client(str(venv / "bin" / "pip"), "install", "--no-cache-dir",
                        "--force-reinstall", "hush", env={"PIP_CONFIG_FILE": str(pip_conf)})
    return result.returncode, result.stdout + result.stderr


def test_sign_up_verify_and_install_with_a_token_of_ones_own(
        open_registry, private_package, browser, client_venv, tmp_path):  # noqa: F811
    url = open_registry.url
    context = browser.new_context(viewport=DESKTOP,
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    main = page.locator("main")

    page.goto(f"{url}/accounts/signup/")
    look_at(page, "signup")
    page.fill("#id_username", "sam")
    page.fill("#id_email", "sam@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", "another-passphrase")
    page.get_by_role("button", name="Create account").click()
    assert "The two password fields didn’t match." in main.inner_text()
    look_at(page, "signup-errors")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    assert page.url == f"{url}/accounts/settings/"
    assert "We sent a verification link to sam@example.com" in main.inner_text()
    assert "not verified" in main.inner_text()

    page.goto(mail_link(open_registry, r"http://127\.0\.0\.1:\d+/accounts/verify/[\w:.-]+/"))
    page.wait_for_load_state()
    assert "Your email address sam@example.com is verified." in main.inner_text()
    check_accessibility(page)

    open_registry.manage("addmember", ORG, "sam")
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="API tokens").click()
    assert "You have no token yet." in main.inner_text()
    main.get_by_role("link", name="Create a token").click()
    page.wait_for_load_state()
    assert "Create a token in Hush Co" in main.inner_text()
    assert page.get_by_label("admin: upload, and the management API within its scope") \
        .count() == 0  # a member is not offered admin
    look_at(page, "token-new")
    page.fill("#id_description", "laptop")
    page.get_by_label("read: install with pip, uv and other clients").check()
    page.get_by_role("button", name="Create the token").click()
    page.wait_for_load_state()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("whk_")
    look_at(page, "token-created")

    page.get_by_role("button", name="Copy pip.conf").click()
    pip_conf_text = page.evaluate("() => navigator.clipboard.readText()")
    assert pip_conf_text == page.locator("#pip-conf").inner_text().strip()
    assert f"index-url = http://__token__:{token}@127.0.0.1:" in pip_conf_text
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text(pip_conf_text + "\n")
    status, output = pip_install(client_venv, pip_conf)
    assert status == 0, output
    assert "Successfully installed hush-1.0" in output

    page.set_viewport_size(PHONE)
    assert fits_the_width(page), "the new token's page scrolls sideways at 360 px"
    look_at(page, "token-created-phone")
    page.set_viewport_size(DESKTOP)

    page.goto(f"{url}/accounts/tokens/")
    text = main.inner_text()
    assert "laptop" in text and "whole organisation" in text and "from 127.0.0.1" in text
    assert token not in page.content()  # shown once only
    look_at(page, "tokens")
    main.get_by_role("link", name=re.compile("Revoke token")).click()
    page.wait_for_load_state()
    assert "This cannot be undone." in main.inner_text()
    look_at(page, "token-revoke")
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_load_state()
    assert "is revoked" in main.inner_text() and "revoked" in main.locator("table").inner_text()

    status, output = pip_install(client_venv, pip_conf)
    assert status != 0 and "No matching distribution found for hush" in output
    refused = [line for line in open_registry.access_log().splitlines()
               if "/hushco/simple/hush/" in line and '" 403 ' in line]
    assert refused, open_registry.access_log()[-2000:]  # "This API token has been revoked."
    context.close()


def test_an_invitation_is_accepted_from_the_dashboard(open_registry, private_package,
                                                      browser):  # noqa: F811
    url = open_registry.url
    open_registry.manage("createorg", "partners", "--name", "Partner Co")
    open_registry.manage("addmember", "partners", "pat", "--create", "--role", "owner")
    sent = open_registry.manage("shell", "-c", (
        "from accounts import invitations; from accounts.models import Organization, User; "
        "from accounts.principals import Principal; "
        "invitations.invitation_create(org=Organization.objects.get(slug='partners'), "
        "email='Sam@Example.com', role='member', "
        "principal=Principal(user=User.objects.get(username='pat')))"))
    # The link as the email has it (it starts with SITE_URL, not set on this server).
    link = re.findall(r"\S*/accounts/invitations/[\w-]+/", sent.stdout)[-1]

    page = browser.new_page(viewport=DESKTOP)
    main = page.locator("main")
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "Invitations waiting for you" in main.inner_text()
    look_at(page, "dashboard-invitations")

    page.get_by_label("Link from the invitation email").fill(link)
    page.get_by_role("button", name="Accept the invitation to Partner Co").click()
    page.wait_for_load_state()
    assert page.url == f"{url}/partners/"
    assert "You joined Partner Co as member." in main.inner_text()

    page.goto(f"{url}/accounts/tokens/new/")
    assert "Which one?" in main.inner_text()
    look_at(page, "token-org")
    page.get_by_label("Organisation").select_option("partners")
    page.get_by_role("button", name="Continue").click()
    assert "Create a token in Partner Co" in main.inner_text()

    page.goto(f"{url}/accounts/settings/")
    assert "Partner Co (partners)\tmember" in main.inner_text()
    assert "Hush Co (hushco)\tmember" in main.inner_text()
    look_at(page, "account-settings")
    page.goto(f"{url}/accounts/verify/not-a-link/")
    assert "This verification link is not valid." in main.inner_text()
    look_at(page, "verify-failed")
    page.close()
