"""A token never creates a token that outlives it or exceeds it, and takes its children along
when it is revoked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent
from tests.api.conftest import client_for
from tests.factories import member, token_for

TOKENS = "/api/v1/orgs/acme/tokens/"


def _create(plaintext: str, **body):
    return client_for(token=plaintext).post(TOKENS, {"owner": "me", **body}, format="json")


def _expiring(token: ApiToken, days: int) -> ApiToken:
    token.expires_at = timezone.now() + timedelta(days=days)
    token.save(update_fields=["expires_at"])
    return token


class TestExpiry:
    @pytest.mark.parametrize("asked", [None, 30, 3650])
    def test_a_child_never_outlives_its_parent(self, org, owner, asked):
        parent, plaintext = token_for(org, owner, "admin")
        _expiring(parent, 5)
        response = _create(plaintext, expires_days=asked)
        assert response.status_code == 201, response.json()
        child = ApiToken.objects.get(key_id=response.json()["key_id"])
        assert child.expires_at == parent.expires_at
        assert response.json()["parent"] == parent.key_id

    def test_a_shorter_expiry_is_kept(self, org, owner):
        parent, plaintext = token_for(org, owner, "admin")
        _expiring(parent, 5)
        child = ApiToken.objects.get(key_id=_create(plaintext, expires_days=1).json()["key_id"])
        assert child.expires_at < parent.expires_at
        assert child.expires_at - timezone.now() < timedelta(days=1, minutes=1)

    def test_a_parent_without_expiry_lets_the_child_choose(self, org, owner):
        _parent, plaintext = token_for(org, owner, "admin")
        assert _create(plaintext).json()["expires_at"] is None

    def test_an_org_token_made_by_a_token_inherits_the_expiry(self, org, admin):
        parent, plaintext = token_for(org, admin, "admin")
        _expiring(parent, 2)
        response = client_for(token=plaintext).post(
            TOKENS, {"owner": "org", "permission": "upload"}, format="json")
        assert response.status_code == 201
        assert ApiToken.objects.get(key_id=response.json()["key_id"]).expires_at \
            == parent.expires_at

    def test_a_session_creates_tokens_without_a_parent(self, as_user, org, admin):
        body = as_user(admin).post(TOKENS, {"owner": "me", "expires_days": 30}).json()
        assert body["parent"] is None and body["expires_at"] is not None


class TestNoWiderNoStronger:
    @pytest.mark.parametrize("parent_permission,asked", [
        ("read", "upload"), ("read", "admin"), ("upload", "admin")])
    def test_permission(self, org, owner, parent_permission, asked):
        _parent, plaintext = token_for(org, owner, parent_permission)
        # Only an admin token manages; it is the one that could mint a stronger child.
        response = _create(plaintext, permission=asked)
        assert response.status_code in (400, 403)
        assert ApiToken.objects.count() == 1

    def test_stronger_from_an_admin_token_of_an_upload_scope(self, org, owner):
        _parent, plaintext = token_for(org, owner, "admin", ["widgets"])
        assert _create(plaintext, permission="admin", projects=["widgets"]).status_code == 201
        assert _create(plaintext, permission="admin", projects=["other"]).status_code == 400
        assert _create(plaintext, permission="admin", projects=[]).status_code == 400

    def test_a_scoped_token_creates_no_org_token(self, org, admin):
        _parent, plaintext = token_for(org, admin, "admin", ["widgets"])
        response = client_for(token=plaintext).post(
            TOKENS, {"owner": "org", "permission": "read", "projects": ["widgets"]},
            format="json")
        assert response.status_code == 403


class TestRevocation:
    def _family(self, org, owner):
        parent, plaintext = token_for(org, owner, "admin")
        child = _create(plaintext, permission="admin").json()
        grandchild = _create(child["token"], permission="read").json()
        sibling, _ = token_for(org, owner, "admin")
        return parent, child, grandchild, sibling

    def test_revoking_a_token_revokes_what_it_created(self, as_user, org, owner):
        parent, child, grandchild, sibling = self._family(org, owner)
        response = as_user(owner).delete(f"{TOKENS}{parent.key_id}/")
        assert response.status_code == 200
        for plaintext in (child["token"], grandchild["token"]):
            refused = client_for(token=plaintext).get("/api/v1/orgs/")
            assert refused.status_code == 403 and "revoked" in refused.json()["detail"]
        sibling.refresh_from_db()
        assert sibling.revoked_at is None
        events = AuditEvent.objects.filter(action="token.revoke")
        assert {e.target for e in events} == {parent.key_id, child["key_id"],
                                               grandchild["key_id"]}
        assert events.get(target=grandchild["key_id"]).data == {"created_with": parent.key_id}

    def test_revoking_a_child_leaves_its_parent(self, as_user, org, owner):
        parent, child, grandchild, _ = self._family(org, owner)
        as_user(owner).delete(f"{TOKENS}{child['key_id']}/")
        parent.refresh_from_db()
        assert parent.revoked_at is None
        assert ApiToken.objects.get(key_id=grandchild["key_id"]).revoked_at is not None

    def test_a_token_revokes_its_own_child(self, org, owner):
        _parent, plaintext = token_for(org, owner, "admin", ["widgets"])
        child = _create(plaintext, permission="read", projects=["widgets"]).json()
        response = client_for(token=plaintext).delete(f"{TOKENS}{child['key_id']}/")
        assert response.status_code == 200 and response.json()["active"] is False

    def test_a_member_leaving_revokes_the_org_tokens_their_token_made(self, as_user, org,
                                                                       owner):
        leaver = member(org, "admin", username="leaver")
        _token, plaintext = token_for(org, leaver, "admin")
        service = client_for(token=plaintext).post(
            TOKENS, {"owner": "org", "permission": "upload"}, format="json").json()
        assert as_user(owner).delete("/api/v1/orgs/acme/members/leaver/").status_code == 200
        assert ApiToken.objects.get(key_id=service["key_id"]).revoked_at is not None
        event = AuditEvent.objects.get(action="member.remove")
        assert service["key_id"] in event.data["tokens_revoked"]
