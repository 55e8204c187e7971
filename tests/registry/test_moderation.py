"""Quarantine services and their admin actions."""

import os

import pytest

from accounts.models import AuditEvent
from registry import moderation
from tests.factories import (
    FileFactory,
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def file():
    project = ProjectFactory(org=OrgFactory(slug="acme"), name="demo", visibility="public")
    return FileFactory(release=ReleaseFactory(project=project, version="1.0"))


class TestServices:
    def test_project_quarantine(self, file):
        project = file.release.project
        serial = project.last_serial
        moderation.project_quarantine(project=project, reason="malware")
        project.refresh_from_db()
        assert project.status == "quarantined" and project.status_reason == "malware"
        assert project.last_serial == serial + 1
        event = AuditEvent.objects.get(action="project.quarantine")
        assert event.target == "demo" and event.data["reason"] == "malware"

    def test_project_unquarantine(self, file):
        project = file.release.project
        moderation.project_quarantine(project=project, reason="x")
        moderation.project_unquarantine(project=project)
        project.refresh_from_db()
        assert project.status == "active" and project.status_reason == ""
        assert AuditEvent.objects.filter(action="project.unquarantine").exists()

    def test_file_quarantine_and_back(self, file):
        project = file.release.project
        moderation.file_quarantine(file=file, reason="bad")
        file.refresh_from_db()
        project.refresh_from_db()
        assert file.quarantined and project.last_serial == 1
        moderation.file_unquarantine(file=file)
        file.refresh_from_db()
        assert not file.quarantined
        actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
        assert actions == ["file.quarantine", "file.unquarantine"]

    def test_root_page_cache_is_invalidated_on_commit(self, file, client, settings,
                                                      django_capture_on_commit_callbacks):
        settings.INDEX_CACHE_SHARED = True  # cached pages are trusted without a query
        assert b"demo" in client.get("/acme/simple/").content
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            moderation.project_quarantine(project=file.release.project)
        assert callbacks
        assert b"demo" not in client.get("/acme/simple/").content


class TestAdminActions:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    def test_quarantine_project_action(self, admin_client, file):
        project = file.release.project
        response = admin_client.post("/admin/registry/project/", {
            "action": "quarantine", "_selected_action": [project.pk]})
        assert response.status_code == 302
        project.refresh_from_db()
        assert project.status == "quarantined"
        event = AuditEvent.objects.get(action="project.quarantine")
        assert event.actor is not None

    def test_quarantine_file_action(self, admin_client, file):
        admin_client.post("/admin/registry/file/", {
            "action": "quarantine", "_selected_action": [file.pk]})
        file.refresh_from_db()
        assert file.quarantined

    def test_yank_release_action(self, admin_client, file):
        release = file.release
        admin_client.post("/admin/registry/release/", {
            "action": "yank", "_selected_action": [release.pk]})
        release.refresh_from_db()
        assert release.yanked
        admin_client.post("/admin/registry/release/", {
            "action": "unyank", "_selected_action": [release.pk]})
        release.refresh_from_db()
        assert not release.yanked

    def test_deleting_in_the_admin_goes_through_the_service(
            self, admin_client, settings, django_capture_on_commit_callbacks):
        from registry.models import File
        from registry.storage import distributions
        from tests.factories import stored_file

        settings.INDEX_CACHE_SHARED = True  # cached pages are trusted without a query
        project = ProjectFactory(org=OrgFactory(slug="acme"), name="demo", visibility="public")
        kept = stored_file(ReleaseFactory(project=project, version="1.0"),
                           filename="demo-1.0-py3-none-any.whl")
        gone = stored_file(ReleaseFactory(project=project, version="2.0"), data=b"PK 2.0",
                           filename="demo-2.0-py3-none-any.whl")
        assert b"demo-2.0" in admin_client.get("/acme/simple/demo/").content  # now cached
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(f"/admin/registry/file/{gone.pk}/delete/",
                                         {"post": "yes"})
        assert response.status_code == 302
        assert b"demo-2.0" not in admin_client.get("/acme/simple/demo/").content
        assert not distributions().exists(gone.path)  # the blob went too, with its folders
        assert not os.path.exists(os.path.dirname(distributions().path(gone.path)))
        assert distributions().exists(kept.path)
        assert AuditEvent.objects.get(action="file.delete").actor is not None
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post("/admin/registry/release/", {
                "action": "delete_selected", "_selected_action": [kept.release.pk],
                "post": "yes"})
        assert not File.objects.exists()
        assert b"demo-1.0" not in admin_client.get("/acme/simple/demo/").content

    def test_a_file_page_in_the_admin_edits_nothing(self, admin_client, file):
        # Files change only through the actions (services): a form would bypass the
        # cached pages and the size counters.
        page = admin_client.get(f"/admin/registry/file/{file.pk}/change/")
        assert page.status_code == 200 and page.context["adminform"].form.fields == {}
