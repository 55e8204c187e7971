"""Who may see and answer an invitation: the attack first, then each rule."""

import pytest
from rest_framework.test import APIClient

from accounts import invitations
from accounts.models import Membership, User
from accounts.principals import Principal
from accounts.verification import user_email_change
from tests.factories import OrgFactory, UserFactory, member

VICTIM = "victim@example.com"
PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    return OrgFactory(slug="acme")


@pytest.fixture
def owner(org):
    return member(org, "owner", username="olive")


@pytest.fixture
def admin_invitation(org, owner):
    """An invitation of ``VICTIM`` as an org admin, and its key (from the email)."""
    return invitations.invitation_create(org=org, email=VICTIM, role="admin",
                                         principal=Principal(user=owner))


def sign_up(client, username: str, email: str):
    return client.post("/accounts/signup/", {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def answer(user, invitation, what="accept", **body):
    return api(user).post(f"/api/v1/me/invitations/{invitation.pk}/{what}/", body,
                          format="json")


def listed(user) -> list[int]:
    return [i["id"] for i in api(user).get("/api/v1/me/invitations/").json()["results"]]


@pytest.mark.django_db
class TestTakingSomeoneElsesInvitation:
    @pytest.mark.parametrize("email", [VICTIM, "Victim@Example.COM", "VICTIM@EXAMPLE.COM"])
    def test_signing_up_with_the_invitees_address_gives_nothing(self, client, settings,
                                                                  admin_invitation, email):
        settings.SIGNUP_POLICY = "open"
        invitation, _key = admin_invitation
        sign_up(client, "mallory", email)
        assert User.objects.filter(username="mallory").exists()

        response = client.get("/api/v1/me/invitations/")
        assert response.status_code == 200 and response.json()["results"] == []
        for what in ("accept", "decline"):
            response = client.post(f"/api/v1/me/invitations/{invitation.pk}/{what}/",
                                   {}, content_type="application/json")
            assert response.status_code == 404, response.json()
        assert not Membership.objects.filter(user__username="mallory").exists()
        invitation.refresh_from_db()
        assert invitation.state == "pending"

    def test_the_key_alone_opens_nothing_to_another_account(self, admin_invitation):
        invitation, key = admin_invitation
        someone = UserFactory(username="xavier", email="other@example.com")
        for what in ("accept", "decline"):
            assert answer(someone, invitation, what, key=key).status_code == 404
        assert not Membership.objects.filter(user=someone).exists()

    def test_an_unverified_address_with_the_key_opens_nothing(self, admin_invitation):
        invitation, key = admin_invitation
        squatter = UserFactory(username="mallory", email="Victim@example.com",
                               verified_email="")
        assert listed(squatter) == []
        assert answer(squatter, invitation, key=key).status_code == 404
        assert not Membership.objects.filter(user=squatter).exists()

    def test_the_verified_invitee_needs_the_key_too(self, org, admin_invitation):
        invitation, key = admin_invitation
        invitee = UserFactory(username="vic", email="Victim@Example.com")
        assert listed(invitee) == [invitation.pk]  # compared case-insensitively
        for wrong in ({}, {"key": ""}, {"key": "not-the-key"}):
            response = answer(invitee, invitation, **wrong)
            assert response.status_code == 403, response.json()
            assert "key" in response.json()["detail"]
        assert not Membership.objects.filter(user=invitee).exists()
        response = answer(invitee, invitation, key=key)
        assert response.status_code == 200, response.json()
        assert Membership.objects.get(user=invitee, org=org).role == "admin"

    def test_declining_needs_no_key_but_a_wrong_one_is_refused(self, admin_invitation):
        # Only the invitee finds the invitation (their verified address, so the email is
        # theirs), and declining grants nothing: the key proves nothing more here.
        invitation, key = admin_invitation
        invitee = UserFactory(username="vic", email=VICTIM)
        assert answer(invitee, invitation, "decline", key="not-the-key").status_code == 403
        assert answer(invitee, invitation, "decline").json()["state"] == "declined"
        assert not Membership.objects.filter(user=invitee).exists()

    def test_declining_with_the_key_works_too(self, admin_invitation):
        invitation, key = admin_invitation
        invitee = UserFactory(username="vic", email=VICTIM)
        assert answer(invitee, invitation, "decline", key=key).json()["state"] == "declined"


@pytest.mark.django_db
class TestInvitationsByUsername:
    def test_only_that_user_sees_and_answers_it(self, org, owner):
        ivy = UserFactory(username="ivy")
        eve = UserFactory(username="eve", email=ivy.email)  # the same verified address
        invitation, key = invitations.invitation_create(org=org, invitee=ivy, role="admin",
                                                        principal=Principal(user=owner))
        assert listed(eve) == []
        assert answer(eve, invitation, key=key).status_code == 404
        assert listed(ivy) == [invitation.pk]
        assert answer(ivy, invitation).status_code == 200  # the account is the address
        assert not Membership.objects.filter(user=eve).exists()

    def test_an_unverified_invitee_verifies_first(self, org, owner):
        ivy = UserFactory(username="ivy", verified_email="")
        invitation, _ = invitations.invitation_create(org=org, invitee=ivy,
                                                      principal=Principal(user=owner))
        assert listed(ivy) == [invitation.pk]
        response = answer(ivy, invitation)
        assert response.status_code == 403 and "Verify" in response.json()["detail"]
        assert not Membership.objects.filter(user=ivy).exists()


@pytest.mark.django_db
class TestAChangedAddressIsUnverified:
    def test_through_the_service(self, admin_invitation):
        invitation, _ = admin_invitation
        invitee = UserFactory(username="vic", email=VICTIM)
        user_email_change(user=invitee, email="vic@elsewhere.example",
                          principal=Principal(user=invitee))
        assert not invitee.has_verified_email and invitee.verified_email == ""
        user_email_change(user=invitee, email=VICTIM, principal=Principal(user=invitee))
        assert listed(invitee) == []

    def test_through_any_other_path(self, admin_invitation):
        invitation, _ = admin_invitation
        invitee = UserFactory(username="vic", email="vic@elsewhere.example")
        User.objects.filter(pk=invitee.pk).update(email=VICTIM)  # the admin, a shell...
        invitee.refresh_from_db()
        assert not invitee.has_verified_email
        assert listed(invitee) == []
