"""Quarantine services and their admin actions."""

import pytest
from django.core.cache import cache

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

    def test_root_page_cache_is_invalidated_on_commit(self, file, client,
                                                      django_capture_on_commit_callbacks):
        assert b"demo" in client.get("/acme/simple/").content
        with django_capture_on_commit_callbacks(execute=True):
            moderation.project_quarantine(project=file.release.project)
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

    def test_cache_cleared_fixture_is_isolated(self):
        assert cache.get("orggen:1") is None
