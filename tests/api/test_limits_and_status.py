"""The per-file size limit and the PEP 792 status through the management API: the same
services, and so the same rules, as the web pages."""

from accounts.models import AuditEvent

MIB = 1024 * 1024


class TestProjectSettings:
    def test_an_admin_sets_the_file_size_limit(self, as_user, admin, org, project):
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/"
        response = as_user(admin).patch(url, {"max_file_size": 5 * MIB}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["max_file_size"] == 5 * MIB
        response = as_user(admin).patch(url, {"max_file_size": None}, format="json")
        assert response.json()["max_file_size"] is None

    def test_a_limit_over_the_cap_is_a_400_on_the_field(self, as_user, admin, org, project,
                                                         settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 10 * MIB
        response = as_user(admin).patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                                        {"max_file_size": 11 * MIB}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["max_file_size"] == [
            "A file size limit must be more than 0 and at most 10 MiB, this instance's cap."]
        project.refresh_from_db()
        assert project.max_file_size is None

    def test_archive_and_unarchive(self, as_user, admin, org, project):
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/"
        body = as_user(admin).patch(url, {"status": "archived", "status_reason": "done"},
                                    format="json").json()
        assert (body["status"], body["status_reason"]) == ("archived", "done")
        body = as_user(admin).patch(url, {"status": "active"}, format="json").json()
        assert (body["status"], body["status_reason"]) == ("active", "")

    def test_quarantine_is_not_an_admins_to_set(self, as_user, admin, org, project):
        response = as_user(admin).patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                                        {"status": "quarantined"}, format="json")
        assert response.status_code == 400
        project.refresh_from_db()
        assert project.status == "active"

    def test_a_member_may_not(self, as_user, plain_member, org, project):
        response = as_user(plain_member).patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                                               {"status": "archived"}, format="json")
        assert response.status_code == 403
        project.refresh_from_db()
        assert project.status == "active"


class TestOrgSettings:
    def test_an_admin_sets_the_org_file_size_limit(self, as_user, admin, org, settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 10 * MIB
        url = f"/api/v1/orgs/{org.slug}/"
        response = as_user(admin).patch(url, {"max_file_size": 2 * MIB}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["max_file_size"] == 2 * MIB
        refused = as_user(admin).patch(url, {"max_file_size": 0}, format="json")
        assert refused.status_code == 400
        assert "max_file_size" in refused.json()["errors"]
        assert AuditEvent.objects.filter(action="org.update").count() == 1
