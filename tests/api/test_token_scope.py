"""A token scoped to projects reads nothing org-wide; ``me/tokens/`` through a token stays in
its org."""

import pytest

from tests.api.conftest import client_for
from tests.factories import OrgFactory, ProjectFactory, TeamFactory, member, token_for

SCOPED = [(owner, permission) for owner in ("user", "org")
          for permission in ("read", "upload", "admin")]

# Every org-wide read of the management API.
ORG_WIDE = [
    "members/", "members/olive/", "members/nobody/", "teams/", "teams/ci/", "teams/nope/",
    "invitations/", "audit-events/", "projects/secret/grants/", "projects/secret/tokens/",
]


@pytest.fixture
def world(org, owner, admin, plain_member, project):
    """acme: a public project ``widgets`` (the scope), a private one, a team, tokens."""
    project.visibility = "public"
    project.save()
    ProjectFactory(org=org, name="secret", visibility="private")
    TeamFactory(org=org, slug="ci").members.add(plain_member)
    token_for(org, admin, "admin")
    secret, _ = token_for(org, None, "upload", ["secret"])
    secret.description = "deploys secret"
    secret.save()
    return org


def _scoped(org, owner_kind: str, permission: str, owner):
    return token_for(org, owner if owner_kind == "user" else None, permission, ["widgets"])


class TestScopedTokensReadNothingOrgWide:
    def test_a_read_token_of_one_public_project_lists_no_emails(self, world, owner):
        _token, plaintext = token_for(world, owner, "read", ["widgets"])
        response = client_for(token=plaintext).get("/api/v1/orgs/acme/members/")
        assert response.status_code == 403
        assert "@" not in response.content.decode()

    @pytest.mark.parametrize("owner_kind,permission", SCOPED)
    @pytest.mark.parametrize("path", ORG_WIDE)
    def test_every_org_wide_read_is_refused(self, world, owner, owner_kind, permission, path):
        _token, plaintext = _scoped(world, owner_kind, permission, owner)
        response = client_for(token=plaintext).get(f"/api/v1/orgs/acme/{path}")
        assert response.status_code in (403, 404), response.content
        body = response.content.decode()
        for secret in ("olive", "mia", "adam", "@", "deploys", "ci"):
            assert f'"{secret}' not in body

    @pytest.mark.parametrize("owner_kind,permission", SCOPED)
    def test_known_and_unknown_members_answer_alike(self, world, owner, owner_kind,
                                                    permission):
        _token, plaintext = _scoped(world, owner_kind, permission, owner)
        client = client_for(token=plaintext)
        for method, data in (("get", None), ("patch", {"role": "member"}), ("delete", None)):
            answers = [getattr(client, method)(f"/api/v1/orgs/acme/members/{name}/", data,
                                               format="json")
                       for name in ("mia", "nobody")]
            assert answers[0].status_code == answers[1].status_code == 403
            assert answers[0].json() == answers[1].json()

    @pytest.mark.parametrize("owner_kind,permission", SCOPED)
    def test_the_token_list_shows_only_the_token_and_its_children(self, world, owner,
                                                                   owner_kind, permission):
        token, plaintext = _scoped(world, owner_kind, permission, owner)
        token_for(world, owner, "read")  # the owner's other token: not the scoped token's
        client = client_for(token=plaintext)
        listed = client.get("/api/v1/orgs/acme/tokens/").json()["results"]
        assert [t["key_id"] for t in listed] == [token.key_id]
        created = client.post("/api/v1/orgs/acme/tokens/", {
            "owner": "me" if owner_kind == "user" else "org", "permission": "read",
            "projects": ["widgets"]}, format="json")
        if created.status_code == 201:  # admin tokens create org tokens; users' tokens theirs
            listed = client.get("/api/v1/orgs/acme/tokens/").json()["results"]
            assert {t["key_id"] for t in listed} == {token.key_id, created.json()["key_id"]}

    def test_an_admin_token_of_the_project_sees_only_its_own_tokens_there(self, world, owner):
        token, plaintext = token_for(world, owner, "admin", ["widgets"])
        listed = client_for(token=plaintext).get(
            "/api/v1/orgs/acme/projects/widgets/tokens/").json()["results"]
        assert [t["key_id"] for t in listed] == [token.key_id]

    def test_its_own_project_stays_manageable(self, world, owner, plain_member):
        _token, plaintext = token_for(world, owner, "admin", ["widgets"])
        client = client_for(token=plaintext)
        assert client.get("/api/v1/orgs/acme/projects/widgets/grants/").status_code == 200
        assert client.get("/api/v1/orgs/acme/projects/").status_code == 200
        assert client.get("/api/v1/orgs/acme/").status_code == 200


class TestWholeOrgTokensStillRead:
    @pytest.mark.parametrize("permission", ["read", "upload", "admin"])
    def test_members_and_teams(self, world, plain_member, permission):
        _token, plaintext = token_for(world, plain_member, permission)
        client = client_for(token=plaintext)
        assert client.get("/api/v1/orgs/acme/members/").status_code == 200
        assert client.get("/api/v1/orgs/acme/teams/ci/").status_code == 200


class TestMyTokensThroughAToken:
    def test_a_token_lists_only_its_own_orgs_tokens(self, org, owner):
        other = OrgFactory(slug="other")
        member(other, "member", username=owner.username)
        token_for(other, owner, "read")
        token, plaintext = token_for(org, owner, "read")
        body = client_for(token=plaintext).get("/api/v1/me/tokens/").json()
        assert [t["org"] for t in body["results"]] == ["acme"]
        assert body["count"] == 1

    def test_a_scoped_token_lists_only_itself(self, org, owner):
        token_for(org, owner, "admin")
        token, plaintext = token_for(org, owner, "read", ["widgets"])
        body = client_for(token=plaintext).get("/api/v1/me/tokens/").json()
        assert [t["key_id"] for t in body["results"]] == [token.key_id]

    def test_a_session_still_lists_every_org(self, as_user, org, owner):
        other = OrgFactory(slug="other")
        member(other, "member", username=owner.username)
        token_for(org, owner, "read")
        token_for(other, owner, "read")
        body = as_user(owner).get("/api/v1/me/tokens/").json()
        assert sorted(t["org"] for t in body["results"]) == ["acme", "other"]
