"""Administering projects and the org in Chromium, against a live registry, with the real
clients following each change.

An org admin creates a project in the browser, grants a team upload on it (the team's member
then uploads with twine), makes it public (anonymous pip installs it), sets its file size
limit (twine's larger upload is refused), archives it (the simple index carries the PEP 792
status, and twine is refused again), then changes the org's default visibility and reads
its usage. A plain member is refused the settings pages; an owner deletes an org by typing
its slug. Every page is checked with axe-core and, with ``WHEELHOUSE_SCREENSHOTS=1``,
photographed into docs/screenshots/.
"""

import json
import os
import urllib.request

import pytest

from tests.corpus import build_wheel
from tests.e2e.browsing import DESKTOP, PHONE, browser, fits_the_width, look_at  # noqa: F401
from tests.e2e.conftest import run_client, twine_upload
from tests.e2e.test_web_pages import log_in, set_password
from tests.live import BIN

pytestmark = pytest.mark.e2e
ORG = "projadmin"
NAME = "ledger-tools"


@pytest.fixture(scope="module")
def people(registry):
    """Org ``projadmin``: ``ada`` (admin), ``ben`` (a member in the team ``backend``), the
    private project ``reports``; and ``scratch``, an org ``ada`` owns."""
    registry.manage("createorg", ORG, "--name", "Proj Admin")
    registry.manage("addmember", ORG, "ada", "--create", "--role", "admin",
                    "--email", "ada@example.com")
    registry.manage("addmember", ORG, "ben", "--create", "--email", "ben@example.com")
    registry.manage("createorg", "scratch", "--name", "Scratch")
    registry.manage("addmember", "scratch", "ada", "--role", "owner")
    for user in ("ada", "ben"):
        set_password(registry, user)
    registry.manage("shell", "-c", (
        "from accounts import services; from accounts.models import Organization, User; "
        "from accounts.principals import Principal; from registry.services import "
        "project_create; org = Organization.objects.get(slug='projadmin'); "
        "ada = Principal(user=User.objects.get(username='ada')); "
        "team = services.team_create(org=org, slug='backend', name='Backend', principal=ada); "
        "services.team_member_add(team=team, user=User.objects.get(username='ben'), "
        "principal=ada); project_create(org=org, name='reports', principal=ada)"))
    return {"ben_upload": registry.token(ORG, "--user", "ben", "--permission", "upload")}


def simple_page(registry, accept: str = "text/html") -> str:
    request = urllib.request.Request(f"{registry.url}/{ORG}/simple/{NAME}/",
                                     headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def submit(page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_an_admin_sets_up_a_project_and_the_clients_follow(registry, browser, people,  # noqa: F811
                                                            tmp_path):
    page = browser.new_page(viewport=DESKTOP)
    main = page.locator("main")
    log_in(page, registry, "ada")
    page.goto(f"{registry.url}/{ORG}/")
    main.get_by_role("link", name="New project").click()
    look_at(page, "project-new")
    page.fill("#id_name", NAME)
    assert page.get_by_label("Private: the organisation's members").is_checked()  # the default
    submit(page, "Create the project")
    assert f"{NAME} is created." in main.inner_text()
    assert page.url.endswith(f"/{ORG}/project/{NAME}/settings/")

    page.select_option("#id_team-team", "backend")
    page.select_option("#id_team-permission", "upload")
    submit(page, "Grant to the team")
    assert f"Team backend now has upload on {NAME}." in main.inner_text()
    page.get_by_label("Public: anyone, anonymous pip and uv included").check()
    submit(page, "Save settings")
    assert f"The settings of {NAME} are saved." in main.inner_text()
    look_at(page, "project-settings")

    # ben is in backend: the team's grant lets his token upload.
    dist = tmp_path / "dist"
    dist.mkdir()
    small = build_wheel(dist, NAME, "1.0")
    uploaded = twine_upload(registry, ORG, people["ben_upload"], small)
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr + registry.log_tail()
    # Public: pip without any credentials.
    pip = run_client(str(BIN / "pip"), "install", "--no-cache-dir", "--no-deps", "--target",
                     str(tmp_path / "site"), "--index-url", f"{registry.url}/{ORG}/simple/",
                     NAME)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (tmp_path / "site" / "ledger_tools" / "__init__.py").exists()

    page.fill("#id_max_file_size", "1")
    submit(page, "Save settings")
    assert page.input_value("#id_max_file_size") == "1"
    large = build_wheel(dist, NAME, "1.1", files={
        "ledger_tools/__init__.py": b"", "ledger_tools/blob.bin": os.urandom(1536 * 1024)})
    refused = twine_upload(registry, ORG, people["ben_upload"], large)
    assert refused.returncode != 0
    assert f"File too large. Limit for project '{NAME}' is 1 MiB." in refused.stdout \
        + refused.stderr

    page.get_by_label("Archived: accepts no new uploads").check()
    page.fill("#id_status_reason", "replaced by ledger-next")
    submit(page, "Save the status")
    assert f"{NAME} is archived" in main.inner_text()
    html = simple_page(registry)
    assert '<meta name="pypi:project-status" content="archived">' in html
    assert '<meta name="pypi:project-status-reason" content="replaced by ledger-next">' in html
    as_json = json.loads(simple_page(registry, "application/vnd.pypi.simple.v1+json"))
    assert as_json["project-status"] == {"status": "archived",
                                         "reason": "replaced by ledger-next"}
    again = twine_upload(registry, ORG, people["ben_upload"], build_wheel(dist, NAME, "1.2"))
    assert again.returncode != 0 and "is archived" in again.stdout + again.stderr
    look_at(page, "project-settings-archived")

    main.get_by_role("link", name="Remove the grant of team backend…").click()
    assert "Withdraw upload on ledger-tools from team backend?" in main.inner_text()
    look_at(page, "grant-remove")
    main.get_by_role("link", name="Cancel").click()

    page.get_by_role("navigation", name="Proj Admin").get_by_role("link",
                                                                  name="Settings").click()
    page.get_by_label("Internal: also everyone signed in").check()
    submit(page, "Save settings")
    assert f"The settings of {ORG} are saved." in main.inner_text()
    usage = main.get_by_role("region", name="Usage by project").inner_text()
    assert NAME in usage and "reports" in usage
    look_at(page, "org-settings")
    main.get_by_role("link", name="New project").click()
    assert page.get_by_label("Internal: also everyone signed in").is_checked()
    page.close()


def test_a_member_is_refused_the_settings_pages(registry, browser, people):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, registry, "ben")
    for path in (f"/{ORG}/project/reports/settings/", f"/{ORG}/-/settings/",
                 f"/{ORG}/-/settings/delete/"):
        response = page.goto(registry.url + path)
        assert response.status == 403, path
        assert "Nothing was changed" in page.locator("main").inner_text()
    page.goto(f"{registry.url}/{ORG}/project/reports/")
    assert page.get_by_role("link", name="Settings", exact=True).count() == 0
    page.close()


def test_an_owner_deletes_an_org_by_typing_its_slug(registry, browser, people):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    main = page.locator("main")
    log_in(page, registry, "ada")
    page.goto(f"{registry.url}/scratch/-/settings/")
    main.get_by_role("link", name="Delete the organisation scratch…").click()
    look_at(page, "org-delete")
    page.fill("#id_slug", "Scratch")
    submit(page, "Delete scratch")
    assert "That is not the organisation's slug: type scratch exactly." in main.inner_text()
    page.fill("#id_slug", "scratch")
    submit(page, "Delete scratch")
    assert "The organisation scratch is deleted" in main.inner_text()
    assert page.goto(f"{registry.url}/scratch/-/settings/").status == 404
    page.close()


@pytest.mark.parametrize("path, name", [(f"/{ORG}/project/reports/settings/",
                                         "project-settings-phone"),
                                        (f"/{ORG}/-/settings/", "org-settings-phone")])
def test_the_settings_fit_a_phone(registry, browser, people, path, name):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, registry, "ada")
    page.goto(registry.url + path)
    assert fits_the_width(page), f"{path} scrolls sideways at 360 px"
    look_at(page, name)
    page.close()
