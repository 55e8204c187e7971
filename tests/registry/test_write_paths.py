"""Every way of changing what an index page shows drops the cached pages and keeps the size
counters true: the services, the management API, the Django admin (actions, forms, deletes),
the operator commands, the web pages and an upload. The services do both themselves
(``registry.cache.invalidate``, ``registry.usage``); every path below reaches them.

Each test reads the pages until they come from the cache (no query), writes, and reads
again as an anonymous pip would: the new state shows at once.
"""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organization
from accounts.principals import ANONYMOUS, Principal
from registry import services
from registry.models import File, Project, Release
from tests.corpus import build_wheel
from tests.factories import (
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    member,
    stored_file,
    token_for,
)
from tests.registry.test_usage import assert_counters_true

pytestmark = pytest.mark.django_db(transaction=True)  # committed: drops after commit run too
JSON = "application/vnd.pypi.simple.v1+json"
WHEEL = "demo-1.0-py3-none-any.whl"


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """As with Redis: cached pages are served without asking the database."""
    settings.INDEX_CACHE_SHARED = True


@pytest.fixture
def project():
    org = OrgFactory(slug="acme", default_visibility="public")
    project = ProjectFactory(org=org, name="demo", visibility="public")
    stored_file(ReleaseFactory(project=project, version="1.0"), filename=WHEEL)
    return project


@pytest.fixture
def owner(project):
    return member(project.org, "owner", username="olive")


def shown(client: Client) -> dict:
    """What an anonymous client sees of acme and its project demo."""
    root = client.get("/acme/simple/", HTTP_ACCEPT=JSON)
    detail = client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON)
    info = client.get("/acme/pypi/demo/json")
    seen = {"root": root.status_code, "detail": detail.status_code, "json": info.status_code}
    if root.status_code == 200:
        seen["projects"] = sorted(p["name"] for p in json.loads(root.content)["projects"])
    if detail.status_code == 200:
        seen["files"] = {f["filename"]: f.get("yanked", False)
                         for f in json.loads(detail.content)["files"]}
    if info.status_code == 200:
        seen["yanked"] = json.loads(info.content)["info"]["yanked"]
    return seen


@pytest.fixture
def warm(client, django_assert_num_queries):
    """Read the pages until the cache answers them alone; returns what they showed."""
    def read() -> dict:
        before = shown(client)
        with django_assert_num_queries(0):
            assert shown(client) == before
        assert before["files"] == {WHEEL: False}
        return before
    return read


def changed_form(page) -> dict:
    """The POST an admin change page would send unchanged (its form and inline formsets)."""
    def fields(form) -> dict:
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value not in (False, None):
                data[form.add_prefix(name)] = value
        return data

    data = fields(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= fields(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= fields(form)
    return data


class TestServices:
    def test_file_publish(self, client, project, warm):
        warm()
        new = services.NewFile(filename="demo-2.0-py3-none-any.whl", packagetype="bdist_wheel",
                               python_version="py3", size=77, md5="m", sha256="s" * 64,
                               blake2_256="b" * 64, path="p", version="2.0")
        services.file_publish(project=project, new=new, principal=ANONYMOUS)
        assert set(shown(client)["files"]) == {WHEEL, "demo-2.0-py3-none-any.whl"}
        assert_counters_true()

    def test_project_create(self, client, project, warm):
        warm()
        services.project_create(org=project.org, name="newcomer", visibility="public")
        assert shown(client)["projects"] == ["demo", "newcomer"]

    def test_release_yank(self, client, project, warm):
        warm()
        services.release_yank(release=Release.objects.get(), reason="broken")
        after = shown(client)
        assert after["files"] == {WHEEL: "broken"} and after["yanked"] is True


class TestManagementApi:
    @pytest.fixture
    def api(self, owner):
        client = APIClient()
        client.force_authenticate(owner)
        return client

    def test_yank_and_unyank(self, client, api, warm):
        warm()
        base = "/api/v1/orgs/acme/projects/demo/releases/1.0/"
        assert api.post(base + "yank/", {"reason": "broken"}).status_code == 200
        assert shown(client)["files"] == {WHEEL: "broken"}
        assert api.post(base + "unyank/").status_code == 200
        assert shown(client)["files"] == {WHEEL: False}

    def test_file_delete(self, client, api, warm):
        warm()
        assert api.delete(f"/api/v1/orgs/acme/projects/demo/files/{WHEEL}/").status_code == 200
        assert shown(client)["files"] == {}
        assert_counters_true()

    def test_release_delete(self, client, api, warm):
        warm()
        assert api.delete("/api/v1/orgs/acme/projects/demo/releases/1.0/").status_code == 200
        assert shown(client)["files"] == {}
        assert_counters_true()

    def test_visibility_change(self, client, api, warm):
        warm()
        response = api.patch("/api/v1/orgs/acme/projects/demo/", {"visibility": "private"},
                             format="json")
        assert response.status_code == 200
        after = shown(client)
        assert (after["detail"], after["json"]) == (401, 401)
        assert after.get("projects", []) == []

    def test_project_delete(self, client, api, warm):
        warm()
        assert api.delete("/api/v1/orgs/acme/projects/demo/").status_code == 200
        assert shown(client)["detail"] == 401
        assert_counters_true()

    def test_org_delete(self, client, api, warm):
        warm()
        assert api.delete("/api/v1/orgs/acme/").status_code == 200
        assert shown(client) == {"root": 401, "detail": 401, "json": 401}


class TestDjangoAdmin:
    def test_yank_action(self, client, admin_client, project, warm):
        warm()
        admin_client.post("/admin/registry/release/", {
            "action": "yank", "_selected_action": [Release.objects.get().pk]})
        assert shown(client)["files"] == {WHEEL: "Yanked by a moderator."}

    def test_quarantine_action(self, client, admin_client, project, warm):
        warm()
        admin_client.post("/admin/registry/project/", {
            "action": "quarantine", "_selected_action": [project.pk]})
        assert shown(client)["detail"] == 401

    def test_delete_action(self, client, admin_client, project, warm):
        warm()
        admin_client.post("/admin/registry/file/", {
            "action": "delete_selected", "_selected_action": [File.objects.get().pk],
            "post": "yes"})
        assert not File.objects.exists()
        assert shown(client)["files"] == {}
        assert_counters_true()

    def test_project_delete_page(self, client, admin_client, project, warm):
        warm()
        admin_client.post(f"/admin/registry/project/{project.pk}/delete/", {"post": "yes"})
        assert not Project.objects.exists()
        assert shown(client)["detail"] == 401
        assert_counters_true()

    def test_project_change_form(self, client, admin_client, project, warm):
        warm()
        url = f"/admin/registry/project/{project.pk}/change/"
        data = changed_form(admin_client.get(url)) | {"visibility": "private"}
        assert admin_client.post(url, data).status_code == 302
        assert Project.objects.get().visibility == "private"
        assert shown(client)["detail"] == 401

    def test_the_change_form_edits_settings_only(self, admin_client, project):
        form = admin_client.get(f"/admin/registry/project/{project.pk}/change/").context[
            "adminform"].form
        assert set(form.fields) == {"visibility", "restricted", "max_file_size"}

    def test_org_delete_page(self, client, admin_client, project, warm):
        warm()
        org = project.org
        admin_client.post(f"/admin/accounts/organization/{org.pk}/delete/", {"post": "yes"})
        assert not Organization.objects.exists()
        OrgFactory(slug="acme", default_visibility="public")  # the slug taken again
        assert shown(client)["detail"] == 401

    def test_an_org_slug_is_fixed(self, admin_client, project):
        form = admin_client.get(f"/admin/accounts/organization/{project.org.pk}/change/")
        assert "slug" not in form.context["adminform"].form.fields


class TestOperatorCommands:
    def test_yank(self, client, project, warm):
        warm()
        call_command("yank", "acme", "demo", "1.0", reason="broken")
        assert shown(client)["files"] == {WHEEL: "broken"}
        call_command("yank", "acme", "demo", "1.0", undo=True)
        assert shown(client)["files"] == {WHEEL: False}


class TestWebPages:
    def test_yank(self, client, project, owner, warm):
        warm()
        browser = Client()
        browser.force_login(owner)
        response = browser.post("/acme/project/demo/1.0/yank/", {"reason": "broken"})
        assert response.status_code == 302
        assert shown(client)["files"] == {WHEEL: "broken"}


class TestUpload:
    def test_a_new_release(self, client, project, owner, warm, tmp_path):
        from tests.uploads.uploading import upload

        warm()
        _token, secret = token_for(project.org, owner, "upload")
        wheel = build_wheel(tmp_path, "demo", "2.0")
        assert upload(project.org, secret, wheel, "demo", "2.0").status_code == 200
        assert set(shown(client)["files"]) == {WHEEL, wheel.name}
        assert_counters_true()


def test_moderation_writes_through_the_service(client, project, warm):
    """The quarantine of a file, as the admin's action and the API's moderators do."""
    from registry import moderation

    warm()
    moderation.file_quarantine(file=File.objects.get(), reason="malware",
                               principal=Principal())
    assert shown(client)["files"] == {}
