"""Answering the invitations the dashboard lists: accepting one sent to an email address needs
the key from the email; declining one listed there needs none; nobody answers another's."""

import pytest
from django.test import Client

from accounts import invitations
from accounts.models import AuditEvent, Invitation, Membership
from accounts.principals import Principal
from tests.factories import UserFactory
from tests.web.reading import messages_of, text_of


@pytest.fixture
def by_email(world):
    """Zeta invites the loner's address as an admin; the loner's address is verified."""
    return invitations.invitation_create(org=world.other, email="LONER@example.com",
                                         role="admin", principal=Principal(user=world.outsider))


@pytest.fixture
def by_username(world):
    invitation, _key = invitations.invitation_create(
        org=world.other, invitee=world.member, principal=Principal(user=world.outsider))
    return invitation


def accept(client, invitation, **data):
    return client.post(f"/accounts/invitations/{invitation.pk}/accept/", data, follow=True)


def decline(client, invitation, **data):
    return client.post(f"/accounts/invitations/{invitation.pk}/decline/", data, follow=True)


def state(invitation) -> str:
    invitation.refresh_from_db()
    return invitation.state


class TestByUsername:
    def test_listed_with_accept_and_decline_and_no_key_field(self, browse, by_username):
        body = browse("member").get("/").content.decode()
        assert f'action="/accounts/invitations/{by_username.pk}/accept/"' in body
        assert f'action="/accounts/invitations/{by_username.pk}/decline/"' in body
        assert 'name="key"' not in body

    def test_accepted_from_the_dashboard(self, browse, world, by_username):
        response = accept(browse("member"), by_username)
        assert response.redirect_chain == [("/zeta/", 302)]
        assert messages_of(response) == ["You joined Zeta Inc as member."]
        assert Membership.objects.get(org=world.other, user=world.member).role == "member"

    def test_declined_from_the_dashboard(self, browse, world, by_username):
        response = decline(browse("member"), by_username)
        assert response.redirect_chain == [("/", 302)]
        assert messages_of(response) == ["You declined the invitation to Zeta Inc."]
        assert state(by_username) == "declined"
        assert not Membership.objects.filter(org=world.other, user=world.member).exists()


class TestByEmail:
    def test_listed_with_a_field_for_the_link(self, browse, by_email):
        body = browse("loner").get("/").content.decode()
        invitation, _ = by_email
        assert f'<label for="invitation-key-{invitation.pk}">Link from the invitation email' \
               in body
        assert "Zeta Inc (zeta) admin outsider" in text_of(browse("loner").get("/"))

    @pytest.mark.parametrize("key", ["", "not-the-key", "/accounts/invitations/nope/"])
    def test_accepting_needs_the_key(self, browse, world, by_email, key):
        invitation, _ = by_email
        response = accept(browse("loner"), invitation, key=key)
        assert response.redirect_chain == [("/", 302)]
        assert messages_of(response)[0].startswith(("Not accepted", "Paste the link"))
        assert state(invitation) == "pending"
        assert not Membership.objects.filter(user=world.loner).exists()

    @pytest.mark.parametrize("pasted", [
        "{key}", "  {key} ", "http://testserver/accounts/invitations/{key}/",
        "https://pkgs.example.com/accounts/invitations/{key}"])
    def test_accepted_with_the_key_or_the_whole_link(self, browse, world, by_email, pasted):
        invitation, key = by_email
        response = accept(browse("loner"), invitation, key=pasted.format(key=key))
        assert response.redirect_chain == [("/zeta/", 302)]
        assert Membership.objects.get(org=world.other, user=world.loner).role == "admin"

    def test_declined_without_the_key(self, browse, world, by_email):
        invitation, _ = by_email
        decline(browse("loner"), invitation)
        assert state(invitation) == "declined"
        assert AuditEvent.objects.filter(action="invitation.decline", target="loner").exists()
        assert not Membership.objects.filter(user=world.loner).exists()


class TestNobodyElse:
    def test_another_account_gets_404_with_or_without_the_key(self, browse, world, by_email,
                                                              by_username):
        invitation, key = by_email
        client = browse("admin")  # neither the loner's address nor the member
        for found in (invitation, by_username):
            for answer in ("accept", "decline"):
                path = f"/accounts/invitations/{found.pk}/{answer}/"
                assert client.post(path, {"key": key}).status_code == 404
        assert state(invitation) == "pending" and state(by_username) == "pending"

    def test_the_same_address_unverified_sees_and_answers_nothing(self, world, by_email):
        invitation, key = by_email
        squatter = UserFactory(username="squatter", email="loner@example.com",
                               verified_email="")
        client = Client()
        client.force_login(squatter)
        assert "Invitations waiting" not in text_of(client.get("/"))
        for answer in ("accept", "decline"):
            response = client.post(f"/accounts/invitations/{invitation.pk}/{answer}/",
                                   {"key": key})
            assert response.status_code == 404
        assert state(invitation) == "pending"

    def test_an_unverified_invitee_by_username_is_sent_to_verify(self, browse, world,
                                                                 by_username):
        world.member.verified_email = ""
        world.member.save()
        client = browse("member")
        page = text_of(client.get("/"))
        assert "Verify your email address to answer them" in page
        assert "Accept" not in page
        response = accept(client, by_username)
        assert messages_of(response)[0].startswith("Not accepted: Verify your email address")
        assert state(by_username) == "pending"

    def test_an_expired_or_answered_invitation_says_so(self, browse, by_username):
        Invitation.objects.filter(pk=by_username.pk).update(status="declined")
        response = accept(browse("member"), by_username)
        assert messages_of(response) == ["Not accepted: This invitation was already declined."]

    def test_anonymous_callers_are_sent_to_log_in_and_get_is_not_an_answer(
            self, browse, by_username):
        client = browse("anonymous")
        response = client.post(f"/accounts/invitations/{by_username.pk}/accept/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client.get(f"/accounts/invitations/{by_username.pk}/accept/").status_code == 405
        assert state(by_username) == "pending"

    def test_the_forms_need_the_csrf_token(self, world, by_username):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.member)
        for answer in ("accept", "decline"):
            assert client.post(f"/accounts/invitations/{by_username.pk}/{answer}/") \
                .status_code == 403
        assert state(by_username) == "pending"
