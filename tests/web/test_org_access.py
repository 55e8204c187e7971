"""Who may open and use each org administration page: the same decision as the API.

Whoever may not read the org gets the unknown org's 404; a plain member reads the members
and the teams but gets 403 for everything else, and a forged form changes nothing; owner
matters are for owners only.
"""

import pytest

from accounts import services as account_services
from accounts.principals import Principal
from registry import services
from tests.conftest import basic_auth
from tests.factories import token_for
from tests.web.orgadmin import MEMBER_PAGES, POSTS, Admin, admin_objects, state, urls
from tests.web.reading import text_of

WITHOUT_FORMS = ("members", "audit")


@pytest.fixture
def admin_world(world) -> Admin:
    return admin_objects(world)


def unknown_org(url: str) -> str:
    return url.replace("/acme/", "/nope/", 1)


class TestWhoMayNotReadTheOrg:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_every_page_is_the_unknown_orgs_404(self, browse, admin_world, name):
        before = state()
        for page, url in urls(admin_world).items():
            hidden, unknown = browse(name).get(url), browse(name).get(unknown_org(url))
            assert hidden.status_code == unknown.status_code == 404, page
            assert hidden.content == unknown.content, page
            posted = browse(name).post(url, POSTS[page])
            assert posted.status_code == 404, page
        assert state() == before

    def test_a_removed_members_session_gets_404(self, client, world, admin_world):
        client.force_login(world.member)
        assert client.get("/acme/-/members/").status_code == 200
        services.member_remove(org=world.org, user=world.member,
                               principal=Principal(user=world.owner))
        before = state()
        for page, url in urls(admin_world).items():
            assert client.get(url).status_code == 404, page
            assert client.post(url, POSTS[page]).status_code == 404, page
        assert state() == before


class TestAPlainMember:
    def test_reads_members_and_teams_without_a_single_control(self, browse, admin_world):
        for page in MEMBER_PAGES:
            response = browse("member").get(urls(admin_world)[page])
            assert response.status_code == 200, page
            body = response.content.decode()
            assert 'method="post" action="/acme/' not in body, page
            assert "<form method=\"post\">" not in body, page
            for control in ("Change role", "Remove", "Invite", "Create the team", "Rename",
                            "Delete", "Withdraw", "Send again"):
                assert control not in text_of(response), (page, control)

    def test_sees_no_pending_invitation_nor_addresses(self, browse, admin_world):
        text = text_of(browse("member").get("/acme/-/members/"))
        assert "new@example.com" not in text and "owner@example.com" not in text
        assert "owner" in text and "teammate" in text  # the members and roles are there

    def test_every_other_page_is_403(self, browse, admin_world):
        for page, url in urls(admin_world).items():
            if page not in MEMBER_PAGES:
                response = browse("member").get(url)
                assert response.status_code == 403, page
                assert "Nothing was changed" in text_of(response)

    def test_a_forged_post_is_403_and_changes_nothing(self, browse, admin_world):
        before = state()
        for page, url in urls(admin_world).items():
            if page in WITHOUT_FORMS:
                continue
            response = browse("member").post(url, POSTS[page])
            assert response.status_code == 403, page
            assert "Nothing was changed" in text_of(response), page
        assert state() == before

    def test_pages_without_forms_take_no_post(self, browse, admin_world):
        before = state()
        for page in WITHOUT_FORMS:
            assert browse("admin").post(urls(admin_world)[page]).status_code == 405
        assert state() == before

    def test_their_own_token_opens_nothing_more(self, client, world, admin_world):
        _, secret = token_for(world.org, world.member, permission="admin")
        before = state()
        for page, url in urls(admin_world).items():
            expected = 200 if page in MEMBER_PAGES else 403
            assert client.get(url, **basic_auth(secret)).status_code == expected, page
            if page not in WITHOUT_FORMS:
                assert client.post(url, POSTS[page], **basic_auth(secret)).status_code == 403
        assert state() == before


class TestTokens:
    def test_a_token_scoped_to_a_project_manages_nothing(self, client, world, admin_world):
        _, secret = token_for(world.org, world.admin, permission="admin", projects=["billing"])
        before = state()
        for page, url in urls(admin_world).items():
            assert client.get(url, **basic_auth(secret)).status_code == 403, page
            if page not in WITHOUT_FORMS:
                assert client.post(url, POSTS[page], **basic_auth(secret)).status_code == 403
        assert state() == before

    def test_another_orgs_token_is_the_unknown_orgs_404(self, client, world, admin_world):
        _, secret = token_for(world.other, None, permission="admin")
        for page, url in urls(admin_world).items():
            assert client.get(url, **basic_auth(secret)).status_code == 404, page


class TestAdminsAndOwners:
    @pytest.mark.parametrize("name", ["admin", "owner"])
    def test_every_page_opens(self, browse, admin_world, name):
        for page, url in urls(admin_world).items():
            assert browse(name).get(url).status_code == 200, page

    def test_an_admin_cannot_touch_an_owner(self, browse, world, admin_world):
        before = state()
        refused = [
            ("/acme/-/members/member/role/", {"role": "owner"}),
            ("/acme/-/members/owner/role/", {"role": "member"}),
            ("/acme/-/members/owner/remove/", {}),
            ("/acme/-/members/invite/", {"email": "boss@example.com", "role": "owner"}),
        ]
        for url, data in refused:
            response = browse("admin").post(url, data)
            assert response.status_code == 403, url
            assert "Only owners invite, make, change or remove owners" in text_of(response)
        for url in ("/acme/-/members/owner/role/", "/acme/-/members/owner/remove/"):
            assert browse("admin").get(url).status_code == 403
        assert state() == before

    def test_an_admin_is_not_offered_the_owner_role(self, browse, admin_world):
        body = browse("admin").get("/acme/-/members/").content.decode()
        assert '<option value="owner"' not in body
        assert "Only owners change owners" in text_of(browse("admin").get("/acme/-/members/"))

    def test_an_owner_is(self, browse, admin_world):
        body = browse("owner").get("/acme/-/members/").content.decode()
        assert '<option value="owner"' in body

    def test_an_admin_cannot_resend_an_owners_invitation(self, browse, world, admin_world):
        from accounts import invitations

        invitation, _ = invitations.invitation_create(
            org=world.org, email="boss@example.com", role="owner",
            principal=Principal(user=world.owner))
        before = state()
        url = f"/acme/-/members/invitations/{invitation.pk}/resend/"
        assert browse("admin").post(url).status_code == 403
        assert state() == before
        assert browse("owner").post(url).status_code == 302

    def test_an_admin_demoted_meanwhile_is_refused(self, browse, world, admin_world):
        client = browse("admin")
        account_services.membership_set(org=world.org, user=world.admin, role="member",
                                        principal=Principal(user=world.owner))
        before = state()
        assert client.post("/acme/-/teams/", POSTS["teams"]).status_code == 403
        assert client.get("/acme/-/tokens/").status_code == 403
        assert state() == before
