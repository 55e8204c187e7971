"""The org home and search within an org (name and summary, the permission filter in the
query, pages of results)."""

import pytest

from tests.factories import ProjectFactory, ReleaseFactory
from tests.web.reading import text_of

SEARCH = "/acme/-/search/"


def found(response) -> list[str]:
    return [project.name for project in response.context["projects"]]


class TestOrgHome:
    def test_members_see_what_they_may_read(self, browse):
        response = browse("member").get("/acme/")
        assert response.status_code == 200
        assert [p.name for p in response.context["projects"]] == ["billing", "open-lib"]

    def test_a_teammate_sees_the_restricted_project(self, browse):
        names = [p.name for p in browse("teammate").get("/acme/").context["projects"]]
        assert "secret-lib" in names

    def test_anonymous_callers_see_only_public_projects(self, browse):
        response = browse("anonymous").get("/acme/")
        assert [p.name for p in response.context["projects"]] == ["open-lib"]
        assert 'class="subnav"' not in response.content.decode()  # no org navigation

    def test_an_unknown_org_is_404(self, browse):
        assert browse("member").get("/nope/").status_code == 404


class TestSubNavigation:
    FOR_MEMBERS = ("/acme/-/search/", "/acme/-/members/", "/acme/-/teams/")
    ADMIN_ONLY = ("/acme/-/tokens/", "/acme/-/settings/", "/acme/-/audit/")

    def test_a_member_sees_projects_search_members_and_teams(self, browse):
        body = browse("member").get("/acme/").content.decode()
        assert 'aria-current="page">Projects' in body
        assert all(f'href="{url}"' in body for url in self.FOR_MEMBERS)
        assert not any(f'href="{url}"' in body for url in self.ADMIN_ONLY)

    def test_an_admin_sees_every_entry(self, browse):
        body = browse("admin").get(SEARCH).content.decode()
        assert all(f'href="{url}"' in body for url in self.FOR_MEMBERS + self.ADMIN_ONLY)
        assert 'aria-current="page">Search' in body


class TestSearch:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_is_not_a_member_gets_the_unknown_orgs_404(self, browse, name):
        hidden, unknown = browse(name).get(SEARCH), browse(name).get("/nope/-/search/")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.content == unknown.content

    def test_everything_readable_without_a_query(self, browse):
        assert found(browse("member").get(SEARCH)) == ["billing", "open-lib"]
        assert found(browse("admin").get(SEARCH)) == ["billing", "open-lib", "secret-lib"]

    def test_by_name(self, browse):
        assert found(browse("member").get(SEARCH, {"q": "BILL"})) == ["billing"]
        assert found(browse("member").get(SEARCH, {"q": "open_lib"})) == ["open-lib"]

    def test_by_summary_of_the_newest_release(self, browse):
        response = browse("member").get(SEARCH, {"q": "payments"})
        assert found(response) == ["billing"]
        assert "Invoices and payments for the whole company" in text_of(response)
        assert found(browse("member").get(SEARCH, {"q": "Old summary"})) == []

    def test_the_permission_filter_is_in_the_query(self, browse):
        assert found(browse("member").get(SEARCH, {"q": "secret"})) == []
        assert found(browse("member").get(SEARCH, {"q": "Hidden"})) == []
        assert found(browse("teammate").get(SEARCH, {"q": "Hidden"})) == ["secret-lib"]
        # the page's count is the query's: nothing found after it
        response = browse("member").get(SEARCH, {"q": "lib"})
        assert response.context["paginator"].count == 1

    def test_results_come_a_page_at_a_time(self, browse, world):
        for n in range(30):
            ReleaseFactory(project=ProjectFactory(org=world.org, name=f"tool-{n:02}",
                                                  visibility="internal"),
                           metadata={"summary": "a tool"})
        first = browse("member").get(SEARCH, {"q": "tool"})
        assert len(found(first)) == 25 and first.context["paginator"].count == 30
        assert 'href="?q=tool&amp;page=2"' in first.content.decode()
        second = browse("member").get(SEARCH, {"q": "tool", "page": "2"})
        assert found(second) == [f"tool-{n}" for n in range(25, 30)]
        assert "Page 2 of 2" in text_of(second)
        assert browse("member").get(SEARCH, {"q": "tool", "page": "9"}).status_code == 404

    def test_the_query_is_shown_escaped(self, browse):
        body = browse("member").get(SEARCH, {"q": "<b>x</b>"}).content.decode()
        assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
