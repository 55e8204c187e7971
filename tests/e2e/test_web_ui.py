"""The web UI as a person uses it: headless Chromium logs in and browses to a project."""

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
