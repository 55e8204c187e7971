"""The simple API views: negotiation, headers, permissions, caching, quarantine."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import moderation, simple
from registry.models import Project
from registry.services import release_yank
from registry.simple import HTML_TYPE, JSON_TYPE
from registry.views.simple import content_type_for, detail_html, list_html
from tests.conftest import basic_auth
from tests.factories import (
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    UserFactory,
    member,
    stored_file,
    token_for,
)
from tests.registry.test_simple import detail, row

pytestmark = pytest.mark.django_db
PIP_ACCEPT = f"{JSON_TYPE}, {HTML_TYPE}; q=0.1, text/html; q=0.01"


@pytest.fixture
def public_project():
    org = OrgFactory(slug="acme", default_visibility="public")
    project = ProjectFactory(org=org, name="Demo_Pkg", visibility="public")
    release = ReleaseFactory(project=project, version="1.0", requires_python=">=3.8,<4")
    stored_file(release, filename="demo_pkg-1.0-py3-none-any.whl", requires_python=">=3.8,<4")
    stored_file(release, filename="demo_pkg-1.0.tar.gz", packagetype="sdist", metadata=None)
    return project


@pytest.fixture
def private_project():
    org = OrgFactory(slug="secret", default_visibility="private")
    project = ProjectFactory(org=org, name="hidden", visibility="private")
    stored_file(ReleaseFactory(project=project, version="2.0"),
                filename="hidden-2.0-py3-none-any.whl")
    return project


def get_json(client, url, **headers):
    return client.get(url, HTTP_ACCEPT=JSON_TYPE, **headers)


class TestDetailPage:
    def test_json_page_fields(self, client, public_project):
        response = get_json(client, "/acme/simple/demo-pkg/")
        assert response.status_code == 200
        assert response["Content-Type"] == JSON_TYPE
        page = json.loads(response.content)
        assert page["meta"]["api-version"] == "1.4"
        assert page["name"] == "demo-pkg"
        assert page["versions"] == ["1.0"]
        assert page["project-status"] == {"status": "active"}
        wheel, sdist = page["files"]
        assert wheel["filename"] == "demo_pkg-1.0-py3-none-any.whl"
        assert wheel["url"].startswith("/acme/files/")
        assert wheel["requires-python"] == ">=3.8,<4"
        assert wheel["core-metadata"]["sha256"] and wheel["data-dist-info-metadata"]
        assert sdist["core-metadata"] is False
        assert wheel["upload-time"].endswith("Z") and wheel["size"] > 0

    def test_html_is_default_and_escaped(self, client, public_project):
        response = client.get("/acme/simple/demo-pkg/")
        assert response["Content-Type"] == "text/html; charset=utf-8"
        html = response.content.decode()
        assert 'data-requires-python="&gt;=3.8,&lt;4"' in html
        assert "data-core-metadata=" in html and "data-dist-info-metadata=" in html
        assert '<meta name="pypi:repository-version" content="1.4">' in html
        assert '<meta name="pypi:project-status" content="active">' in html

    def test_pip_accept_header_gets_json(self, client, public_project):
        response = client.get("/acme/simple/demo-pkg/", HTTP_ACCEPT=PIP_ACCEPT)
        assert response["Content-Type"] == JSON_TYPE

    def test_v1_html_type(self, client, public_project):
        response = client.get("/acme/simple/demo-pkg/", HTTP_ACCEPT=HTML_TYPE)
        assert response["Content-Type"] == HTML_TYPE + "; charset=utf-8"

    def test_format_query_parameter(self, client, public_project):
        response = client.get("/acme/simple/demo-pkg/", {"format": JSON_TYPE})
        assert response["Content-Type"] == JSON_TYPE

    def test_serial_header(self, client, public_project):
        public_project.refresh_from_db()
        response = client.get("/acme/simple/demo-pkg/")
        assert response["X-PyPI-Last-Serial"] == str(public_project.last_serial)

    def test_non_normalised_name_redirects_permanently(self, client, public_project):
        response = client.get("/acme/simple/Demo_Pkg/?format=x")
        assert response.status_code == 301
        assert response["Location"] == "/acme/simple/demo-pkg/?format=x"

    def test_unknown_project_and_org_are_not_found(self, client, public_project):
        _, secret = token_for(public_project.org, permission="read")
        for url in ("/acme/simple/nope/", "/nobody/simple/demo-pkg/"):
            assert client.get(url, **basic_auth(secret)).status_code == 404
            assert client.get(url).status_code == 401  # anonymous callers are challenged

    def test_yanked_release_with_reason(self, client, public_project):
        release_yank(release=public_project.releases.get(), reason="broken build")
        page = json.loads(get_json(client, "/acme/simple/demo-pkg/").content)
        assert {f["yanked"] for f in page["files"]} == {"broken build"}
        html = client.get("/acme/simple/demo-pkg/").content.decode()
        assert html.count('data-yanked="broken build"') == 2

    def test_unyank_shows_release_again_unyanked(self, client, public_project):
        release = public_project.releases.get()
        release_yank(release=release, reason="x")
        get_json(client, "/acme/simple/demo-pkg/")
        release_yank(release=release, undo=True)
        page = json.loads(get_json(client, "/acme/simple/demo-pkg/").content)
        assert {f["yanked"] for f in page["files"]} == {False}


class TestCachingHeaders:
    def test_public_project_is_publicly_cacheable(self, client, public_project):
        response = client.get("/acme/simple/demo-pkg/")
        assert response["Cache-Control"].startswith("public")
        assert "Accept" in response["Vary"]

    def test_private_project_is_private_and_varies_on_authorization(self, client,
                                                                    private_project):
        _, secret = token_for(private_project.org, permission="read")
        response = client.get("/secret/simple/hidden/", **basic_auth(secret))
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("private")
        vary = [v.strip() for v in response["Vary"].split(",")]
        assert "Authorization" in vary and "Accept" in vary

    def test_etag_and_not_modified(self, client, public_project):
        first = client.get("/acme/simple/demo-pkg/")
        etag = first["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        again = client.get("/acme/simple/demo-pkg/", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == etag and again["X-PyPI-Last-Serial"]
        # A cache copies a 304's headers onto its stored page: no Content-Type may clobber it.
        assert "Content-Type" not in again
        assert again["Content-Length"] == str(len(first.content))

    def test_weak_and_listed_etags_match(self, client, public_project):
        etag = client.get("/acme/simple/demo-pkg/")["ETag"]
        for header in (f"W/{etag}", f'"other", {etag}', "*"):
            assert client.get("/acme/simple/demo-pkg/",
                              HTTP_IF_NONE_MATCH=header).status_code == 304, header

    def test_a_failed_if_match_is_a_failed_precondition(self, client, public_project):
        etag = client.get("/acme/simple/demo-pkg/")["ETag"]
        assert client.get("/acme/simple/demo-pkg/", HTTP_IF_MATCH=etag).status_code == 200
        assert client.get("/acme/simple/demo-pkg/",
                          HTTP_IF_MATCH='"stale"').status_code == 412

    def test_etag_differs_per_content_type(self, client, public_project):
        html = client.get("/acme/simple/demo-pkg/")
        as_json = get_json(client, "/acme/simple/demo-pkg/", HTTP_IF_NONE_MATCH=html["ETag"])
        assert as_json.status_code == 200 and as_json["ETag"] != html["ETag"]

    def test_stale_etag_after_a_write_gets_the_new_page(self, client, public_project):
        etag = client.get("/acme/simple/demo-pkg/")["ETag"]
        release_yank(release=public_project.releases.get(), reason="r")
        response = client.get("/acme/simple/demo-pkg/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200 and b"data-yanked" in response.content


class TestPrivateProjects:
    def test_anonymous_is_challenged(self, client, private_project):
        response = client.get("/secret/simple/hidden/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="wheelhouse"'

    def test_token_of_another_org_gets_404(self, client, private_project):
        _, secret = token_for(OrgFactory(), permission="admin")
        assert client.get("/secret/simple/hidden/", **basic_auth(secret)).status_code == 404

    def test_invalid_token_is_401(self, client, private_project):
        response = client.get("/secret/simple/hidden/", **basic_auth("whk_nope"))
        assert response.status_code == 401

    def test_member_session_reads(self, client, private_project):
        client.force_login(member(private_project.org))
        assert client.get("/secret/simple/hidden/").status_code == 200


class TestQuarantine:
    def test_quarantined_project_disappears_at_once(self, client, public_project):
        assert client.get("/acme/simple/demo-pkg/").status_code == 200
        moderation.project_quarantine(project=public_project, reason="malware")
        assert client.get("/acme/simple/demo-pkg/").status_code == 401
        assert get_json(client, "/acme/simple/").status_code == 401  # nothing public left
        _, secret = token_for(public_project.org, permission="read")
        root = json.loads(get_json(client, "/acme/simple/", **basic_auth(secret)).content)
        assert root["projects"] == []

    def test_quarantined_project_hidden_even_from_org_admin(self, client, public_project):
        client.force_login(member(public_project.org, role="owner"))
        moderation.project_quarantine(project=public_project)
        assert client.get("/acme/simple/demo-pkg/").status_code == 404

    def test_unquarantine_restores(self, client, public_project):
        moderation.project_quarantine(project=public_project)
        moderation.project_unquarantine(project=public_project)
        assert client.get("/acme/simple/demo-pkg/").status_code == 200

    def test_quarantined_file_disappears_at_once(self, client, public_project):
        get_json(client, "/acme/simple/demo-pkg/")
        wheel = public_project.releases.get().files.get(packagetype="bdist_wheel")
        moderation.file_quarantine(file=wheel, reason="bad")
        page = json.loads(get_json(client, "/acme/simple/demo-pkg/").content)
        assert [f["filename"] for f in page["files"]] == ["demo_pkg-1.0.tar.gz"]


class TestRootPage:
    def test_lists_only_readable_projects(self, client, public_project):
        ProjectFactory(org=public_project.org, name="internal-one", visibility="internal")
        ProjectFactory(org=public_project.org, name="private-one", visibility="private")
        page = json.loads(get_json(client, "/acme/simple/").content)
        assert page["projects"] == [{"name": "Demo_Pkg"}]
        assert page["meta"]["api-version"] == "1.4"

    def test_member_sees_more_than_anonymous_and_cache_does_not_leak(self, client,
                                                                       public_project):
        ProjectFactory(org=public_project.org, name="private-one", visibility="private")
        assert len(json.loads(get_json(client, "/acme/simple/").content)["projects"]) == 1
        client.force_login(member(public_project.org))
        member_page = json.loads(get_json(client, "/acme/simple/").content)
        assert {p["name"] for p in member_page["projects"]} == {"Demo_Pkg", "private-one"}
        client.logout()
        assert len(json.loads(get_json(client, "/acme/simple/").content)["projects"]) == 1

    def test_scoped_token_sees_its_scope(self, client, public_project):
        ProjectFactory(org=public_project.org, name="a-private", visibility="private")
        ProjectFactory(org=public_project.org, name="b-private", visibility="private")
        _, secret = token_for(public_project.org, permission="read", projects=["b-private"])
        page = json.loads(get_json(client, "/acme/simple/", **basic_auth(secret)).content)
        assert {p["name"] for p in page["projects"]} == {"Demo_Pkg", "b-private"}

    def test_html_root_links_normalised_names(self, client, public_project):
        html = client.get("/acme/simple/").content.decode()
        assert '<a href="/acme/simple/demo-pkg/">Demo_Pkg</a>' in html

    def test_root_serial_header_and_refresh_after_write(self, client, public_project,
                                                         django_capture_on_commit_callbacks):
        first = get_json(client, "/acme/simple/")
        assert first["X-PyPI-Last-Serial"] == "0"
        ProjectFactory(org=public_project.org, name="newcomer", visibility="public")
        with django_capture_on_commit_callbacks(execute=True):
            release_yank(release=public_project.releases.get(), reason="r")  # bumps the org
        second = get_json(client, "/acme/simple/")
        assert int(second["X-PyPI-Last-Serial"]) > int(first["X-PyPI-Last-Serial"])
        assert "newcomer" in {p["name"] for p in json.loads(second.content)["projects"]}

    def test_anonymous_root_is_public_and_member_root_private(self, client, public_project):
        assert get_json(client, "/acme/simple/")["Cache-Control"].startswith("public")
        client.force_login(member(public_project.org))
        assert get_json(client, "/acme/simple/")["Cache-Control"].startswith("private")

    def test_root_not_modified(self, client, public_project):
        etag = client.get("/acme/simple/")["ETag"]
        assert client.get("/acme/simple/", HTTP_IF_NONE_MATCH=etag).status_code == 304


class TestHotPath:
    def test_cached_detail_page_costs_one_query_anonymous(self, client, public_project,
                                                         django_assert_num_queries):
        for version in ("1.1", "1.2", "2.0"):
            stored_file(ReleaseFactory(project=public_project, version=version),
                        filename=f"demo_pkg-{version}-py3-none-any.whl")
        get_json(client, "/acme/simple/demo-pkg/")
        with django_assert_num_queries(1):
            response = get_json(client, "/acme/simple/demo-pkg/")
        assert response.status_code == 200

    def test_uncached_detail_query_count_does_not_grow_with_files(self, client,
                                                                 public_project):
        def count():
            from django.core.cache import cache

            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                get_json(client, "/acme/simple/demo-pkg/")
            return len(captured)

        before = count()
        for n in range(10):
            stored_file(ReleaseFactory(project=public_project, version=f"3.{n}"),
                        filename=f"demo_pkg-3.{n}-py3-none-any.whl")
        assert count() == before <= 3

    def test_cached_detail_with_org_token(self, client, private_project,
                                          django_assert_max_num_queries):
        _, secret = token_for(private_project.org, permission="read")
        client.get("/secret/simple/hidden/", **basic_auth(secret))
        with django_assert_max_num_queries(2):
            assert client.get("/secret/simple/hidden/", **basic_auth(secret)).status_code == 200

    @pytest.mark.parametrize("shared", [True, False])
    def test_a_cached_anonymous_root_is_not_built_again(self, client, public_project, settings,
                                                        monkeypatch, shared):
        from registry.views import simple as views

        settings.INDEX_CACHE_SHARED = shared
        builds = []
        real = views._root_page
        monkeypatch.setattr(views, "_root_page", lambda *a: builds.append(a) or real(*a))
        first = get_json(client, "/acme/simple/")
        again = get_json(client, "/acme/simple/")
        assert again.content == first.content and len(builds) == 1

    def test_cached_anonymous_root_costs_one_query(self, client, public_project,
                                                   django_assert_num_queries):
        for n in range(5):
            ProjectFactory(org=public_project.org, name=f"extra-{n}", visibility="public")
        client.get("/acme/simple/")
        with django_assert_num_queries(1):
            assert client.get("/acme/simple/").status_code == 200


def answer(response, org: str = "") -> tuple:
    """What a caller can compare of two answers: everything but the Date, the org's slug
    where a browser's error page links back to the URL asked for, and the CSRF token of a
    signed-in page's log-out form (masked afresh for every response)."""
    headers = {k: v for k, v in response.items() if k != "Date"}
    body = re.sub(rb'(name="csrfmiddlewaretoken" value=")[^"]*', rb"\1", response.content)
    return response.status_code, headers, body.replace(f"/{org}/".encode(), b"/{org}/")


@pytest.fixture(params=["shared", "process-local"])
def cache_mode(request, settings):
    settings.INDEX_CACHE_SHARED = request.param == "shared"


@pytest.fixture
def outsiders(client):
    """Callers from outside the org ``secret``: another org's read token, a user of another
    org signed in, a user of no org signed in."""
    other = OrgFactory(slug="other", default_visibility="private")
    _, secret = token_for(other, permission="read")
    joined, loner = member(other), UserFactory()

    def as_token(url, **headers):
        return client.get(url, **basic_auth(secret), **headers)

    def signed_in(user):
        def get(url, **headers):
            client.force_login(user)
            try:
                return client.get(url, **headers)
            finally:
                client.logout()
        return get

    return {"other org's token": as_token, "member of another org": signed_in(joined),
            "member of no org": signed_in(loner)}


class TestOutsiders:
    """Outside an org, a caller learns nothing of it that an unknown org would not tell."""

    @pytest.mark.parametrize("kind", ["other org's token", "member of another org",
                                      "member of no org"])
    @pytest.mark.parametrize("accept", ["text/html", JSON_TYPE])
    def test_a_root_listing_nothing_answers_as_an_unknown_org(self, private_project,
                                                               outsiders, kind, accept,
                                                               cache_mode):
        get = outsiders[kind]
        for _ in range(2):  # the second from whatever the first stored
            known = get("/secret/simple/", HTTP_ACCEPT=accept)
            unknown = get("/nobody/simple/", HTTP_ACCEPT=accept)
            assert known.status_code == 404, kind
            assert answer(known, "secret") == answer(unknown, "nobody")

    @pytest.mark.parametrize("kind", ["other org's token", "member of another org"])
    def test_project_urls_answer_as_for_an_unknown_org(self, private_project, outsiders,
                                                       kind):
        get = outsiders[kind]
        file = private_project.releases.get().files.get()
        digest = file.blake2_256_digest
        tail = f"{digest[:2]}/{digest[2:4]}/{digest[4:]}/{file.filename}"
        for known, unknown in [
                ("/secret/simple/hidden/", "/nobody/simple/hidden/"),
                ("/secret/pypi/hidden/json", "/nobody/pypi/hidden/json"),
                ("/secret/pypi/hidden/2.0/json", "/nobody/pypi/hidden/2.0/json"),
                (f"/secret/files/{tail}", f"/nobody/files/{tail}")]:
            assert get(known).status_code == 404, known
            assert answer(get(known), "secret") == answer(get(unknown), "nobody"), known

    def test_what_outsiders_may_read_is_listed(self, private_project, outsiders, cache_mode):
        ProjectFactory(org=private_project.org, name="shared-lib", visibility="public")
        for kind, get in outsiders.items():
            response = get_json_with(get, "/secret/simple/")
            assert response.status_code == 200, kind
            assert [p["name"] for p in json.loads(response.content)["projects"]] == [
                "shared-lib"], kind

    def test_a_member_reading_nothing_gets_an_empty_list(self, client, private_project):
        Project.objects.filter(pk=private_project.pk).update(restricted=True)  # no grant
        _, secret = token_for(private_project.org, member(private_project.org),
                              permission="read")
        response = client.get("/secret/simple/", HTTP_ACCEPT=JSON_TYPE, **basic_auth(secret))
        assert response.status_code == 200
        assert json.loads(response.content)["projects"] == []


def get_json_with(get, url):
    return get(url + "?format=" + JSON_TYPE.replace("+", "%2B"))


class TestDetailTemplate:
    def test_repository_version_and_status_meta(self):
        html = detail_html(detail([row()], status="deprecated", status_reason="use x"))
        assert '<meta name="pypi:repository-version" content="1.4">' in html
        assert '<meta name="pypi:project-status" content="deprecated">' in html
        assert '<meta name="pypi:project-status-reason" content="use x">' in html

    def test_anchor_carries_hash_and_pep658_attributes(self):
        html = detail_html(detail([row(metadata_sha256="c" * 64)]))
        assert f'href="/o/files/aa/1.0#sha256={"a" * 64}"' in html
        assert f'data-core-metadata="sha256={"c" * 64}"' in html
        assert f'data-dist-info-metadata="sha256={"c" * 64}"' in html

    def test_no_metadata_attributes_without_metadata(self):
        html = detail_html(detail([row()]))
        assert "data-core-metadata" not in html and "data-dist-info-metadata" not in html

    def test_requires_python_is_html_escaped(self):
        html = detail_html(detail([row(requires_python=">=3.8,<4")]))
        assert 'data-requires-python="&gt;=3.8,&lt;4"' in html

    def test_yanked_attribute_with_escaped_reason(self):
        html = detail_html(detail([row(yanked=True, yanked_reason='bad "build" <x>')]))
        assert 'data-yanked="bad &quot;build&quot; &lt;x&gt;"' in html
        html = detail_html(detail([row(yanked=True)]))
        assert 'data-yanked=""' in html

    def test_not_yanked_has_no_attribute(self):
        assert "data-yanked" not in detail_html(detail([row()]))


    def test_the_whole_page(self):
        html = detail_html(detail([row(requires_python=">=3.8", metadata_sha256="c" * 64)],
                                  name="a&b"))
        assert html == (
            '<!DOCTYPE html>\n<html>\n  <head>\n'
            '    <meta name="pypi:repository-version" content="1.4">\n'
            '    <meta name="pypi:project-status" content="active">\n'
            '    <title>Links for a&amp;b</title>\n  </head>\n  <body>\n'
            '    <h1>Links for a&amp;b</h1>\n'
            f'    <a href="/o/files/aa/1.0#sha256={"a" * 64}" data-requires-python="&gt;=3.8"'
            f' data-core-metadata="sha256={"c" * 64}"'
            f' data-dist-info-metadata="sha256={"c" * 64}">demo-1.0-py3-none-any.whl</a><br />\n'
            '  </body>\n</html>\n')


class TestListTemplate:
    def test_the_whole_page_links_to_normalised_names(self):
        page = simple.project_list(serial=3, names=[("Foo_Bar", "foo-bar"), ('x"y', "x-y")])
        assert list_html(page, "/acme/simple/") == (
            '<!DOCTYPE html>\n<html>\n  <head>\n'
            '    <meta name="pypi:repository-version" content="1.4">\n'
            '    <title>Simple index</title>\n  </head>\n  <body>\n'
            '    <a href="/acme/simple/foo-bar/">Foo_Bar</a><br />\n'
            '    <a href="/acme/simple/x-y/">x&quot;y</a><br />\n'
            '  </body>\n</html>\n')


class TestNegotiation:
    @pytest.mark.parametrize(("accept", "expected"), [
        (None, simple.LEGACY_HTML_TYPE),
        ("", simple.LEGACY_HTML_TYPE),
        ("*/*", simple.LEGACY_HTML_TYPE),
        ("text/*", simple.LEGACY_HTML_TYPE),
        ("text/html", simple.LEGACY_HTML_TYPE),
        ("application/json", simple.LEGACY_HTML_TYPE),
        ("image/png", simple.LEGACY_HTML_TYPE),
        (simple.JSON_TYPE, simple.JSON_TYPE),
        (simple.HTML_TYPE, simple.HTML_TYPE),
        ("application/vnd.pypi.simple.latest+json", simple.JSON_TYPE),
        ("application/vnd.pypi.simple.latest+html", simple.HTML_TYPE),
        # pip's and uv's header
        (f"{simple.JSON_TYPE}, {simple.HTML_TYPE}; q=0.1, text/html; q=0.01", simple.JSON_TYPE),
        (f"text/html, {simple.JSON_TYPE}; q=0.5", simple.LEGACY_HTML_TYPE),
        (f"text/html;q=0.2, {simple.JSON_TYPE};q=0.9", simple.JSON_TYPE),
        (f"{simple.JSON_TYPE};q=0, text/html;q=0.1", simple.LEGACY_HTML_TYPE),
        (f"{simple.JSON_TYPE};q=0, */*", simple.LEGACY_HTML_TYPE),
        # Django reads a q-value it cannot parse as 1.
        (f"{simple.JSON_TYPE};q=bogus, {simple.HTML_TYPE};q=0.3", simple.JSON_TYPE),
        (f"{simple.HTML_TYPE}, {simple.JSON_TYPE}", simple.HTML_TYPE),
    ])
    def test_accept_header(self, accept, expected):
        assert content_type_for(accept) == expected

    def test_format_parameter_wins(self):
        assert content_type_for("text/html", simple.JSON_TYPE) == simple.JSON_TYPE

    def test_unknown_format_parameter_falls_back_to_accept(self):
        assert content_type_for(simple.JSON_TYPE, "yaml") == simple.JSON_TYPE
        assert content_type_for(simple.JSON_TYPE, "*/*") == simple.JSON_TYPE
