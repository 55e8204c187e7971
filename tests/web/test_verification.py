"""Email verification: a signed link, valid for a day, for the address it was sent to."""

import re
import time

import pytest
from django.core import mail, signing

from accounts.models import AuditEvent
from accounts.verification import SALT, verification_link, verify_path
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nina", email="nina@example.com", verified_email="")


def signed_at(seconds_ago: int, payload: dict) -> str:
    """A link token signed ``seconds_ago`` (as one sent then would be)."""
    class Then(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - seconds_ago)

    return Then(salt=SALT).sign_object(payload)


def refresh(user):
    user.refresh_from_db()
    return user


@pytest.mark.django_db
class TestTheLink:
    def test_following_it_verifies_the_address_once(self, client, newcomer):
        client.force_login(newcomer)
        response = client.get(verification_link(newcomer))
        assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
        assert refresh(newcomer).has_verified_email
        assert newcomer.email_verified_at is not None
        client.get(verification_link(newcomer))
        events = AuditEvent.objects.filter(action="user.email.verify")
        assert [(e.target, e.data["email"]) for e in events] == [("nina", "nina@example.com")]

    def test_it_works_without_a_session_and_then_asks_to_log_in(self, client, newcomer):
        response = client.get(verification_link(newcomer, next_path="/accounts/invitations/k/"))
        assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Finvitations%2Fk%2F"
        assert refresh(newcomer).has_verified_email

    def test_it_expires_after_a_day(self, client, newcomer):
        payload = {"user": newcomer.pk, "email": newcomer.email, "next": ""}
        response = client.get(verify_path(signed_at(25 * 3600, payload)))
        assert response.status_code == 400 and b"expired" in response.content
        assert not refresh(newcomer).has_verified_email
        assert client.get(verify_path(signed_at(23 * 3600, payload))).status_code == 302
        assert refresh(newcomer).has_verified_email

    def test_a_tampered_link_is_refused(self, client, newcomer):
        other = UserFactory(username="otto", email="otto@example.com", verified_email="")
        token = verification_link(newcomer).split("/")[-2]
        forged = signing.dumps({"user": other.pk, "email": other.email, "next": ""},
                               salt="another-purpose")
        for bad in (token[:-2] + "xx", forged):
            assert client.get(verify_path(bad)).status_code == 400
        assert not refresh(other).has_verified_email and not refresh(newcomer).has_verified_email

    def test_a_link_to_an_old_address_is_dead(self, client, newcomer):
        link = verification_link(newcomer)
        newcomer.email = "nina@elsewhere.test"
        newcomer.save()
        response = client.get(link)
        assert response.status_code == 400 and b"no longer" in response.content
        assert not refresh(newcomer).has_verified_email

    def test_it_leads_only_to_this_site(self, client, newcomer):
        client.force_login(newcomer)
        for away in ("https://evil.test/", "//evil.test/"):
            response = client.get(verification_link(newcomer, next_path=away))
            assert response["Location"] == "/accounts/settings/"


@pytest.mark.django_db
class TestTheSettingsPage:
    def test_a_new_address_needs_the_password_and_is_unverified(self, client):
        user = UserFactory(username="vera", email="vera@example.com")
        client.force_login(user)
        wrong = client.post("/accounts/settings/", {
            "action": "change", "email": "vera@new.test", "password": "nope"})
        assert b"not your password" in wrong.content
        assert refresh(user).email == "vera@example.com" and user.has_verified_email

        client.post("/accounts/settings/", {
            "action": "change", "email": "vera@new.test", "password": PASSWORD})
        assert refresh(user).email == "vera@new.test" and not user.has_verified_email
        assert user.verified_email == "" and user.email_verified_at is None
        assert mail.outbox[-1].to == ["vera@new.test"]
        client.get(re.search(r"http\S+/accounts/verify/\S+/", mail.outbox[-1].body).group(0))
        assert refresh(user).has_verified_email
        assert AuditEvent.objects.filter(action="user.email.change", target="vera").exists()

    def test_the_link_is_sent_again_on_request_within_a_limit(self, client, settings,
                                                              newcomer):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verification_email": (2, 3600)}
        client.force_login(newcomer)
        for _ in range(3):
            page = client.post("/accounts/settings/", {"action": "resend"}, follow=True)
        assert len(mail.outbox) == 2
        assert b"No link was sent" in page.content

    def test_needs_sign_in(self, client):
        response = client.get("/accounts/settings/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
