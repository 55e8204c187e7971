"""The moderators' Django admin: tokens are made by the token service and shown once; the
audit log is read-only."""

import pytest
from django.test import Client

from accounts.models import ApiToken, AuditEvent
from tests.factories import OrgFactory, UserFactory, member, token_for

pytestmark = pytest.mark.django_db
ADD = "/admin/accounts/apitoken/add/"


@pytest.fixture
def moderator(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="mod", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def org():
    return OrgFactory(slug="acme")


def use(secret: str):
    return Client().get("/api/v1/orgs/acme/", HTTP_AUTHORIZATION=f"Bearer {secret}")


class TestAddingATokenInTheAdmin:
    def test_goes_through_the_service_and_shows_the_secret_once(self, moderator, org):
        member(org, "member", username="carl")
        response = moderator.post(ADD, {"org": "acme", "user": "carl", "permission": "upload",
                                        "projects": "Widgets, gadgets", "expires_days": "30",
                                        "description": "for carl's CI"})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        token = ApiToken.objects.get()
        secret = response.context["secret"]
        assert secret.startswith(f"whk_{token.key_id}_") and secret in response.content.decode()
        assert (token.org.slug, token.user.username, token.permission, token.projects,
                token.description) == ("acme", "carl", "upload", ["gadgets", "widgets"],
                                       "for carl's CI")
        assert token.expires_at is not None and token.created_by.username == "mod"
        assert use(secret).status_code == 200
        event = AuditEvent.objects.get(action="token.create")
        assert event.actor.username == "mod" and event.target == token.key_id
        # Shown once: the token's own page never shows it again.
        page = moderator.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
        assert token.key_id in page and secret not in page and token.secret_hash not in page

    def test_an_org_token_has_no_user(self, moderator, org):
        response = moderator.post(ADD, {"org": "acme", "user": "", "permission": "read"})
        assert response.status_code == 200, response.content
        assert ApiToken.objects.get().user is None
        assert use(response.context["secret"]).status_code == 200

    @pytest.mark.parametrize("form,message", [
        ({"org": "nope", "permission": "read"}, "No organisation nope."),
        ({"org": "acme", "user": "nobody", "permission": "read"}, "No user nobody."),
        ({"org": "acme", "user": "mod", "permission": "read"}, "mod is not a member of acme."),
        ({"org": "acme", "permission": "root"}, "Select a valid choice."),
        ({"org": "acme", "permission": "read", "expires_days": "0"}, "greater than or equal"),
    ])
    def test_bad_input_is_refused_with_a_message_and_makes_nothing(self, moderator, org, form,
                                                                   message):
        response = moderator.post(ADD, form)
        assert response.status_code == 200 and message in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_the_form_is_offered(self, moderator, org):
        page = moderator.get(ADD)
        assert page.status_code == 200
        for field in ("org", "user", "permission", "projects", "expires_days", "description"):
            assert f'name="{field}"' in page.content.decode()

    def test_only_for_moderators(self, org):
        staff = UserFactory(username="staff", is_staff=True)
        client = Client()
        client.force_login(staff)
        assert client.post(ADD, {"org": "acme", "permission": "read"}).status_code == 403
        anonymous = Client().post(ADD, {"org": "acme", "permission": "read"})
        assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
        assert not ApiToken.objects.exists()


class TestTokensInTheAdmin:
    def test_revoking_goes_through_the_service(self, moderator, org):
        token, secret = token_for(org, None, "read")
        response = moderator.post("/admin/accounts/apitoken/", {
            "action": "revoke_tokens", "_selected_action": [token.pk]})
        assert response.status_code == 302
        assert use(secret).status_code in (401, 403)
        event = AuditEvent.objects.get(action="token.revoke")
        assert event.actor.username == "mod" and event.target == token.key_id

    def test_revoking_needs_the_change_permission(self, org):
        from django.contrib.auth.models import Permission

        token, secret = token_for(org, None, "read")
        viewer = UserFactory(username="viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
        client = Client()
        client.force_login(viewer)
        assert client.get("/admin/accounts/apitoken/").status_code == 200
        client.post("/admin/accounts/apitoken/", {"action": "revoke_tokens",
                                                  "_selected_action": [token.pk]})
        assert use(secret).status_code == 200

    def test_a_token_cannot_be_edited(self, moderator, org):
        token, _ = token_for(org, None, "read")
        moderator.post(f"/admin/accounts/apitoken/{token.pk}/change/",
                       {"org": org.pk, "key_id": token.key_id, "permission": "admin",
                        "projects": "[]", "description": "wider"})
        token.refresh_from_db()
        assert token.permission == "read" and token.description == ""


class TestAuditEventsInTheAdmin:
    def test_cannot_be_added_changed_or_deleted(self, moderator, org):
        token_for(org, None, "read")
        event = AuditEvent.objects.get()
        assert moderator.get("/admin/accounts/auditevent/add/").status_code == 403
        listing = moderator.get("/admin/accounts/auditevent/").content.decode()
        assert "/admin/accounts/auditevent/add/" not in listing
        moderator.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "x"})
        assert moderator.post(f"/admin/accounts/auditevent/{event.pk}/delete/",
                              {"post": "yes"}).status_code == 403
        event.refresh_from_db()
        assert event.action == "token.create"

    def test_can_be_read(self, moderator, org):
        token_for(org, None, "read")
        event = AuditEvent.objects.get()
        page = moderator.get(f"/admin/accounts/auditevent/{event.pk}/change/")
        assert page.status_code == 200 and "token.create" in page.content.decode()
