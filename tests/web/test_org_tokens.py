"""The tokens page: every token of the org, creating an org-owned token for CI (shown once,
in the answer to the POST), and revoking any token with those created with it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.authentication import token_from_secret
from accounts.models import ApiToken, AuditEvent
from accounts.principals import Principal
from tests.factories import token_for
from tests.web.orgadmin import Admin, admin_objects, state
from tests.web.reading import messages_of, text_of

TOKENS = "/acme/-/tokens/"
CREATE = {"description": "release pipeline", "permission": "upload", "projects": "",
          "expires_days": "30"}


@pytest.fixture
def admin_world(world) -> Admin:
    return admin_objects(world)


def shown_secret(response) -> str:
    [secret] = re.findall(r"whk_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}", response.content.decode())
    return secret


class TestList:
    def test_every_token_of_the_org_with_its_facts(self, browse, world, admin_world):
        admin_world.ci_token.last_used_at = timezone.now()
        admin_world.ci_token.last_used_ip = "192.0.2.7"
        admin_world.ci_token.save()
        token_for(world.other, None)  # another org's: not listed
        response = browse("admin").get(TOKENS)
        listed = {t.key_id for t in response.context["tokens"]}
        assert listed == {admin_world.ci_token.key_id, admin_world.member_token.key_id}
        text = text_of(response)
        assert "the organisation upload on the whole organisation" in text
        assert "member read on the whole organisation" in text
        assert "from 192.0.2.7" in text

    def test_states_and_parents(self, browse, world, admin_world):
        parent, _ = token_for(world.org, world.admin, permission="admin")
        child, _ = services.token_create(org=world.org, user=None, projects=["billing"],
                                         principal=Principal(user=world.admin, token=parent))
        old, _ = token_for(world.org, world.admin, expires_days=1)
        ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
        services.token_revoke(token=admin_world.member_token)
        text = text_of(browse("admin").get(TOKENS))
        assert f"with the token {parent.key_id}" in text
        assert "read on billing" in text
        assert "revoked" in text and "expired" in text

    def test_a_page_at_a_time(self, browse, world):
        for _ in range(51):
            token_for(world.org, None)
        first = browse("admin").get(TOKENS)
        assert len(first.context["tokens"]) == 50 and "Page 1 of 2" in text_of(first)


class TestCreate:
    def test_shown_once_in_the_answer_itself(self, browse, world):
        response = browse("admin").post(TOKENS, CREATE)
        assert response.status_code == 200  # no redirect: the secret is in this answer only
        assert "no-store" in response["Cache-Control"]
        secret = shown_secret(response)
        token = token_from_secret(secret, None)
        assert (token.org, token.user, token.permission, token.projects) == (
            world.org, None, "upload", [])
        assert token.description == "release pipeline" and token.created_by == world.admin
        assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
        assert "it is shown only this once" in text_of(response)
        assert "twine upload --repository-url http://testserver/acme/legacy/" in \
            text_of(response)
        assert "$WHEELHOUSE_TOKEN" in text_of(response) and secret not in str(
            response.context["twine_command"])
        event = AuditEvent.objects.get(action="token.create")
        assert event.actor == world.admin and event.data["owner"] is None

    def test_the_secret_is_nowhere_else(self, browse, client, world):
        secret = shown_secret(browse("admin").post(TOKENS, CREATE))
        assert secret not in client.get(TOKENS).content.decode()
        assert not [m for m in client.get(TOKENS).context["messages"] if secret in str(m)]
        session = client.session
        assert secret not in str(dict(session.items()))

    def test_scoped_to_projects_without_expiry(self, browse):
        response = browse("admin").post(TOKENS, {**CREATE, "projects": "Billing, new_thing",
                                                 "expires_days": "", "permission": "read"})
        token = token_from_secret(shown_secret(response), None)
        assert token.projects == ["billing", "new-thing"] and token.expires_at is None

    @pytest.mark.parametrize(("change", "message"), [
        ({"projects": "ok-name, -bad"}, "Not a valid project name: -bad."),
        ({"permission": "superuser"}, "Select a valid choice."),
        ({"expires_days": "7"}, "Select a valid choice."),
        ({"description": ""}, "This field is required."),
    ])
    def test_refused_beside_the_field(self, browse, change, message):
        before = state()
        response = browse("admin").post(TOKENS, {**CREATE, **change})
        assert response.status_code == 200 and message in text_of(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert "whk_" not in response.content.decode()
        assert state() == before

    def test_through_a_token_never_wider_than_it(self, client, world):
        from tests.conftest import basic_auth

        _, secret = token_for(world.org, world.admin, permission="admin", expires_days=3)
        response = client.post(TOKENS, {**CREATE, "expires_days": "365"}, **basic_auth(secret))
        token = token_from_secret(shown_secret(response), None)
        assert token.expires_at <= timezone.now() + timedelta(days=3)
        assert token.parent is not None


class TestRevoke:
    def test_asks_first_and_names_what_goes_with_it(self, browse, world, admin_world):
        parent, _ = token_for(world.org, world.admin, permission="admin")
        child, _ = services.token_create(org=world.org, user=None,
                                         principal=Principal(user=world.admin, token=parent))
        url = f"{TOKENS}{parent.key_id}/revoke/"
        text = text_of(browse("admin").get(url))
        assert f"Revoke the token {parent.key_id}?" in text
        assert child.key_id in text and "It stops working at once" in text
        response = browse("admin").post(url, follow=True)
        assert response.redirect_chain == [(TOKENS, 302)]
        assert messages_of(response) == [
            f"The token {parent.key_id} is revoked, with 1 token(s) created with it: it no "
            "longer works."]
        assert not ApiToken.objects.filter(pk__in=[parent.pk, child.pk],
                                           revoked_at__isnull=True).exists()
        assert AuditEvent.objects.filter(action="token.revoke").count() == 2

    def test_a_members_own_token(self, browse, admin_world):
        url = f"{TOKENS}{admin_world.member_token.key_id}/revoke/"
        browse("admin").post(url)
        admin_world.member_token.refresh_from_db()
        assert admin_world.member_token.revoked_at is not None

    def test_an_already_revoked_token_says_so(self, browse, admin_world):
        services.token_revoke(token=admin_world.ci_token)
        url = f"{TOKENS}{admin_world.ci_token.key_id}/revoke/"
        assert "This token is already revoked." in text_of(browse("admin").get(url))

    def test_another_orgs_token_is_404(self, browse, world):
        theirs, _ = token_for(world.other, None)
        before = state()
        url = f"{TOKENS}{theirs.key_id}/revoke/"
        assert browse("admin").get(url).status_code == 404
        assert browse("admin").post(url).status_code == 404
        assert state() == before
