"""Creating a project in the browser (``/{org}/-/projects/new/``): the API's decision
(``org:projects:create``, which members hold where the org allows it), the one set of name
rules with the reason beside the field, and the same rate limit."""

import pytest

from accounts.models import AuditEvent
from registry.models import ProhibitedName, Project
from tests.web.reading import messages_of, text_of

NEW = "/acme/-/projects/new/"


def names() -> list[str]:
    return sorted(Project.objects.values_list("normalized_name", flat=True))


class TestWhoMay:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_is_not_a_member_gets_404(self, browse, world, name):
        before = names()
        assert browse(name).get(NEW).status_code == 404
        assert browse(name).post(NEW, {"name": "x", "visibility": "private"}).status_code == 404
        assert names() == before

    def test_members_may_where_the_org_allows_it(self, browse, world):
        assert browse("member").get(NEW).status_code == 200
        assert 'href="/acme/-/projects/new/"' in browse("member").get("/acme/").content.decode()
        world.org.members_can_create_projects = False
        world.org.save()
        before = names()
        assert browse("member").get(NEW).status_code == 403
        refused = browse("member").post(NEW, {"name": "mine", "visibility": "public"})
        assert refused.status_code == 403 and "Nothing was changed" in text_of(refused)
        assert names() == before
        assert 'href="/acme/-/projects/new/"' not in browse("member").get(
            "/acme/").content.decode()
        assert browse("admin").get(NEW).status_code == 200


class TestCreate:
    def test_the_org_default_visibility_is_chosen(self, browse, world):
        world.org.default_visibility = "internal"
        world.org.save()
        form = browse("admin").get(NEW).context["form"]
        assert form["visibility"].value() == "internal"

    def test_an_admin_creates_and_lands_on_its_settings(self, browse, world):
        response = browse("admin").post(NEW, {"name": "Ledger.Tools", "visibility": "public",
                                              "restricted": "on"}, follow=True)
        assert response.redirect_chain == [("/acme/project/ledger-tools/settings/", 302)]
        assert messages_of(response) == ["Ledger.Tools is created."]
        project = Project.objects.get(org=world.org, normalized_name="ledger-tools")
        assert (project.name, project.visibility, project.restricted) == (
            "Ledger.Tools", "public", True)
        event = AuditEvent.objects.get(action="project.create")
        assert event.actor == world.admin and event.target == "Ledger.Tools"

    def test_a_member_lands_on_its_settings_as_its_admin(self, browse, world):
        response = browse("member").post(NEW, {"name": "mine", "visibility": "private"},
                                         follow=True)
        assert response.redirect_chain == [("/acme/project/mine/settings/", 302)]

    @pytest.mark.parametrize("name, reason", [
        ("Billing", "A project named 'Billing' already exists."),
        ("-bad", "Invalid project name '-bad': it must start and end with a letter"),
        ("os", "standard library"),
        ("forbidden", "not allowed"),
    ])
    def test_the_name_rules_answer_beside_the_field(self, browse, world, name, reason):
        ProhibitedName.objects.create(normalized_name="forbidden")
        before = names()
        response = browse("admin").post(NEW, {"name": name, "visibility": "private"})
        assert response.status_code == 200
        assert reason in " ".join(response.context["form"].errors["name"])
        assert 'aria-invalid="true"' in response.content.decode()
        assert names() == before

    def test_a_lookalike_is_named_only_to_who_reads_it(self, browse, world):
        before = names()
        hidden = browse("member").post(NEW, {"name": "SecretLib", "visibility": "private"})
        assert hidden.context["form"].errors["name"] == [
            "The name 'SecretLib' is too similar to an existing project."]
        shown = browse("admin").post(NEW, {"name": "SecretLib", "visibility": "private"})
        assert shown.context["form"].errors["name"] == [
            "The name 'SecretLib' is too similar to an existing project, 'secret-lib'."]
        assert names() == before

    def test_creation_is_rate_limited(self, browse, world, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "project_create": (1, 3600)}
        assert browse("admin").post(NEW, {"name": "one", "visibility": "private"}) \
            .status_code == 302
        response = browse("admin").post(NEW, {"name": "two", "visibility": "private"})
        assert response.status_code == 429
        assert "Too many new projects; retry in" in text_of(response)
        assert "two" not in names()
