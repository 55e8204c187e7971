from accounts.models import ApiToken, AuditEvent
from tests.factories import ProjectFactory, member, token_for


class TestTokens:
    def test_create_shows_the_token_once(self, as_user, admin, org):
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/tokens/", {
            "owner": "org", "permission": "upload", "projects": ["Widgets"],
            "description": "CI"}, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["token"].startswith("whk_") and body["owner"] is None
        assert body["projects"] == ["widgets"]
        listed = as_user(admin).get(f"/api/v1/orgs/{org.slug}/tokens/").json()["results"]
        assert "token" not in listed[0]
        assert ApiToken.objects.get().secret_hash not in str(listed)

    def test_token_works_as_bearer(self, as_user, admin, org):
        plaintext = as_user(admin).post(f"/api/v1/orgs/{org.slug}/tokens/",
                                        {"owner": "me", "permission": "read"}).json()["token"]
        from tests.api.conftest import client_for

        assert client_for(token=plaintext).get("/api/v1/orgs/").status_code == 200

    def test_members_create_only_their_own_tokens(self, as_user, plain_member, org):
        client = as_user(plain_member)
        assert client.post(f"/api/v1/orgs/{org.slug}/tokens/", {"owner": "org"}) \
            .status_code == 403
        assert client.post(f"/api/v1/orgs/{org.slug}/tokens/", {"owner": "me"}) \
            .status_code == 201

    def test_a_member_gets_no_token_stronger_than_they_hold(self, as_user, plain_member, org):
        org.members_can_create_projects = False
        org.save()
        client = as_user(plain_member)
        refused = client.post(f"/api/v1/orgs/{org.slug}/tokens/",
                              {"owner": "me", "permission": "admin"})
        assert refused.status_code == 400, refused.json()
        assert "admin" in refused.json()["detail"]
        assert client.post(f"/api/v1/orgs/{org.slug}/tokens/",
                           {"owner": "me", "permission": "read"}).status_code == 201

    def test_members_see_only_their_own_tokens(self, as_user, plain_member, admin, org):
        token_for(org, admin, "admin")
        mine, _ = token_for(org, plain_member, "read")
        listed = as_user(plain_member).get(f"/api/v1/orgs/{org.slug}/tokens/").json()
        assert [t["key_id"] for t in listed["results"]] == [mine.key_id]

    def test_revoke_is_immediate(self, as_user, as_token, admin, org):
        token, plaintext = token_for(org, None, "admin")
        response = as_user(admin).delete(f"/api/v1/orgs/{org.slug}/tokens/{token.key_id}/")
        assert response.status_code == 200 and response.json()["active"] is False
        from tests.api.conftest import client_for

        refused = client_for(token=plaintext).get("/api/v1/orgs/")
        assert refused.status_code == 403
        assert "revoked" in refused.json()["detail"]
        assert AuditEvent.objects.filter(action="token.revoke").exists()

    def test_per_project_listing(self, as_user, admin, org, project):
        whole, _ = token_for(org, None, "read")
        scoped, _ = token_for(org, None, "upload", ["widgets"])
        token_for(org, None, "upload", ["elsewhere"])
        revoked, _ = token_for(org, None, "admin")
        revoked.revoked_at = revoked.created_at
        revoked.save()
        body = as_user(admin).get(f"/api/v1/orgs/{org.slug}/projects/widgets/tokens/").json()
        assert {t["key_id"] for t in body["results"]} == {whole.key_id, scoped.key_id}

    def test_per_project_listing_counts_owners_and_expiry_as_token_in_force(
            self, as_user, admin, org, project, django_assert_max_num_queries):
        from datetime import timedelta

        from django.utils import timezone

        from accounts.models import Membership
        from registry.permissions import token_in_force

        mine, _ = token_for(org, member(org, "member", username="stays"), "upload")
        gone_owner = member(org, "member", username="leaves")
        orphan, _ = token_for(org, gone_owner, "upload")
        Membership.objects.filter(user=gone_owner).delete()
        disabled = member(org, "member", username="disabled")
        of_disabled, _ = token_for(org, disabled, "upload")
        disabled.is_active = False
        disabled.save()
        expired, _ = token_for(org, None, "upload")
        expired.expires_at = timezone.now() - timedelta(minutes=1)
        expired.save()
        for username in ("a1", "a2", "a3"):
            token_for(org, member(org, "member", username=username), "read")
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/tokens/"
        with django_assert_max_num_queries(6):  # not one more query per token
            listed = {t["key_id"] for t in as_user(admin).get(url).json()["results"]}
        assert mine.key_id in listed
        assert not {orphan.key_id, of_disabled.key_id, expired.key_id} & listed
        every = [t for t in ApiToken.objects.filter(org=org) if token_in_force(t, org)]
        assert listed == {t.key_id for t in every}

    def test_active_filter(self, as_user, admin, org):
        live, _ = token_for(org, None, "read")
        revoked, _ = token_for(org, None, "read")
        revoked.revoked_at = revoked.created_at
        revoked.save()
        url = f"/api/v1/orgs/{org.slug}/tokens/?owner=org&active="
        client = as_user(admin)
        assert [t["key_id"] for t in client.get(url + "true").json()["results"]] == \
            [live.key_id]
        assert [t["key_id"] for t in client.get(url + "false").json()["results"]] == \
            [revoked.key_id]

    def test_my_tokens_span_orgs(self, as_user, owner, org):
        from tests.factories import OrgFactory

        other = OrgFactory(slug="other")
        member(other, "member", username=owner.username)
        token_for(org, owner, "read")
        token_for(other, owner, "read")
        body = as_user(owner).get("/api/v1/me/tokens/").json()
        assert sorted(t["org"] for t in body["results"]) == ["acme", "other"]

    def test_a_token_cannot_mint_a_stronger_one(self, as_token, org, owner):
        client = as_token(org, owner, "admin", ["widgets"])
        response = client.post(f"/api/v1/orgs/{org.slug}/tokens/",
                               {"owner": "me", "permission": "admin"}, format="json")
        assert response.status_code == 400
        assert "wider scope" in response.json()["detail"]


class TestTokenAuthority:
    def test_management_through_a_token_needs_admin_permission(self, as_token, owner, org):
        response = as_token(org, owner, "upload").patch(f"/api/v1/orgs/{org.slug}/",
                                                        {"name": "x"})
        assert response.status_code == 403
        assert "admin permission" in response.json()["detail"]

    def test_read_token_reads(self, as_token, owner, org, project):
        response = as_token(org, owner, "read").get(f"/api/v1/orgs/{org.slug}/projects/")
        assert [p["name"] for p in response.json()["results"]] == ["Widgets"]

    def test_scoped_admin_token_manages_only_its_projects(self, as_token, org, project):
        ProjectFactory(org=org, name="sibling")
        client = as_token(org, None, "admin", ["widgets"])
        assert client.patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                            {"visibility": "internal"}).status_code == 200
        assert client.patch(f"/api/v1/orgs/{org.slug}/projects/sibling/",
                            {"visibility": "internal"}).status_code == 404
        assert client.get(f"/api/v1/orgs/{org.slug}/members/").status_code == 403
        assert client.post(f"/api/v1/orgs/{org.slug}/teams/", {"slug": "x"}).status_code == 403

    def test_bad_token_failures_are_rate_limited(self, org):
        from tests.api.conftest import client_for

        client = client_for(token="whk_nonsense")
        codes = [client.get("/api/v1/orgs/").status_code for _ in range(31)]
        assert codes[0] == 401
        final = client.get("/api/v1/orgs/")
        assert final.status_code == 429
        assert int(final["Retry-After"]) > 0


class TestAudit:
    def test_admins_read_and_filter(self, as_user, admin, owner, org):
        as_user(admin).post(f"/api/v1/orgs/{org.slug}/teams/", {"slug": "ci"})
        as_user(admin).patch(f"/api/v1/orgs/{org.slug}/", {"name": "Acme Inc"})
        body = as_user(admin).get(f"/api/v1/orgs/{org.slug}/audit-events/?action=team").json()
        assert [e["action"] for e in body["results"]] == ["team.create"]
        assert body["results"][0]["actor"] == "adam"

    def test_members_may_not(self, as_user, plain_member, org):
        response = as_user(plain_member).get(f"/api/v1/orgs/{org.slug}/audit-events/")
        assert response.status_code == 403


class TestTeams:
    def test_team_lifecycle(self, as_user, admin, plain_member, org):
        client = as_user(admin)
        assert client.post(f"/api/v1/orgs/{org.slug}/teams/", {"slug": "ci", "name": "CI"}) \
            .status_code == 201
        response = client.post(f"/api/v1/orgs/{org.slug}/teams/ci/members/",
                               {"username": "mia"})
        assert response.json()["members"] == ["mia"]
        outsider = member(ProjectFactory().org, "member", username="outsider")
        assert outsider and client.post(f"/api/v1/orgs/{org.slug}/teams/ci/members/",
                                         {"username": "outsider"}).status_code == 400
        assert client.delete(f"/api/v1/orgs/{org.slug}/teams/ci/members/mia/").json()[
            "members"] == []
        assert client.delete(f"/api/v1/orgs/{org.slug}/teams/ci/").status_code == 200

    def test_a_taken_slug_is_a_400_naming_the_field(self, as_user, admin, org):
        client = as_user(admin)
        assert client.post(f"/api/v1/orgs/{org.slug}/teams/", {"slug": "ci"}).status_code == 201
        response = client.post(f"/api/v1/orgs/{org.slug}/teams/", {"slug": "ci"})
        assert response.status_code == 400
        message = f"A team with the slug 'ci' exists in {org.slug}."
        assert response.json() == {"detail": message, "errors": {"slug": [message]}}
