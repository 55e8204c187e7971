"""The audit log page: the org's events as sentences, newest first, filtered by action, actor
and project, a page at a time."""

import pytest

from accounts import services
from accounts.audit import audit_record
from accounts.principals import Principal
from registry import services as registry_services
from tests.web.reading import text_of

AUDIT = "/acme/-/audit/"


@pytest.fixture
def history(world):
    """A few things the owner and the admin did in acme, and something done in zeta."""
    owner, admin = Principal(user=world.owner), Principal(user=world.admin)
    team = services.team_create(org=world.org, slug="ops", name="Ops", principal=owner)
    registry_services.grant_set(project=world.billing, team=team, permission="upload",
                                principal=admin)
    registry_services.release_yank(release=world.new, reason="wrong totals", principal=admin)
    registry_services.grant_set(project=world.public, team=team, permission="read",
                                principal=owner)
    services.team_create(org=world.other, slug="zeta-team", principal=Principal(
        user=world.outsider))


def sentences(response) -> list[str]:
    return [sentence for _, sentence in response.context["events"]]


class TestLog:
    def test_sentences_newest_first(self, browse, history):
        response = browse("admin").get(AUDIT)
        assert sentences(response) == [
            "owner granted read on open-lib to team ops.",
            "admin yanked billing 2.0: “wrong totals”.",
            "admin granted upload on billing to team ops.",
            "owner created the team ops.",
        ]
        assert "4 events, newest first." in text_of(response)

    def test_filtered_by_action_or_a_group_of_actions(self, browse, history):
        assert len(sentences(browse("admin").get(AUDIT, {"action": "grant.set"}))) == 2
        assert sentences(browse("admin").get(AUDIT, {"action": "team"})) == [
            "owner created the team ops."]

    def test_filtered_by_actor(self, browse, history):
        assert sentences(browse("admin").get(AUDIT, {"actor": "owner"})) == [
            "owner granted read on open-lib to team ops.", "owner created the team ops."]
        assert sentences(browse("admin").get(AUDIT, {"actor": "outsider"})) == []

    def test_filtered_by_project(self, browse, history):
        assert sentences(browse("admin").get(AUDIT, {"project": "Billing"})) == [
            "admin yanked billing 2.0: “wrong totals”.",
            "admin granted upload on billing to team ops.",
        ]

    def test_filters_combine(self, browse, history):
        response = browse("admin").get(AUDIT, {"project": "billing", "action": "release",
                                               "actor": "admin"})
        assert sentences(response) == ["admin yanked billing 2.0: “wrong totals”."]

    def test_a_bad_filter_is_said_beside_it(self, browse, history):
        response = browse("admin").get(AUDIT, {"action": "nonsense"})
        assert "Select a valid choice." in text_of(response)

    def test_a_page_at_a_time(self, browse, world):
        for n in range(55):
            audit_record(action="team.create", org=world.org, target=f"t{n}",
                         principal=Principal(user=world.owner))
        first = browse("admin").get(AUDIT, {"action": "team"})
        assert len(sentences(first)) == 50 and "Page 1 of 2" in text_of(first)
        assert 'href="?action=team&amp;page=2"' in first.content.decode()
        second = browse("admin").get(AUDIT, {"action": "team", "page": "2"})
        assert sentences(second)[-1] == "owner created the team t0."

    def test_what_people_typed_is_shown_as_text(self, browse, world):
        audit_record(action="team.create", org=world.org, target="<script>x</script>",
                     principal=Principal(user=world.owner))
        body = browse("admin").get(AUDIT).content.decode()
        assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body

    def test_for_owners_and_admins_only(self, browse, history):
        assert browse("owner").get(AUDIT).status_code == 200
        for name in ("member", "uploader", "teammate"):
            assert browse(name).get(AUDIT).status_code == 403
        for name in ("outsider", "loner", "anonymous"):
            assert browse(name).get(AUDIT).status_code == 404
