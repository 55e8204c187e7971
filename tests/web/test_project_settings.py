"""A project's settings page (``/{org}/project/{project}/settings/``): visibility, restriction,
the per-file size limit, the PEP 792 status and the grants, through the same services and
the same decision as the API. Every person the decision tells apart is tried on every page
and every form."""

import pytest

from accounts.models import AuditEvent
from registry.models import Project, ProjectGrant
from tests.factories import TeamFactory, member
from tests.web.reading import messages_of, text_of

MIB = 1024 * 1024
SETTINGS = "/acme/project/billing/settings/"
STATUS = SETTINGS + "status/"
TEAM_GRANT, USER_GRANT = SETTINGS + "grants/team/", SETTINGS + "grants/user/"


@pytest.fixture
def keeper(world):
    """A plain member of acme with an admin grant on billing (and nothing else)."""
    user = member(world.org, username="keeper")
    ProjectGrant.objects.create(project=world.billing, user=user, permission="admin")
    return user


@pytest.fixture
def ops(world):
    team = TeamFactory(org=world.org, slug="ops", name="Operations")
    team.members.add(world.member)
    return team


def grant_urls(world) -> list[str]:
    grant = world.billing.grants.get(user=world.uploader)
    return [f"{SETTINGS}grants/{grant.pk}/", f"{SETTINGS}grants/{grant.pk}/remove/"]


def every_url(world) -> list[str]:
    return [SETTINGS, STATUS, TEAM_GRANT, USER_GRANT, *grant_urls(world)]


FORGED = {"visibility": "public", "restricted": "on", "max_file_size": "1", "status": "archived",
          "status_reason": "x", "team-team": "backend", "team-permission": "admin",
          "user-username": "member", "user-permission": "admin", "permission": "admin"}


def state(world) -> tuple:
    """What any of these forms could change."""
    projects = list(Project.objects.order_by("pk").values_list(
        "visibility", "restricted", "max_file_size", "status", "status_reason"))
    grants = list(ProjectGrant.objects.order_by("pk").values_list(
        "project_id", "team_id", "user_id", "permission"))
    return projects, grants, AuditEvent.objects.count()


class TestRefused:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_may_not_read_gets_404_and_changes_nothing(self, browse, world, name):
        before = state(world)
        for url in every_url(world):
            assert browse(name).get(url).status_code == 404, url
            assert browse(name).post(url, FORGED).status_code == 404, url
        assert state(world) == before

    def test_the_404_is_the_unknown_projects(self, browse):
        hidden = browse("outsider").get(SETTINGS)
        unknown = browse("outsider").get("/acme/project/nope/settings/")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.content == unknown.content

    @pytest.mark.parametrize("name", ["member", "uploader"])
    def test_a_reader_gets_403_and_a_forged_post_changes_nothing(self, browse, world, name):
        before = state(world)
        for url in every_url(world):
            assert browse(name).get(url).status_code in (403, 405), url
            post = browse(name).post(url, FORGED)
            assert post.status_code == 403, url
            assert "Nothing was changed" in text_of(post)
        assert state(world) == before

    def test_a_restricted_project_is_404_to_a_member_outside_its_grants(self, browse, world):
        before = state(world)
        for url in ("/acme/project/secret-lib/settings/",
                    "/acme/project/secret-lib/settings/status/"):
            assert browse("member").get(url).status_code == 404
            assert browse("member").post(url, FORGED).status_code == 404
        assert browse("teammate").get("/acme/project/secret-lib/settings/").status_code == 403
        assert state(world) == before

    def test_a_project_admin_manages_that_project_only(self, client, world, keeper):
        client.force_login(keeper)
        assert client.get(SETTINGS).status_code == 200
        assert client.get("/acme/project/open-lib/settings/").status_code == 403
        assert client.get("/acme/project/secret-lib/settings/").status_code == 404
        before = state(world)
        assert client.post("/acme/project/open-lib/settings/status/",
                           {"status": "archived"}).status_code == 403
        assert state(world) == before

    def test_anonymous_readers_of_a_public_project_are_refused(self, browse, world):
        before = state(world)
        assert browse("anonymous").get("/acme/project/open-lib/settings/").status_code == 403
        assert browse("anonymous").post("/acme/project/open-lib/settings/",
                                        FORGED).status_code == 403
        assert state(world) == before


class TestPage:
    @pytest.mark.parametrize("name", ["admin", "owner"])
    def test_org_admins_see_every_section(self, browse, name):
        response = browse(name).get(SETTINGS)
        assert response.status_code == 200
        text = text_of(response)
        for heading in ("Visibility and access", "Status", "Grants", "Danger zone"):
            assert heading in text, heading
        body = response.content.decode()
        assert 'href="/acme/project/billing/delete/"' in body
        assert "user uploader" in text and "upload" in text

    def test_the_project_page_links_to_it_for_those_who_manage(self, browse, client, keeper):
        assert 'href="/acme/project/billing/settings/"' in browse("admin").get(
            "/acme/project/billing/").content.decode()
        for name in ("member", "uploader"):
            assert "/acme/project/billing/settings/" not in browse(name).get(
                "/acme/project/billing/").content.decode()
        client.force_login(keeper)
        assert 'href="/acme/project/billing/settings/"' in client.get(
            "/acme/project/billing/").content.decode()

    def test_a_settings_page_is_not_a_release(self, browse):
        assert browse("admin").get(SETTINGS).context["project"].name == "billing"
        assert browse("admin").get("/acme/project/billing/2.0/").status_code == 200


class TestSettingsForm:
    def test_visibility_restriction_and_limit(self, browse, world):
        response = browse("admin").post(SETTINGS, {
            "visibility": "public", "restricted": "on", "max_file_size": "20"}, follow=True)
        assert response.redirect_chain == [(SETTINGS, 302)]
        assert messages_of(response) == ["The settings of billing are saved."]
        world.billing.refresh_from_db()
        assert (world.billing.visibility, world.billing.restricted,
                world.billing.max_file_size) == ("public", True, 20 * MIB)
        event = AuditEvent.objects.get(action="project.update")
        assert event.actor == world.admin
        assert event.data["after"] == {"visibility": "public", "restricted": True,
                                       "max_file_size": 20 * MIB}

    def test_only_what_changed_is_saved(self, browse, world):
        browse("admin").post(SETTINGS, {"visibility": "private", "max_file_size": ""})
        assert not AuditEvent.objects.filter(action="project.update").exists()

    def test_an_empty_limit_goes_back_to_the_orgs(self, browse, world):
        world.billing.max_file_size = 3 * MIB
        world.billing.save()
        page = browse("admin").get(SETTINGS)
        assert page.context["settings_form"]["max_file_size"].value() == 3
        browse("admin").post(SETTINGS, {"visibility": "private", "max_file_size": ""})
        world.billing.refresh_from_db()
        assert world.billing.max_file_size is None

    def test_a_limit_over_the_cap_is_refused_beside_the_field(self, browse, world, settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 64 * MIB
        before = state(world)
        response = browse("admin").post(SETTINGS, {"visibility": "public",
                                                    "max_file_size": "65"})
        assert response.status_code == 200
        assert ("A file size limit must be more than 0 and at most 64 MiB, this instance's "
                "cap.") in text_of(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert state(world) == before
        assert response.context["project"].visibility == "private"  # as stored

    def test_an_unknown_visibility_is_refused(self, browse, world):
        before = state(world)
        response = browse("admin").post(SETTINGS, {"visibility": "everyone"})
        assert "Select a valid choice" in text_of(response)
        assert state(world) == before

    def test_a_project_admin_saves(self, client, world, keeper):
        client.force_login(keeper)
        client.post(SETTINGS, {"visibility": "internal"})
        world.billing.refresh_from_db()
        assert world.billing.visibility == "internal"


class TestStatus:
    def test_archive_then_unarchive(self, browse, world):
        response = browse("admin").post(STATUS, {"status": "archived",
                                                 "status_reason": "replaced by ledger"},
                                        follow=True)
        assert response.redirect_chain == [(SETTINGS, 302)]
        assert messages_of(response) == [
            "billing is archived: it accepts no new uploads, and installers see its status."]
        world.billing.refresh_from_db()
        assert (world.billing.status, world.billing.status_reason) == (
            "archived", "replaced by ledger")
        assert "This project is archived: replaced by ledger." in text_of(
            browse("member").get("/acme/project/billing/"))
        response = browse("admin").post(STATUS, {"status": "active"}, follow=True)
        assert messages_of(response) == ["billing is active again."]
        world.billing.refresh_from_db()
        assert (world.billing.status, world.billing.status_reason) == ("active", "")

    def test_quarantine_cannot_be_chosen_nor_lifted(self, browse, world):
        before = state(world)
        response = browse("admin").post(STATUS, {"status": "quarantined"})
        assert "Select a valid choice" in text_of(response)
        assert state(world) == before
        world.billing.status = "quarantined"
        world.billing.save()
        before = state(world)
        page = browse("admin").get(SETTINGS)
        assert "quarantined by the instance's moderators" in text_of(page)
        assert 'name="status"' not in page.content.decode()
        response = browse("admin").post(STATUS, {"status": "active"})
        assert ("Only the instance's moderators quarantine a project or lift a quarantine."
                in text_of(response))
        assert state(world) == before


class TestGrants:
    def test_grant_a_team_upload(self, browse, world, ops):
        response = browse("admin").post(TEAM_GRANT, {"team-team": "ops",
                                                     "team-permission": "upload"}, follow=True)
        assert response.redirect_chain == [(SETTINGS, 302)]
        assert messages_of(response) == ["Team ops now has upload on billing."]
        grant = world.billing.grants.get(team=ops)
        assert grant.permission == "upload"
        event = AuditEvent.objects.get(action="grant.set")
        assert event.actor == world.admin and event.target == "billing team:ops"
        assert "team ops" in text_of(response)

    def test_another_orgs_team_is_not_a_choice(self, browse, world):
        TeamFactory(org=world.other, slug="zteam")
        before = state(world)
        response = browse("admin").post(TEAM_GRANT, {"team-team": "zteam",
                                                     "team-permission": "admin"})
        assert response.status_code == 200
        assert "Select a valid choice" in text_of(response)
        assert 'value="zteam"' not in response.content.decode()
        assert state(world) == before

    def test_grant_a_user(self, browse, world):
        response = browse("admin").post(USER_GRANT, {"user-username": "member",
                                                     "user-permission": "read"}, follow=True)
        assert messages_of(response) == ["User member now has read on billing."]
        assert world.billing.grants.get(user=world.member).permission == "read"

    @pytest.mark.parametrize("username", ["outsider", "nobody", "gone"])
    def test_one_answer_for_unknown_disabled_and_outside_users(self, browse, world, username):
        gone = member(world.org, username="gone")
        gone.is_active = False
        gone.save()
        before = state(world)
        response = browse("admin").post(USER_GRANT, {"user-username": username,
                                                     "user-permission": "admin"})
        assert response.status_code == 200
        assert f"'{username}' is not a member of acme." in text_of(response)
        assert state(world) == before

    def test_change_a_grant(self, browse, world):
        change, _ = grant_urls(world)
        response = browse("admin").post(change, {"permission": "admin"}, follow=True)
        assert messages_of(response) == ["User uploader now has admin on billing."]
        assert world.billing.grants.get(user=world.uploader).permission == "admin"

    def test_a_bad_permission_changes_nothing(self, browse, world):
        change, _ = grant_urls(world)
        before = state(world)
        response = browse("admin").post(change, {"permission": "owner"}, follow=True)
        assert messages_of(response) == ["Choose read, upload or admin."]
        assert state(world) == before

    def test_remove_asks_first(self, browse, world):
        _, remove = grant_urls(world)
        page = browse("admin").get(remove)
        assert page.status_code == 200
        assert "Withdraw upload on billing from user uploader?" in text_of(page)
        response = browse("admin").post(remove, follow=True)
        assert response.redirect_chain == [(SETTINGS, 302)]
        assert messages_of(response) == ["User uploader no longer has upload on billing."]
        assert not world.billing.grants.filter(user=world.uploader).exists()
        assert AuditEvent.objects.filter(action="grant.remove", actor=world.admin).exists()

    def test_a_grant_of_another_project_is_404(self, browse, world):
        other = world.secret.grants.get()
        before = state(world)
        for url in (f"{SETTINGS}grants/{other.pk}/", f"{SETTINGS}grants/{other.pk}/remove/"):
            assert browse("admin").post(url, {"permission": "admin"}).status_code == 404
        assert state(world) == before

    def test_a_project_admin_grants_on_their_project(self, client, world, keeper, ops):
        client.force_login(keeper)
        client.post(TEAM_GRANT, {"team-team": "ops", "team-permission": "read"})
        assert world.billing.grants.filter(team=ops, permission="read").exists()
