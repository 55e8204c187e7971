from accounts.models import AuditEvent, Membership, Organization
from tests.factories import OrgFactory, member


class TestOrgs:
    def test_lists_only_my_orgs(self, as_user, owner, org):
        OrgFactory(slug="other")
        body = as_user(owner).get("/api/v1/orgs/").json()
        assert [o["slug"] for o in body["results"]] == ["acme"]
        assert body["count"] == 1

    def test_create_makes_the_creator_owner(self, as_user, owner):
        response = as_user(owner).post("/api/v1/orgs/", {"slug": "newco", "name": "New Co"})
        assert response.status_code == 201, response.json()
        org = Organization.objects.get(slug="newco")
        assert Membership.objects.get(org=org, user=owner).role == "owner"

    def test_reserved_slug_is_a_400_with_field_errors(self, as_user, owner):
        response = as_user(owner).post("/api/v1/orgs/", {"slug": "api"})
        assert response.status_code == 400
        assert "reserved" in response.json()["errors"]["slug"][0]
        assert set(response.json()) == {"detail", "errors"}

    def test_tokens_cannot_create_orgs(self, as_token, org):
        response = as_token(org).post("/api/v1/orgs/", {"slug": "newco"})
        assert response.status_code == 403

    def test_admin_updates_settings_with_an_audit_event(self, as_user, admin, org):
        response = as_user(admin).patch(f"/api/v1/orgs/{org.slug}/", {
            "default_visibility": "internal", "members_can_create_projects": False},
            format="json")
        assert response.status_code == 200, response.json()
        org.refresh_from_db()
        assert org.default_visibility == "internal" and not org.members_can_create_projects
        event = AuditEvent.objects.get(action="org.update")
        assert event.data["before"]["default_visibility"] == "private"
        assert event.actor == admin

    def test_member_may_not_change_settings(self, as_user, plain_member, org):
        response = as_user(plain_member).patch(f"/api/v1/orgs/{org.slug}/", {"name": "x"})
        assert response.status_code == 403
        assert response.json()["detail"]

    def test_other_orgs_are_404(self, as_user, owner):
        other = OrgFactory(slug="other")
        member(other, "owner")
        assert as_user(owner).get("/api/v1/orgs/other/").status_code == 404
        assert as_user(owner).delete("/api/v1/orgs/other/").status_code == 404

    def test_only_owners_delete(self, as_user, admin, owner, org):
        assert as_user(admin).delete(f"/api/v1/orgs/{org.slug}/").status_code == 403
        response = as_user(owner).delete(f"/api/v1/orgs/{org.slug}/")
        assert response.status_code == 200
        assert not Organization.objects.filter(slug="acme").exists()
        assert AuditEvent.objects.filter(action="org.delete", org_slug="acme").exists()

    def test_anonymous_gets_401(self, as_user, org):
        response = as_user().get("/api/v1/orgs/")
        assert response.status_code == 401
        assert response.json()["detail"]
