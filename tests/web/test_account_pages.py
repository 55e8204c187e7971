import re

import pytest

from accounts import invitations
from accounts.models import Membership, User
from accounts.principals import Principal
from tests.factories import MembershipFactory, OrgFactory, UserFactory, member
from tests.web.reading import text_of


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
class TestSignup:
    def test_signup_creates_and_signs_in(self, client, settings):
        settings.SIGNUP_POLICY = "open"
        response = client.post("/accounts/signup/", {
            "username": "newbie", "email": "n@example.com",
            "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase",
            "next": "/somewhere/"})
        assert response.status_code == 302 and response["Location"] == "/somewhere/"
        assert User.objects.filter(username="newbie").exists()
        assert client.get("/api/v1/orgs/").status_code == 200

    def test_signup_is_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (2, 3600)}
        for _ in range(2):
            client.post("/accounts/signup/", {"username": "x"})
        response = client.post("/accounts/signup/", {"username": "x"})
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
class TestLogin:
    def test_login_is_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 300)}
        UserFactory(username="olive")
        codes = [client.post("/accounts/login/", {"username": "olive", "password": "nope"})
                 .status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3] == 429

    def test_login_works(self, client):
        UserFactory(username="olive")
        response = client.post("/accounts/login/", {
            "username": "olive", "password": "correct horse battery staple"})
        assert response.status_code == 302


@pytest.mark.django_db
class TestInvitationPage:
    def test_accept_from_the_email_link(self, client):
        org = OrgFactory(slug="acme")
        admin = member(org, "admin")
        _, key = invitations.invitation_create(org=org, email="i@example.com",
                                               principal=Principal(user=admin))
        invitee = UserFactory(username="ivy", email="I@example.com")
        client.force_login(invitee)
        page = client.get(f"/accounts/invitations/{key}/")
        assert b"Join" in page.content and b"acme" in page.content
        response = client.post(f"/accounts/invitations/{key}/", {"answer": "accept"})
        assert response.status_code == 302
        assert Membership.objects.get(org=org, user=invitee).role == "member"

    def test_answering_needs_sign_in(self, client):
        org = OrgFactory(slug="acme")
        _, key = invitations.invitation_create(org=org, email="i@example.com",
                                               principal=Principal(user=member(org, "admin")))
        page = client.get(f"/accounts/invitations/{key}/").content.decode()
        assert f"/accounts/login/?next=/accounts/invitations/{key}/" in page
        assert f"/accounts/invitations/{key}/signup/" in page
        assert "Accept" not in page
        client.post(f"/accounts/invitations/{key}/", {"answer": "accept"})
        assert not Membership.objects.filter(org=org).exclude(role="admin").exists()

    def test_unknown_key_is_404(self, client):
        client.force_login(UserFactory())
        assert client.get("/accounts/invitations/whatever/").status_code == 404


class TestTheSettingsPage:
    def test_my_orgs_with_my_role_and_teams(self, browse, world):
        MembershipFactory(org=world.other, user=world.teammate, role="admin")
        response = browse("teammate").get("/accounts/settings/")
        text = text_of(response)
        assert "Acme Corp (acme) member Backend" in text
        assert "Zeta Inc (zeta) admin none" in text
        body = response.content.decode()
        assert 'href="/acme/"' in body and 'href="/zeta/"' in body

    def test_someone_in_no_org_is_told_how_to_join(self, browse):
        assert "not a member of any organisation yet" in text_of(
            browse("loner").get("/accounts/settings/"))

    def test_links_to_the_password_and_the_tokens(self, browse):
        body = browse("member").get("/accounts/settings/").content.decode()
        main = body[body.index("<main"):]
        assert 'href="/accounts/password_change/"' in main
        assert 'href="/accounts/tokens/"' in main
        assert 'href="/accounts/settings/" aria-current="page"' in body

    def test_the_address_and_whether_it_is_verified(self, browse, world):
        assert "member@example.com verified" in text_of(browse("member").get(
            "/accounts/settings/"))
        world.member.verified_email = ""
        world.member.save()
        page = text_of(browse("member").get("/accounts/settings/"))
        assert "member@example.com not verified" in page
        assert "Send me the verification link again" in page


class TestOneStyle:
    @pytest.mark.parametrize(("person", "path"), [
        ("anonymous", "/accounts/signup/"), ("anonymous", "/accounts/verify/bad/"),
        ("member", "/accounts/settings/"), ("member", "/accounts/tokens/"),
        ("member", "/accounts/tokens/new/")])
    def test_every_account_page_extends_the_base(self, browse, person, path):
        body = browse(person).get(path).content.decode()
        assert '<link rel="stylesheet" href="/static/web/wheelhouse.css">' in body
        assert '<a class="skip-link" href="#main">' in body

    def test_sign_up_errors_are_shown_beside_their_fields(self, browse, settings):
        settings.SIGNUP_POLICY = "open"
        response = browse("anonymous").post("/accounts/signup/", {
            "username": "member", "email": "not-an-address", "password1": "x",
            "password2": "y"})
        body = response.content.decode()
        assert re.search(r'<ul class="errorlist" id="id_username_error">', body)
        assert re.search(r'<ul class="errorlist" id="id_email_error">', body)
        assert 'aria-invalid="true"' in body
