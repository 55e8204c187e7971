"""An org's settings page (``/{org}/-/settings/``) with its usage, and deleting the org
(``/{org}/-/settings/delete/``): ``org:settings:manage`` for the one, ``org:settings:delete``
(owners) for the other, as in the API; the rules are ``accounts.services.org_update``'s."""

import pytest

from accounts.models import AuditEvent, Organization
from registry.models import Project
from tests.factories import ProjectFactory
from tests.web.reading import messages_of, text_of

MIB = 1024 * 1024
SETTINGS, DELETE = "/acme/-/settings/", "/acme/-/settings/delete/"
FORGED = {"name": "Taken", "default_visibility": "public", "members_can_create_projects": "",
          "max_file_size": "1", "slug": "acme"}


def state() -> tuple:
    orgs = list(Organization.objects.order_by("pk").values_list(
        "slug", "name", "default_visibility", "members_can_create_projects", "max_file_size"))
    return orgs, Project.objects.count(), AuditEvent.objects.count()


class TestRefused:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_is_not_a_member_gets_the_unknown_orgs_404(self, browse, world, name):
        before = state()
        for url in (SETTINGS, DELETE):
            hidden, unknown = browse(name).get(url), browse(name).get(url.replace("acme", "nope"))
            assert hidden.status_code == unknown.status_code == 404
            assert hidden.content == unknown.content
            assert browse(name).post(url, FORGED).status_code == 404
        assert state() == before

    @pytest.mark.parametrize("name", ["member", "uploader", "teammate"])
    def test_a_member_gets_403_and_a_forged_post_changes_nothing(self, browse, world, name):
        before = state()
        for url in (SETTINGS, DELETE):
            assert browse(name).get(url).status_code == 403
            post = browse(name).post(url, FORGED)
            assert post.status_code == 403 and "Nothing was changed" in text_of(post)
        assert state() == before

    def test_an_admin_may_not_delete_the_org(self, browse, world):
        before = state()
        assert browse("admin").get(DELETE).status_code == 403
        assert browse("admin").post(DELETE, {"slug": "acme"}).status_code == 403
        assert state() == before
        assert 'href="/acme/-/settings/delete/"' not in browse("admin").get(
            SETTINGS).content.decode()


class TestSettings:
    def test_the_page_shows_the_settings_as_stored(self, browse, world):
        response = browse("admin").get(SETTINGS)
        assert response.status_code == 200
        form = response.context["form"]
        assert form["name"].value() == "Acme Corp"
        assert form["default_visibility"].value() == "private"
        assert 'aria-current="page">Settings' in response.content.decode()

    def test_save(self, browse, world):
        response = browse("admin").post(SETTINGS, {
            "name": "Acme Corporation", "default_visibility": "internal",
            "max_file_size": "200"}, follow=True)
        assert response.redirect_chain == [(SETTINGS, 302)]
        assert messages_of(response) == ["The settings of acme are saved."]
        world.org.refresh_from_db()
        assert (world.org.name, world.org.default_visibility,
                world.org.members_can_create_projects, world.org.max_file_size) == (
            "Acme Corporation", "internal", False, 200 * MIB)
        event = AuditEvent.objects.get(action="org.update")
        assert event.actor == world.admin
        assert event.data["before"] == {"name": "Acme Corp", "default_visibility": "private",
                                        "members_can_create_projects": True,
                                        "max_file_size": None}

    def test_a_limit_over_the_cap_is_refused_beside_the_field(self, browse, world, settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 64 * MIB
        before = state()
        response = browse("owner").post(SETTINGS, {
            "name": "Renamed", "default_visibility": "public",
            "members_can_create_projects": "on", "max_file_size": "65"})
        assert response.status_code == 200
        assert response.context["form"].errors["max_file_size"] == [
            "A file size limit must be more than 0 and at most 64 MiB, this instance's cap."]
        assert state() == before
        assert response.context["org"].name == "Acme Corp"  # the header shows it as stored

    def test_a_blank_name_is_refused(self, browse, world):
        before = state()
        response = browse("admin").post(SETTINGS, {"name": " ", "default_visibility": "private"})
        assert "This field is required." in text_of(response)
        assert state() == before

    def test_new_projects_take_the_default(self, browse, world):
        browse("admin").post(SETTINGS, {"name": "Acme Corp", "default_visibility": "public",
                                        "members_can_create_projects": "on"})
        browse("admin").post("/acme/-/projects/new/", {"name": "fresh",
                                                       "visibility": "public"})
        assert Project.objects.get(normalized_name="fresh").visibility == "public"
        assert browse("admin").get("/acme/-/projects/new/").context["form"][
            "visibility"].value() == "public"


class TestUsage:
    def test_bytes_per_project_against_the_limits(self, browse, world, settings):
        settings.UPLOAD_MAX_PROJECT_SIZE = 100_000
        settings.UPLOAD_MAX_ORG_SIZE = 1_000_000
        response = browse("admin").get(SETTINGS)
        rows = {project.name: (project.used_bytes, share)
                for project, share in response.context["projects"]}
        assert rows["billing"] == (1234 + 1234 + 20480, "22.9%")
        assert set(rows) == {"billing", "secret-lib", "open-lib"}
        assert list(rows)[0] == "billing"  # the largest first
        text = text_of(response)
        assert "Acme Corp stores 24.8 KB of distribution files: 2.5% of its 976.6 KB limit." \
            in text
        assert 'href="/acme/project/billing/settings/"' in response.content.decode()

    def test_many_projects_come_a_page_at_a_time(self, browse, world):
        for number in range(60):
            ProjectFactory(org=world.org, name=f"extra-{number:02}")
        first = browse("admin").get(SETTINGS)
        assert len(first.context["projects"]) == 50
        assert "Page 1 of 2" in text_of(first)
        assert len(browse("admin").get(SETTINGS + "?page=2").context["projects"]) == 13


class TestDelete:
    def test_the_owner_sees_the_danger_zone(self, browse, world):
        assert 'href="/acme/-/settings/delete/"' in browse("owner").get(SETTINGS) \
            .content.decode()

    def test_the_slug_must_be_typed(self, browse, world):
        page = browse("owner").get(DELETE)
        assert "Type the organisation's slug to confirm" in text_of(page)
        before = state()
        wrong = browse("owner").post(DELETE, {"slug": "Acme Corp"})
        assert wrong.status_code == 200
        assert "That is not the organisation's slug: type acme exactly." in text_of(wrong)
        assert state() == before

    def test_delete(self, browse, world):
        response = browse("owner").post(DELETE, {"slug": "acme"}, follow=True)
        assert response.redirect_chain == [("/", 302)]
        assert messages_of(response) == [
            "The organisation acme is deleted, with its projects, files, teams and tokens."]
        assert not Organization.objects.filter(slug="acme").exists()
        assert Organization.objects.filter(slug="zeta").exists()
        assert AuditEvent.objects.filter(action="org.delete", org_slug="acme").exists()
