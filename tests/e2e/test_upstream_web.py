"""An org admin sets up upstream proxying in the browser; the refusal counter shows pip's
refused request. Chromium against a live registry; the page is checked with axe-core."""

import pytest

from tests.corpus import build_wheel
from tests.e2e.browsing import (  # noqa: F401
    DESKTOP,
    browser,
    fits_the_width,
    log_in,
    look_at,
    org_with_people,
)
from tests.e2e.conftest import run_client
from tests.live import BIN
from tests.registry.upstream.index_server import StaticIndex, wheel_dist

pytestmark = pytest.mark.e2e
ORG = "gateway"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    index = StaticIndex()
    folder = tmp_path_factory.mktemp("up")
    index.add(wheel_dist(build_wheel(folder, "gateway-tools", "1.0")))
    index.add(wheel_dist(build_wheel(folder, "leftpad", "1.0")))
    index.start()
    yield index
    index.stop()


@pytest.fixture(scope="module")
def gateway(registry):
    return org_with_people(registry, ORG, "Gateway", {"gwen": "admin", "gus": "member"})


def pip_download(registry, token: str, name: str, dest) -> int:
    host = registry.url.split("://", 1)[1]
    return run_client(str(BIN / "pip"), "download", "--no-deps", "--no-cache-dir", "-d",
                      str(dest), "--index-url",
                      f"http://__token__:{token}@{host}/{ORG}/simple/", name).returncode


def test_an_admin_sets_up_upstreams(registry, browser, gateway, upstream,  # noqa: F811
                                    tmp_path):
    page = browser.new_context(viewport=DESKTOP).new_page()
    main = page.locator("main")
    log_in(page, registry, "gwen")
    page.goto(f"{registry.url}/{ORG}/")
    page.get_by_role("navigation", name="Gateway").get_by_role("link", name="Upstreams").click()
    page.wait_for_load_state()
    assert "None: nothing is proxied." in main.inner_text()

    page.fill("#id_url", upstream.url)  # on 127.0.0.1: the instance's own network
    page.get_by_role("button", name="Add the upstream").click()
    page.wait_for_load_state()
    assert "is on a private network: only the operator may add it" in main.inner_text()
    assert upstream.log == []
    registry.manage("upstream", ORG, "add", upstream.url)  # as the operator
    page.goto(f"{registry.url}/{ORG}/-/upstreams/")
    assert upstream.url in main.inner_text()
    page.select_option("#id_kind", "reserved")
    page.fill("#id_pattern", "gateway-*")
    page.get_by_role("button", name="Add the pattern").click()
    page.wait_for_load_state()
    assert "The reserved pattern 'gateway-*' is added." in main.inner_text()
    look_at(page, "org-upstreams")
    assert fits_the_width(page)

    token = registry.token(ORG, "--permission", "read")
    assert pip_download(registry, token, "leftpad", tmp_path / "a") == 0
    assert pip_download(registry, token, "gateway-tools", tmp_path / "b") != 0
    assert upstream.asked("gateway-tools") == []
    page.reload()
    assert main.locator("#refusals").inner_text() == "1"

    page.goto(f"{registry.url}/{ORG}/-/audit/")
    assert "was refused gateway-tools from upstream" in main.inner_text()

    page.goto(f"{registry.url}/{ORG}/-/upstreams/")
    page.get_by_role("button", name=f"Remove the upstream {upstream.url}").click()
    page.wait_for_load_state()
    assert "is no longer an upstream" in main.inner_text()


def test_a_plain_member_is_refused(registry, browser, gateway):  # noqa: F811
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, registry, "gus")
    response = page.goto(f"{registry.url}/{ORG}/-/upstreams/")
    assert response.status == 403
    page.goto(f"{registry.url}/{ORG}/")
    assert page.get_by_role("link", name="Upstreams").count() == 0
