"""The sign-up policy, and the web flow of an invitee: sign up, verify, accept."""

import re

import pytest
from django.core import mail

from accounts import invitations
from accounts.models import Membership, User
from accounts.principals import Principal
from tests.factories import OrgFactory, member
from tests.web.reading import messages_of

PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def form(username: str, email: str) -> dict:
    return {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/verify/\S+/", message.body).group(0)


def invite(email: str, role: str = "member"):
    org = OrgFactory(slug="acme")
    return invitations.invitation_create(org=org, email=email, role=role,
                                         principal=Principal(user=member(org, "owner")))


@pytest.mark.django_db
class TestClosed:
    def test_is_the_default_and_refuses_everyone_without_an_invitation(self, client):
        page = client.get("/accounts/signup/")
        assert page.status_code == 403 and b"by invitation only" in page.content
        response = client.post("/accounts/signup/", form("walker", "w@example.com"))
        assert response.status_code == 403
        assert not User.objects.filter(username="walker").exists()
        assert b"Accounts are created by invitation" in client.get("/accounts/login/").content

    def test_the_invitation_link_signs_up_its_address_only(self, client):
        invitation, key = invite("Ivy@Example.com")
        page = client.get(f"/accounts/invitations/{key}/signup/")
        assert page.status_code == 200 and b"Ivy@Example.com" in page.content
        client.post(f"/accounts/invitations/{key}/signup/", form("ivy", "mallory@example.com"))
        user = User.objects.get(username="ivy")
        assert user.email == "Ivy@example.com"  # the invited address, whatever was posted
        assert not user.has_verified_email  # until the link sent to it is followed

    def test_an_invitation_by_username_signs_nobody_up(self, client):
        org = OrgFactory(slug="acme")
        owner = member(org, "owner")
        _, key = invitations.invitation_create(org=org, invitee=member(OrgFactory(), "member"),
                                               principal=Principal(user=owner))
        client.post(f"/accounts/invitations/{key}/signup/", form("other", "o@example.com"))
        assert not User.objects.filter(username="other").exists()

    def test_an_unknown_invitation_key_is_404(self, client):
        assert client.get("/accounts/invitations/nope/signup/").status_code == 404


@pytest.mark.django_db
class TestDomains:
    @pytest.fixture(autouse=True)
    def _domains(self, settings):
        settings.SIGNUP_POLICY = "domains"
        settings.SIGNUP_ALLOWED_DOMAINS = ["example.com"]

    def test_addresses_at_listed_domains_sign_up_unverified(self, client):
        response = client.post("/accounts/signup/", form("dora", "dora@EXAMPLE.com"))
        assert response.status_code == 302
        user = User.objects.get(username="dora")
        assert not user.has_verified_email
        assert link_in(mail.outbox[-1])

    @pytest.mark.parametrize("email", ["eve@example.org", "eve@sub.example.com",
                                       "eve@example.com.evil.test"])
    def test_other_addresses_are_refused(self, client, email):
        response = client.post("/accounts/signup/", form("eve", email))
        assert response.status_code == 200 and b"Only addresses at example.com" in response.content
        assert not User.objects.filter(username="eve").exists()

    def test_an_address_change_stays_within_the_list(self, client):
        client.post("/accounts/signup/", form("dora", "dora@example.com"))
        response = client.post("/accounts/settings/", {
            "action": "change", "email": "dora@elsewhere.test", "password": PASSWORD})
        assert b"Only addresses at example.com" in response.content
        assert User.objects.get(username="dora").email == "dora@example.com"


@pytest.mark.django_db
class TestOpen:
    def test_anyone_signs_up_and_is_sent_a_link(self, client, settings):
        settings.SIGNUP_POLICY = "open"
        response = client.post("/accounts/signup/", form("otto", "otto@anywhere.test"))
        assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
        assert mail.outbox[-1].to == ["otto@anywhere.test"]
        assert b"not verified" in client.get("/accounts/settings/").content


@pytest.mark.django_db
class TestInviteeWebFlow:
    def test_invited_by_email_signs_up_verifies_and_accepts(self, client):
        invitation, key = invite("newcomer@example.com", role="admin")
        page = client.get(invitations.accept_path(key)).content.decode()
        assert f"/accounts/invitations/{key}/signup/" in page

        response = client.post(f"/accounts/invitations/{key}/signup/",
                               form("newcomer", "ignored@example.com"))
        assert response["Location"] == invitations.accept_path(key)
        page = client.get(invitations.accept_path(key)).content.decode()
        assert "Verify your email address" in page and "Accept" not in page
        refused = client.post(invitations.accept_path(key), {"answer": "accept"}, follow=True)
        assert "Verify your email address first" in messages_of(refused)[0]
        assert not Membership.objects.filter(user__username="newcomer").exists()

        verification = mail.outbox[-1]
        assert verification.to == ["newcomer@example.com"]
        followed = client.get(link_in(verification))
        assert followed["Location"] == invitations.accept_path(key)
        page = client.get(invitations.accept_path(key)).content.decode()
        assert "is verified" in page and "Accept" in page

        accepted = client.post(invitations.accept_path(key), {"answer": "accept"})
        assert accepted.status_code == 302 and accepted["Location"] == "/acme/"
        assert Membership.objects.get(user__username="newcomer").role == "admin"

    def test_an_existing_account_verifies_from_the_invitation_page(self, client):
        invitation, key = invite("old@example.com")
        client.force_login(User.objects.create_user("old", "old@example.com", PASSWORD))
        client.post(invitations.accept_path(key), {"answer": "verify"})
        client.get(link_in(mail.outbox[-1]))
        client.post(invitations.accept_path(key), {"answer": "accept"})
        assert Membership.objects.filter(user__username="old", org=invitation.org).exists()

    def test_someone_else_signed_in_is_told_whom_it_is_for(self, client):
        _, key = invite("ivy@example.com")
        client.force_login(member(OrgFactory(), "member", username="eve"))
        page = client.get(invitations.accept_path(key)).content.decode()
        assert "This invitation is for ivy@example.com" in page and "Accept" not in page
        client.post(invitations.accept_path(key), {"answer": "accept"})
        assert not Membership.objects.filter(user__username="eve", org__slug="acme").exists()
