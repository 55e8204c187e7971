"""The teams pages: create, rename and delete a team, add and remove its members."""

import pytest

from accounts.models import AuditEvent, Team
from registry.models import ProjectGrant
from tests.factories import UserFactory
from tests.web.orgadmin import state
from tests.web.reading import messages_of, text_of

TEAMS, TEAM = "/acme/-/teams/", "/acme/-/teams/backend/"


def members_of(world, slug: str = "backend") -> list[str]:
    return sorted(Team.objects.get(org=world.org, slug=slug).members.values_list(
        "username", flat=True))


class TestList:
    def test_teams_with_their_size(self, browse):
        response = browse("member").get(TEAMS)
        assert [t.slug for t in response.context["teams"]] == ["backend"]
        assert "Backend backend 1" in text_of(response)

    def test_a_team_its_members_and_its_grants(self, browse):
        response = browse("teammate").get(TEAM)
        text = text_of(response)
        assert "Team Backend" in text and "teammate" in text
        assert "read on secret-lib" in text
        assert 'href="/acme/project/secret-lib/"' in response.content.decode()

    def test_grants_on_projects_the_reader_may_not_read_are_not_named(self, browse):
        text = text_of(browse("member").get(TEAM))  # secret-lib is restricted to backend
        assert "secret-lib" not in text and "Nothing yet" in text

    def test_an_unknown_team_or_another_orgs_is_404(self, browse, world):
        Team.objects.create(org=world.other, slug="ops", name="Ops")
        for url in ("/acme/-/teams/nope/", "/acme/-/teams/ops/", "/acme/-/teams/ops/delete/"):
            assert browse("admin").get(url).status_code == 404
            assert browse("admin").post(url, {"name": "x"}).status_code == 404
        assert Team.objects.get(slug="ops").name == "Ops"


class TestCreate:
    def test_create(self, browse, world):
        response = browse("admin").post(TEAMS, {"slug": "release", "name": "Release crew"},
                                         follow=True)
        assert response.redirect_chain == [("/acme/-/teams/release/", 302)]
        assert messages_of(response) == [
            "The team Release crew is created; add its members here."]
        assert Team.objects.get(org=world.org, slug="release").name == "Release crew"
        assert AuditEvent.objects.filter(action="team.create", target="release").exists()

    def test_the_slug_names_it_when_there_is_no_name(self, browse, world):
        browse("admin").post(TEAMS, {"slug": "ops"})
        assert Team.objects.get(org=world.org, slug="ops").name == "ops"

    @pytest.mark.parametrize(("slug", "message"), [
        ("Not A Slug", "Use 1-50 lowercase letters, digits and hyphens"),
        ("backend", "There is already a team “backend” in acme."),
        ("", "This field is required."),
    ])
    def test_refused_beside_the_field(self, browse, slug, message):
        before = state()
        response = browse("admin").post(TEAMS, {"slug": slug})
        assert response.status_code == 200
        assert message in text_of(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert state() == before

    def test_the_same_slug_in_another_org_is_fine(self, browse, world):
        Team.objects.create(org=world.other, slug="ops", name="Ops")
        browse("admin").post(TEAMS, {"slug": "ops"})
        assert Team.objects.filter(slug="ops").count() == 2


class TestRename:
    def test_rename(self, browse, world):
        response = browse("admin").post(TEAM, {"name": "Back-end people"}, follow=True)
        assert messages_of(response) == ["The team Backend is now called Back-end people."]
        assert Team.objects.get(slug="backend").name == "Back-end people"
        event = AuditEvent.objects.get(action="team.update")
        assert event.data == {"before": {"name": "Backend"}, "after": {"name": "Back-end people"}}

    def test_an_empty_name_is_refused(self, browse):
        response = browse("admin").post(TEAM, {"name": ""})
        assert response.status_code == 200 and "This field is required." in text_of(response)
        assert Team.objects.get(slug="backend").name == "Backend"


class TestMembers:
    def test_add_a_member_of_the_org(self, browse, world):
        response = browse("admin").post(TEAM + "members/", {"username": "member"}, follow=True)
        assert response.redirect_chain == [(TEAM, 302)]
        assert messages_of(response) == ["member is now in Backend."]
        assert members_of(world) == ["member", "teammate"]
        assert AuditEvent.objects.filter(action="team.member.add",
                                         target="backend member").exists()

    def test_someone_already_in_it(self, browse, world):
        before = state()
        response = browse("admin").post(TEAM + "members/", {"username": "teammate"}, follow=True)
        assert messages_of(response) == ["teammate is already in Backend."]
        assert state() == before

    @pytest.mark.parametrize("username", ["outsider", "loner", "nobody", "disabled"])
    def test_one_message_for_whoever_is_not_a_member(self, browse, world, username):
        UserFactory(username="disabled", is_active=False)
        before = state()
        response = browse("admin").post(TEAM + "members/", {"username": username})
        assert response.status_code == 200
        assert f"“{username}” is not a member of acme." in text_of(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert state() == before

    def test_remove_asks_first(self, browse, world):
        ProjectGrant.objects.create(project=world.billing, team=world.org.teams.get(),
                                    permission="upload")
        url = TEAM + "members/teammate/remove/"
        text = text_of(browse("admin").get(url))
        assert "Remove teammate from the team Backend?" in text
        assert "upload on billing" in text and "read on secret-lib" in text
        assert members_of(world) == ["teammate"]
        response = browse("admin").post(url, follow=True)
        assert messages_of(response) == ["teammate is no longer in Backend."]
        assert members_of(world) == []
        assert world.teammate.memberships.filter(org=world.org).exists()  # still in the org

    def test_removing_someone_not_in_the_team_is_404(self, browse):
        before = state()
        assert browse("admin").post(TEAM + "members/member/remove/").status_code == 404
        assert state() == before


class TestDelete:
    def test_delete_asks_first(self, browse, world):
        text = text_of(browse("admin").get(TEAM + "delete/"))
        assert "This cannot be undone." in text
        assert "teammate" in text and "read on secret-lib" in text
        assert Team.objects.filter(slug="backend").exists()

    def test_delete(self, browse, world):
        response = browse("admin").post(TEAM + "delete/", follow=True)
        assert response.redirect_chain == [(TEAMS, 302)]
        assert messages_of(response) == ["The team Backend is deleted; its grants are withdrawn."]
        assert not Team.objects.filter(org=world.org).exists()
        assert not ProjectGrant.objects.filter(project=world.secret).exists()
        event = AuditEvent.objects.get(action="team.delete")
        assert event.data == {"members": ["teammate"]}
