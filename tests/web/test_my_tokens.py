"""``/accounts/tokens/``: a person's own tokens, created (shown once), listed and revoked."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import invitations
from accounts.models import ApiToken, Membership, User
from accounts.principals import Principal
from registry.models import ProjectGrant
from tests.conftest import basic_auth
from tests.factories import MembershipFactory, token_for
from tests.web.reading import messages_of, text_of

NEW = "/accounts/tokens/new/"


def create(client, org="acme", **data):
    form = {"permission": "read", "scope": "org", "expires_days": "30", "description": ""}
    return client.post(f"{NEW}?org={org}", form | data)


def shown_token(response) -> str:
    return re.search(r'<code id="new-token" class="digest">(whk_[\w-]+)</code>',
                     response.content.decode())[1]


def reads(token: str, client: Client, project: str = "billing") -> int:
    return client.get(f"/acme/simple/{project}/", **basic_auth(token)).status_code


class TestOnlyForSignedInPeople:
    @pytest.mark.parametrize("path", ["/accounts/tokens/", NEW, "/accounts/tokens/abc/revoke/",
                                      "/accounts/settings/"])
    def test_anonymous_visitors_are_sent_to_log_in(self, browse, path):
        response = browse("anonymous").get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"

    def test_a_token_is_not_a_session(self, browse, world):
        _, plaintext = token_for(world.org, world.admin, "admin")
        client = browse("anonymous")
        for path in ("/accounts/tokens/", NEW, "/accounts/settings/"):
            assert client.get(path, **basic_auth(plaintext)).status_code == 302
        response = create(client, permission="read", HTTP_AUTHORIZATION=basic_auth(plaintext)
                          ["HTTP_AUTHORIZATION"])
        assert response.status_code == 302
        assert ApiToken.objects.count() == 1


class TestTheList:
    def test_my_tokens_in_every_org_and_nobody_elses(self, browse, world):
        MembershipFactory(org=world.other, user=world.member)
        mine, _ = token_for(world.org, world.member, "read", projects=["billing"])
        ApiToken.objects.filter(pk=mine.pk).update(
            last_used_at=timezone.now(), last_used_ip="192.0.2.7", description="laptop")
        elsewhere, _ = token_for(world.other, world.member, "upload", expires_days=7)
        theirs, _ = token_for(world.org, world.admin, "admin")
        org_owned, _ = token_for(world.org, None, "upload")
        response = browse("member").get("/accounts/tokens/")
        assert {t.key_id for t in response.context["tokens"]} == {mine.key_id, elsewhere.key_id}
        text = text_of(response)
        assert f"laptop whk_{mine.key_id}_… acme billing read never" in text
        assert "from 192.0.2.7" in text
        assert f"whk_{elsewhere.key_id}_… zeta whole organisation upload" in text
        assert theirs.key_id not in text and org_owned.key_id not in text

    def test_revoked_and_expired_ones_are_marked_and_offer_no_revoke(self, browse, world):
        revoked, _ = token_for(world.org, world.member, "read")
        expired, _ = token_for(world.org, world.member, "read")
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
        ApiToken.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(days=1))
        body = browse("member").get("/accounts/tokens/").content.decode()
        assert "revoked" in body and "expired" in body
        assert f"/accounts/tokens/{revoked.key_id}/revoke/" not in body
        assert f"/accounts/tokens/{expired.key_id}/revoke/" not in body


class TestChoosingTheOrg:
    def test_someone_in_one_org_goes_straight_to_the_form(self, browse):
        response = browse("member").get(NEW)
        assert response.context["chosen_org"].slug == "acme"

    def test_someone_in_several_chooses(self, browse, world):
        MembershipFactory(org=world.other, user=world.member)
        page = browse("member").get(NEW)
        assert "chosen_org" not in page.context
        assert re.findall(r'<option value="(\w+)"', page.content.decode()) == ["acme", "zeta"]
        assert browse("member").get(f"{NEW}?org=zeta").context["chosen_org"].slug == "zeta"

    def test_someone_in_no_org_is_told_why_there_is_no_form(self, browse):
        page = browse("loner").get(NEW)
        assert "You are not a member of any organisation" in text_of(page)
        assert create(browse("loner")).status_code == 400
        assert not ApiToken.objects.exists()

    def test_an_org_i_left_is_no_longer_offered(self, browse, world):
        MembershipFactory(org=world.other, user=world.member)
        Membership.objects.filter(org=world.org, user=world.member).delete()
        client = browse("member")
        assert client.get(NEW).context["chosen_org"].slug == "zeta"  # the one left
        asked = client.get(f"{NEW}?org=acme")
        assert "You are not a member of an organisation “acme”" in text_of(asked)
        assert re.findall(r'<option value="(\w+)"', asked.content.decode()) == ["zeta"]
        refused = create(client, org="acme")
        assert refused.status_code == 400 and "chosen_org" not in refused.context
        assert not ApiToken.objects.exists()

    def test_another_orgs_name_gets_the_chooser_and_nothing_is_made(self, browse, world):
        response = create(browse("member"), org="zeta")
        assert response.status_code == 400
        assert "You are not a member of an organisation “zeta”" in text_of(response)
        assert not ApiToken.objects.exists()


class TestCreating:
    def test_shown_once_in_the_answer_to_the_post_never_kept(self, browse, world):
        client = browse("member")
        response = create(client, description="laptop")
        assert response.status_code == 200
        plaintext = shown_token(response)
        token = ApiToken.objects.get(user=world.member)
        assert plaintext.startswith(f"whk_{token.key_id}_") and token.description == "laptop"
        assert "no-store" in response["Cache-Control"]
        assert messages_of(response) == []
        assert plaintext not in str(dict(client.session))
        for path in ("/accounts/tokens/", NEW, "/"):
            assert plaintext not in client.get(path).content.decode()
        assert reads(plaintext, Client()) == 200

    def test_whole_org_read_with_an_expiry(self, browse, world):
        create(browse("member"), expires_days="7")
        token = ApiToken.objects.get(user=world.member)
        assert (token.permission, token.projects, token.user) == ("read", [], world.member)
        assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
        create(browse("member"), expires_days="")
        assert ApiToken.objects.filter(user=world.member, expires_at__isnull=True).exists()

    def test_scoped_to_projects_i_read(self, browse, world):
        response = create(browse("uploader"), scope="projects", projects=["billing"],
                          permission="upload")
        token = ApiToken.objects.get(user=world.uploader)
        assert (token.permission, token.projects) == ("upload", ["billing"])
        assert reads(shown_token(response), Client(), "open-lib") == 200  # public anyway
        assert reads(shown_token(response), Client(), "secret-lib") in (401, 404)

    def test_projects_scope_needs_a_project(self, browse, world):
        response = create(browse("member"), scope="projects")
        assert response.status_code == 400
        assert "Choose at least one project" in text_of(response)
        assert not ApiToken.objects.exists()

    def test_the_snippets_carry_the_site_url_or_the_requests_host(self, browse, settings):
        body = create(browse("member")).content.decode()
        assert "http://__token__:whk_" in body and "@testserver/acme/simple/" in body
        settings.SITE_URL = "https://pkgs.example.com/"
        body = create(browse("member")).content.decode()
        assert "@pkgs.example.com/acme/simple/" in body
        assert "testserver" not in body

    def test_upload_configuration_only_for_a_token_that_uploads(self, browse):
        read = create(browse("uploader")).content.decode()
        upload = create(browse("uploader"), permission="upload").content.decode()
        assert "/acme/legacy/" not in read and 'id="pypirc"' not in read
        assert "repository = http://testserver/acme/legacy/" in upload


class TestNeverMoreThanIHold:
    def permissions_offered(self, response) -> list[str]:
        return re.findall(r'name="permission" value="(\w+)"', response.content.decode())

    @pytest.mark.parametrize(("person", "offered"), [
        ("owner", ["read", "upload", "admin"]), ("admin", ["read", "upload", "admin"]),
        ("member", ["read", "upload"]), ("uploader", ["read", "upload"])])
    def test_what_is_offered(self, browse, person, offered):
        assert self.permissions_offered(browse(person).get(NEW)) == offered

    def test_a_member_where_members_create_no_projects_is_offered_what_grants_give(
            self, browse, world):
        world.org.members_can_create_projects = False
        world.org.save()
        assert self.permissions_offered(browse("member").get(NEW)) == ["read"]
        assert self.permissions_offered(browse("uploader").get(NEW)) == ["read", "upload"]
        ProjectGrant.objects.create(project=world.public, user=world.member, permission="admin")
        assert self.permissions_offered(browse("member").get(NEW)) == \
            ["read", "upload", "admin"]

    def test_a_member_cannot_make_an_admin_token(self, browse):
        response = create(browse("member"), permission="admin")
        assert response.status_code == 400
        assert "admin is not one of the available choices" in text_of(response)
        assert not ApiToken.objects.exists()

    def test_nor_more_than_they_hold_on_the_chosen_projects(self, browse, world):
        response = create(browse("uploader"), scope="projects", projects=["open-lib"],
                          permission="upload")
        assert response.status_code == 400
        error = re.search(r'<ul class="errorlist" id="id_permission_error">(.*?)</ul>',
                          response.content.decode(), re.S)
        assert "You hold at most &#x27;read&#x27; on the chosen projects" in error[1]
        assert not ApiToken.objects.exists()

    def test_only_projects_i_may_read_are_offered_or_taken(self, browse, world):
        page = browse("member").get(NEW).content.decode()
        assert 'value="billing"' in page and 'value="secret-lib"' not in page
        assert 'value="secret-lib"' in browse("teammate").get(NEW).content.decode()
        response = create(browse("member"), scope="projects", projects=["secret-lib"])
        assert response.status_code == 400 and "secret-lib is not one of" in text_of(response)
        assert not ApiToken.objects.exists()


class TestRevoking:
    def test_asks_first_then_revokes_it_and_what_it_made(self, browse, world):
        token, plaintext = token_for(world.org, world.member, "read")
        child, child_plaintext = token_for(world.org, world.member, "read")
        ApiToken.objects.filter(pk=child.pk).update(parent=token)
        client = browse("member")
        page = client.get(f"/accounts/tokens/{token.key_id}/revoke/")
        assert "cannot be undone" in text_of(page) and child.key_id in text_of(page)
        assert reads(plaintext, Client()) == 200
        done = client.post(f"/accounts/tokens/{token.key_id}/revoke/", follow=True)
        assert messages_of(done) == [f"Token {token.key_id} (acme) is revoked, and 1 token "
                                     "created with it: it no longer works."]
        assert reads(plaintext, Client()) == 403 and reads(child_plaintext, Client()) == 403

    @pytest.mark.parametrize("owner", ["admin", None])
    def test_another_ones_token_is_404_like_an_unknown_one(self, browse, world, owner):
        theirs, plaintext = token_for(world.org, getattr(world, owner) if owner else None,
                                      "admin")
        client = browse("member")
        for path in (f"/accounts/tokens/{theirs.key_id}/revoke/", "/accounts/tokens/nope/revoke/"):
            assert client.get(path).status_code == 404
            assert client.post(path).status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None and reads(plaintext, Client()) == 200

    def test_an_owner_revokes_only_their_own_here_too(self, browse, world):
        members, _ = token_for(world.org, world.member, "read")
        assert browse("owner").post(f"/accounts/tokens/{members.key_id}/revoke/") \
            .status_code == 404
        members.refresh_from_db()
        assert members.revoked_at is None


class TestCsrf:
    @pytest.fixture
    def strict(self, world):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.member)
        return client

    def test_every_form_of_these_pages_needs_the_csrf_token(self, strict, world):
        token, _ = token_for(world.org, world.member, "read")
        assert create(strict).status_code == 403
        assert strict.post(f"/accounts/tokens/{token.key_id}/revoke/").status_code == 403
        assert strict.post("/accounts/settings/", {
            "action": "change", "email": "new@example.com",
            "password": "correct horse battery staple"}).status_code == 403
        assert ApiToken.objects.count() == 1
        token.refresh_from_db()
        world.member.refresh_from_db()
        assert token.revoked_at is None and world.member.email == "member@example.com"

    def test_sign_up_and_the_invitation_page_need_it_too(self, world, settings):
        settings.SIGNUP_POLICY = "open"
        _, key = invitations.invitation_create(org=world.other, invitee=world.member,
                                               principal=Principal(user=world.outsider))
        anonymous = Client(enforce_csrf_checks=True)
        assert anonymous.post("/accounts/signup/", {
            "username": "newbie", "email": "n@example.com", "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1"}).status_code == 403
        assert not User.objects.filter(username="newbie").exists()
        member = Client(enforce_csrf_checks=True)
        member.force_login(world.member)
        assert member.post(f"/accounts/invitations/{key}/", {"answer": "accept"}) \
            .status_code == 403
        assert not Membership.objects.filter(org=world.other, user=world.member).exists()
