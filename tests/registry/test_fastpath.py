"""The index fast path: decisions from cached facts, invalidation, the short-circuited stack."""

import io
import json

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts import services as account_services
from accounts.capabilities import Capability
from accounts.principals import ANONYMOUS, Principal
from registry import cache as index_cache
from registry import moderation, services
from registry.fastpath import route
from registry.models import ProjectStatus
from registry.permissions import can, project_capabilities
from registry.storage import url_path
from registry.views import files, jsonapi, simple
from registry.views.simple import may_read
from tests.conftest import basic_auth
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, member, stored_file
from tests.registry.test_permissions_matrix import PRINCIPALS, build_world

pytestmark = pytest.mark.django_db
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """As with Redis: one process here, so the local-memory cache hears every write."""
    settings.INDEX_CACHE_SHARED = True


class TestSameDecisionFromCachedFacts:
    @pytest.mark.parametrize("kind", sorted(PRINCIPALS))
    def test_cached_facts_decide_as_the_project_row(self, kind):
        world = build_world()
        principal = PRINCIPALS[kind](world)
        for project in world.projects.values():
            facts = index_cache.Route.of(project)
            stub = facts.project()
            expected = project_capabilities(principal, project)
            assert project_capabilities(principal, stub) == expected, project.name
            if principal.user is None:  # decided from the facts alone, no row at all
                assert project_capabilities(principal, facts) == expected, project.name
            assert may_read(principal, facts) is (Capability.PROJECT_READ in expected)

    def test_anonymous_and_org_tokens_need_no_query(self, django_assert_num_queries):
        world = build_world()
        principals = [ANONYMOUS, PRINCIPALS["org_token_admin"](world),
                      PRINCIPALS["org_token_upload_elsewhere"](world),
                      PRINCIPALS["other_org_token_admin"](world)]
        facts = [index_cache.Route.of(p) for p in world.projects.values()]
        with django_assert_num_queries(0):
            for principal in principals:
                for each in facts:
                    can(principal, Capability.PROJECT_READ, each)


@pytest.fixture
def project():
    org = OrgFactory(slug="acme", default_visibility="public")
    project = ProjectFactory(org=org, name="demo", visibility="public")
    release = ReleaseFactory(project=project, version="1.0")
    stored_file(release, filename="demo-1.0-py3-none-any.whl")
    return project


def file_url(file) -> str:
    return f"/acme/files/{url_path(file.blake2_256_digest, file.filename)}"


def warm(client, project):
    """Every cached read of the project, twice: the second is served from the cache."""
    wheel = project.releases.get().files.get()
    for _ in range(2):
        assert client.get("/acme/simple/").status_code == 200
        assert client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).status_code == 200
        assert client.get("/acme/pypi/demo/json").status_code == 200
        assert client.get(file_url(wheel)).status_code == 200
    return wheel


def names_in_root(client) -> set[str]:
    """The names the root page lists to an anonymous caller (an org with nothing public
    answers with the challenge instead: it lists nothing)."""
    response = client.get("/acme/simple/", HTTP_ACCEPT=JSON)
    if response.status_code == 401:
        return set()
    assert response.status_code == 200
    return {p["name"] for p in json.loads(response.content)["projects"]}


# Committed for real: a write drops the cached values once its transaction commits.
@pytest.mark.django_db(transaction=True)
class TestInvalidationIsImmediate:
    def test_cached_reads_cost_no_query(self, client, project, django_assert_num_queries):
        wheel = warm(client, project)
        with django_assert_num_queries(0):
            assert client.get("/acme/simple/").status_code == 200
            assert client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).status_code == 200
            assert client.get("/acme/pypi/demo/json").status_code == 200
            response = client.get(file_url(wheel))
            assert response.status_code == 200
            response.close()

    def test_visibility_change_through_the_service(self, client, project):
        wheel = warm(client, project)
        owner = Principal(user=member(project.org, "owner"))
        services.project_update(project=project, principal=owner, visibility="private")
        assert client.get("/acme/simple/demo/").status_code == 401
        assert client.get("/acme/pypi/demo/json").status_code == 401
        assert client.get(file_url(wheel)).status_code == 401
        assert "demo" not in names_in_root(client)

    def test_restricted_change_reaches_members(self, client, project):
        services.project_update(project=project, principal=ANONYMOUS, visibility="private")
        user = member(project.org)
        client.force_login(user)
        assert client.get("/acme/simple/demo/").status_code == 200
        services.project_update(project=project, principal=ANONYMOUS, restricted=True)
        assert client.get("/acme/simple/demo/").status_code == 404

    def test_quarantine_and_release(self, client, project):
        wheel = warm(client, project)
        moderation.project_quarantine(project=project, reason="bad")
        assert client.get("/acme/simple/demo/").status_code == 401
        assert client.get(file_url(wheel)).status_code == 401
        assert "demo" not in names_in_root(client)
        moderation.project_unquarantine(project=project)
        assert client.get("/acme/simple/demo/").status_code == 200

    def test_file_quarantine(self, client, project):
        wheel = warm(client, project)
        moderation.file_quarantine(file=wheel, reason="bad")
        assert client.get(file_url(wheel)).status_code == 401
        page = json.loads(client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).content)
        assert page["files"] == []

    def test_yank(self, client, project):
        warm(client, project)
        services.release_yank(release=project.releases.get(), reason="broken")
        page = json.loads(client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).content)
        assert page["files"][0]["yanked"] == "broken"
        assert json.loads(client.get("/acme/pypi/demo/json").content)["info"]["yanked"]

    def test_upload(self, client, project):
        warm(client, project)
        release = ReleaseFactory(project=project, version="2.0")
        new = stored_file(release, filename="demo-2.0-py3-none-any.whl")
        services.project_bump(project)  # what file_publish does after recording the file
        page = json.loads(client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).content)
        assert "demo-2.0-py3-none-any.whl" in {f["filename"] for f in page["files"]}
        assert client.get(file_url(new)).status_code == 200

    def test_file_and_project_delete(self, client, project):
        wheel = warm(client, project)
        services.file_delete(file=wheel, principal=ANONYMOUS)
        assert client.get(file_url(wheel)).status_code == 401
        services.project_delete(project=project, principal=ANONYMOUS)
        assert client.get("/acme/simple/demo/").status_code == 401
        assert client.get("/acme/pypi/demo/json").status_code == 401
        assert names_in_root(client) == set()

    def test_project_create_shows_in_root(self, client, project):
        warm(client, project)
        services.project_create(org=project.org, name="newcomer", visibility="public")
        assert "newcomer" in names_in_root(client)

    def test_org_deleted_and_slug_reused(self, client, project):
        warm(client, project)
        services.org_delete(org=project.org, principal=ANONYMOUS)
        assert client.get("/acme/simple/").status_code == 401
        assert client.get("/acme/simple/demo/").status_code == 401
        OrgFactory(slug="acme", default_visibility="public")
        assert names_in_root(client) == set()

    def test_token_revoke(self, client, project):
        services.project_update(project=project, principal=ANONYMOUS, visibility="private")
        token, secret = account_services.token_create(org=project.org, user=None)
        assert client.get("/acme/simple/demo/", **basic_auth(secret)).status_code == 200
        account_services.token_revoke(token=token)
        assert client.get("/acme/simple/demo/", **basic_auth(secret)).status_code == 403

    def test_member_removal(self, client, project):
        services.project_update(project=project, principal=ANONYMOUS, visibility="private")
        user = member(project.org)
        member(project.org, "owner")
        _, secret = account_services.token_create(org=project.org, user=user)
        assert client.get("/acme/simple/demo/", **basic_auth(secret)).status_code == 200
        account_services.membership_remove(org=project.org, user=user, principal=ANONYMOUS)
        assert client.get("/acme/simple/demo/", **basic_auth(secret)).status_code in (403, 404)

    def test_a_write_during_a_cached_read_is_never_cached_as_current(self, client, project):
        generation = index_cache.project_lookup("acme", "demo", create=True).generation
        moderation.project_quarantine(project=project)  # commits between read and store
        index_cache.route_store(generation, index_cache.Route.of(ProjectFactory.build(
            org=project.org, name="demo", pk=project.pk, status=ProjectStatus.ACTIVE)))
        assert client.get("/acme/simple/demo/").status_code == 401


class TestShortCircuit:
    def test_routes_are_those_of_the_url_conf(self):
        assert route("/acme/simple/").func is simple.project_list
        assert route("/acme/simple/").kwargs == {"org": "acme"}
        assert route("/acme/simple/Demo/").kwargs == {"org": "acme", "project": "Demo"}
        assert route("/acme/pypi/demo/json").func is jsonapi.project_json
        assert route("/acme/pypi/demo/1.0/json").func is jsonapi.release_json
        assert route("/acme/files/aa/bb/cc/x.whl").func is files.download
        for other in ("/admin/simple/", "/acme/simple", "/acme/",
                      "/acme/legacy/", "/acme/project/demo/", "/Acme/simple/"):
            assert route(other) is None, other

    def test_headers_of_the_full_stack(self, client, project):
        response = client.get("/acme/simple/demo/")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "Cookie" in response["Vary"] and "Accept" in response["Vary"]
        assert response["Content-Length"] == str(len(response.content))

    def test_same_page_with_a_session(self, client, project):
        anonymous = client.get("/acme/simple/demo/")
        client.force_login(member(project.org))
        assert settings.SESSION_COOKIE_NAME in client.cookies
        signed_in = client.get("/acme/simple/demo/")
        assert signed_in.content == anonymous.content

    @pytest.mark.parametrize("path", ["/acme/simple/ghost/", "/acme/simple/demo/"])
    def test_the_challenge_of_the_full_stack(self, client, project, path):
        """The 401 an anonymous caller gets without a session cookie (the short-circuited
        stack) is the one the full stack gives a browser whose session is anonymous."""
        services.project_update(project=project, principal=ANONYMOUS, visibility="private")
        short = client.get(path)
        client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
        full = client.get(path)
        assert short.status_code == full.status_code == 401
        assert short.content == full.content
        assert dict(short.items()) == dict(full.items())

    def test_unknown_host_is_refused(self, client, project):
        assert client.get("/acme/simple/demo/", HTTP_HOST="evil.example").status_code == 400

    def test_writes_take_the_full_stack(self, client, project):
        assert client.post("/acme/simple/demo/").status_code in (403, 405)


def wsgi_get(path: str, **extra) -> tuple[str, dict, bytes]:
    """A GET through the whole WSGI application (config/wsgi.py), the short-circuit included."""
    from config.wsgi import application

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
               "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "SERVER_PROTOCOL": "HTTP/1.1", **extra}
    started = []
    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, lambda status, headers: started.append(
            (status, headers))))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, headers = started[0]
    return status, dict(headers), body


class TestWsgiHits:
    def call(self, path: str, **extra) -> tuple[str, dict, bytes]:
        return wsgi_get(path, **extra)

    @pytest.mark.parametrize("path", ["/acme/simple/", "/acme/simple/demo/"])
    @pytest.mark.parametrize("accept", ["text/html", JSON])
    def test_a_hit_answers_as_django_does(self, project, path, accept,
                                          django_assert_num_queries):
        through_django = self.call(path, HTTP_ACCEPT=accept)  # the miss fills the cache
        with django_assert_num_queries(0):
            hit = self.call(path, HTTP_ACCEPT=accept)
        assert hit == through_django

    @pytest.mark.parametrize("path", ["/acme/simple/ghost/", "/nobody/simple/",
                                      "/nobody/simple/demo/"])
    def test_a_challenge_answers_as_the_test_client_sees_it(self, client, project, path):
        status, headers, body = self.call(path)
        response = client.get(path)
        assert status == "401 Unauthorized" and body == response.content
        assert headers == dict(response.items())

    @pytest.mark.parametrize("accept", ["text/html", JSON])
    def test_a_root_miss_is_built_under_the_lookup_the_short_circuit_made(
            self, project, accept, monkeypatch):
        lookups = []
        real = index_cache.root_lookup
        monkeypatch.setattr(index_cache, "root_lookup",
                            lambda *args: lookups.append(args) or real(*args))
        status, _, body = self.call("/acme/simple/", HTTP_ACCEPT=accept)  # a miss
        assert status.startswith("200") and b"demo" in body
        assert len(lookups) == 1  # the view built under the short-circuit's lookup
        assert self.call("/acme/simple/", HTTP_ACCEPT=accept)[2] == body  # stored: a hit
        assert len(lookups) == 2

    def test_a_lookup_left_for_another_org_or_format_is_not_used(self, client, project):
        stale = index_cache.CachedPage(b"not this", "text/html", '"x"', 0)
        for left in [("other", "text/html", (1, stale)), ("acme", JSON, (1, stale))]:
            response = client.get("/acme/simple/", HTTP_ACCEPT="text/html",
                                  **{simple.ROOT_LOOKUP: left})
            assert response.status_code == 200 and b"demo" in response.content

    @pytest.mark.django_db(transaction=True)  # the write below must commit to be seen
    def test_what_it_leaves_to_django(self, project):
        self.call("/acme/simple/demo/")
        _, headers, _ = self.call("/acme/simple/demo/", HTTP_AUTHORIZATION="Basic eDp5")
        assert headers["WWW-Authenticate"]  # a bad credential is refused, not ignored
        status, _, _ = self.call("/acme/simple/demo/", HTTP_HOST="evil.example")
        assert status.startswith("400")
        services.project_update(project=project, principal=ANONYMOUS, visibility="private")
        status, _, _ = self.call("/acme/simple/demo/")
        assert status.startswith("401")

    def test_conditional_requests_are_answered_by_django(self, project):
        _, headers, _ = self.call("/acme/simple/demo/")  # fills the cache
        assert self.call("/acme/simple/demo/", HTTP_IF_MATCH='"stale"')[0].startswith("412")
        status, _, body = self.call("/acme/simple/demo/", HTTP_IF_NONE_MATCH=headers["ETag"])
        assert status.startswith("304") and body == b""


class TestProcessLocalCache:
    """Without a shared cache, a write from another process must still show at once."""

    @pytest.fixture(autouse=True)
    def shared_cache(self, settings):
        settings.INDEX_CACHE_SHARED = False

    def unheard(self, project, **changes):
        """A write this process's cache never hears of (another process made it)."""
        from django.db.models import F

        from registry.models import Project

        Project.objects.filter(pk=project.pk).update(last_serial=F("last_serial") + 1,
                                                     **changes)

    def test_visibility_and_quarantine(self, client, project):
        wheel = warm(client, project)
        self.unheard(project, visibility="private")
        assert client.get("/acme/simple/demo/").status_code == 401
        assert client.get(file_url(wheel)).status_code == 401
        assert "demo" not in names_in_root(client)
        self.unheard(project, visibility="public", status=ProjectStatus.QUARANTINED)
        assert client.get("/acme/pypi/demo/json").status_code == 401

    def test_yank(self, client, project):
        warm(client, project)
        project.releases.update(yanked=True, yanked_reason="broken")
        self.unheard(project)
        page = json.loads(client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).content)
        assert page["files"][0]["yanked"] == "broken"

    def test_yank_shows_even_after_a_download_read_the_changed_project(self, client, project):
        """A download reads the project as it is now; the page cached before the write must
        still be seen as stale by the next index read."""
        wheel = warm(client, project)
        project.releases.update(yanked=True, yanked_reason="broken")
        self.unheard(project)
        assert client.get(file_url(wheel)).status_code == 200
        page = json.loads(client.get("/acme/simple/demo/", HTTP_ACCEPT=JSON).content)
        assert page["files"][0]["yanked"] == "broken"
        assert json.loads(client.get("/acme/pypi/demo/json").content)["info"]["yanked"]

    def test_new_project_in_root(self, client, project):
        warm(client, project)
        from registry.models import Project

        Project.objects.bulk_create([Project(org=project.org, name="newcomer",
                                             normalized_name="newcomer", visibility="public")])
        assert "newcomer" in names_in_root(client)
