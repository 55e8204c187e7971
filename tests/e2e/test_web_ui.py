"""The web UI as a person uses it: headless Chromium logs in and browses to a project."""

import json
import re
import urllib.request

import pytest

from tests.corpus import build_wheel, core_metadata
from tests.e2e.browsing import browser, check_accessibility  # noqa: F401
from tests.e2e.conftest import twine_upload

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(registry, tmp_path_factory):
    registry.manage("createorg", "webui", "--name", "Web UI Org")
    registry.manage("addmember", "webui", "wendy", "--create", "--role", "owner")
    registry.manage("shell", "-c", "from accounts.models import User; "
                    "u = User.objects.get(username='wendy'); u.set_password('s3cret-pass-123'); "
                    "u.save()")
    token = registry.token("webui", "--user", "wendy", "--permission", "upload")
    dist = tmp_path_factory.mktemp("webui-dist")
    readme = "# Shiny\n\nA **shiny** package. <script>alert(1)</script>\n"
    wheel = build_wheel(dist, "shiny-thing", "1.2.0", metadata=core_metadata(
        "shiny-thing", "1.2.0", summary="Shines brightly", description=readme))
    upload = twine_upload(registry, "webui", token, wheel)
    assert upload.returncode == 0, upload.stdout + registry.log_tail()
    return wheel


def test_log_in_and_browse_to_the_project(registry, browser, published):  # noqa: F811
    page = browser.new_page()
    hidden = page.goto(f"{registry.url}/webui/project/shiny-thing/")
    assert hidden.status == 404 and "Shines brightly" not in page.content()  # private

    page.goto(f"{registry.url}/accounts/login/")
    page.fill("input[name=username]", "wendy")
    page.fill("input[name=password]", "s3cret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "Web UI Org" in page.inner_text("main")

    page.locator("main").get_by_role("link", name="Web UI Org").click()
    page.locator("main").get_by_role("link", name="shiny-thing").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "shiny-thing 1.2.0" in main and "Shines brightly" in main
    assert published.name in main
    assert page.locator("script", has_text="alert(1)").count() == 0  # README is not executed
    check_accessibility(page)
    page.close()


def _mail_link(registry, pattern: str) -> str:
    """The newest link matching ``pattern`` in the emails the server wrote to its console."""
    log = (registry.var_dir / "server.log").read_text(errors="replace")
    found = re.findall(pattern, log)
    assert found, "no such link in the emails sent:\n" + log[-3000:]
    return found[-1]


def _invite(registry, org: str, token: str, email: str) -> None:
    request = urllib.request.Request(
        f"{registry.url}/api/v1/orgs/{org}/invitations/", method="POST",
        data=json.dumps({"email": email, "role": "member"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def test_invited_by_email_sign_up_verify_and_accept(registry, browser, published,  # noqa: F811
                                                    tmp_path):
    admin_token = registry.token("webui", "--user", "wendy", "--permission", "admin")
    _invite(registry, "webui", admin_token, "Newbie@Example.com")
    invitation = _mail_link(registry, r"/accounts/invitations/[\w-]+/")

    context = browser.new_context()  # a stranger's browser: no session
    page = context.new_page()
    page.goto(registry.url + invitation)
    assert "invited you to join" in page.inner_text("main")
    page.click("text=create an account")
    page.wait_for_load_state()
    assert page.input_value("input[name=email]") == "Newbie@Example.com"  # fixed
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=password1]", "a-long-unusual-passphrase")
    page.fill("input[name=password2]", "a-long-unusual-passphrase")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "We sent a verification link to Newbie@example.com" in main
    assert page.locator("button[value=accept]").count() == 0  # verification first

    page.goto(_mail_link(registry, r"http://127\.0\.0\.1:\d+/accounts/verify/[\w:.-]+/"))
    page.wait_for_load_state()
    assert "Newbie@example.com is verified" in page.inner_text("main")
    page.click("button[value=accept]")
    page.wait_for_load_state()
    assert page.url == f"{registry.url}/webui/"
    assert "shiny-thing" in page.inner_text("main")  # a member reads the private project
    page.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)
    context.close()
