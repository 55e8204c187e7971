"""Anonymous callers are challenged (401), alike for every name they may not read.

Under ``/{org}/simple/``, ``/{org}/files/`` and ``/{org}/pypi/`` a caller without credentials
gets the page or a 401 with a Basic challenge (so pip and uv ask their keyring), whether the
name is private, internal, quarantined or unknown, in a known org or not. Such a probe takes
one path whatever exists (the same cache and database operations) and leaves nothing in the
cache. Callers with credentials but without read get 404.
"""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import cache as index_cache
from registry import moderation
from registry.storage import url_path
from tests.conftest import basic_auth
from tests.factories import (
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    member,
    stored_file,
    token_for,
)
from tests.registry.test_fastpath import wsgi_get

pytestmark = pytest.mark.django_db
JSON = "application/vnd.pypi.simple.v1+json"
CHALLENGE = 'Basic realm="wheelhouse"'
GHOST_DIGEST = "ab" * 32


def file_url(org: str, digest: str, filename: str) -> str:
    return f"/{org}/files/{url_path(digest, filename)}"


@pytest.fixture
def world():
    """acme: a public project, a private, an internal and a quarantined one; locked: an org
    with nothing public. ``nobody`` is no org at all."""
    acme = OrgFactory(slug="acme", default_visibility="public")
    files = {}
    for name, visibility in [("open-pkg", "public"), ("hidden", "private"),
                             ("inside", "internal"), ("bad", "public")]:
        project = ProjectFactory(org=acme, name=name, visibility=visibility)
        files[name] = stored_file(ReleaseFactory(project=project, version="1.0"),
                                  filename=f"{name.replace('-', '_')}-1.0-py3-none-any.whl")
    moderation.project_quarantine(project=files["bad"].release.project, reason="malware")
    locked = OrgFactory(slug="locked", default_visibility="private")
    secret = ProjectFactory(org=locked, name="secret", visibility="private")
    files["secret"] = stored_file(ReleaseFactory(project=secret, version="1.0"),
                                  filename="secret-1.0-py3-none-any.whl")
    return {"acme": acme, "locked": locked, "files": files}


def url_of(file, suffix: str = "") -> str:
    return file_url(file.org.slug, file.blake2_256_digest, file.filename + suffix)


def unreadable_urls(world) -> list[str]:
    """Everything an anonymous caller may not read, named or not."""
    files = world["files"]
    wheel = files["open-pkg"]
    return [
        "/nobody/simple/", "/locked/simple/",
        "/acme/simple/hidden/", "/acme/simple/inside/", "/acme/simple/bad/",
        "/acme/simple/ghost/", "/nobody/simple/hidden/", "/locked/simple/secret/",
        "/acme/pypi/hidden/json", "/acme/pypi/hidden/1.0/json", "/acme/pypi/ghost/json",
        "/acme/pypi/ghost/1.0/json", "/nobody/pypi/hidden/json", "/acme/pypi/bad/json",
        "/acme/pypi/open-pkg/9.9/json",
        url_of(files["hidden"]), url_of(files["hidden"], ".metadata"), url_of(files["inside"]),
        url_of(files["bad"]), url_of(files["secret"]),
        file_url("acme", GHOST_DIGEST, "ghost-1.0-py3-none-any.whl"),
        file_url("acme", GHOST_DIGEST, wheel.filename),  # a public file, another digest
        file_url("nobody", wheel.blake2_256_digest, wheel.filename),
    ]


def readable_urls(world) -> list[str]:
    wheel = world["files"]["open-pkg"]
    return ["/acme/simple/", "/acme/simple/open-pkg/", "/acme/pypi/open-pkg/json",
            "/acme/pypi/open-pkg/1.0/json", url_of(wheel), url_of(wheel, ".metadata")]


def answer(response) -> tuple:
    """Everything a caller can see of a response."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.reason_phrase, tuple(sorted(response.items())), content


@pytest.fixture(params=[True, False], ids=["shared-cache", "process-cache"])
def cache_mode(request, settings):
    settings.INDEX_CACHE_SHARED = request.param
    return request.param


class TestAnonymousCallers:
    def test_every_unreadable_name_gets_the_same_challenge(self, client, world, cache_mode):
        answers = {}
        for url in unreadable_urls(world) * 2:  # again, once anything could be cached
            response = client.get(url, HTTP_ACCEPT=JSON)
            answers.setdefault(answer(response), []).append(url)
        assert len(answers) == 1, list(answers.values())
        status, _, headers, body = next(iter(answers))
        assert status == 401
        assert dict(headers)["WWW-Authenticate"] == CHALLENGE
        assert dict(headers)["Content-Type"] == "text/plain; charset=utf-8"
        text = body.decode()
        assert text.endswith("\n") and "\n" not in text[:-1] and "__token__" in text

    def test_html_and_head_are_challenged_alike(self, client, world):
        for url in ("/acme/simple/hidden/", "/acme/simple/ghost/"):
            assert client.get(url).status_code == 401
            response = client.head(url)
            assert response.status_code == 401 and response["WWW-Authenticate"] == CHALLENGE

    def test_public_reads_stay_open(self, client, world, cache_mode):
        for url in readable_urls(world) * 2:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "WWW-Authenticate" not in response
        root = json.loads(client.get("/acme/simple/", HTTP_ACCEPT=JSON).content)
        assert [p["name"] for p in root["projects"]] == ["open-pkg"]

    def test_a_name_to_normalise_redirects_whatever_exists(self, client, world):
        for name in ("Hidden", "Ghost", "Open_Pkg"):
            assert client.get(f"/acme/simple/{name}/").status_code == 301

    def test_basic_auth_without_a_token_is_anonymous(self, client, world):
        empty = base64.b64encode(b"__token__:").decode()
        response = client.get("/acme/simple/hidden/", HTTP_AUTHORIZATION=f"Basic {empty}")
        assert response.status_code == 401 and response["WWW-Authenticate"] == CHALLENGE

    def test_a_wrong_token_is_refused_with_its_reason(self, client, world):
        response = client.get("/acme/simple/hidden/", **basic_auth("whk_nope"))
        assert response.status_code == 401 and response["WWW-Authenticate"] == CHALLENGE
        assert b"Invalid API token" in response.content


class TestAuthenticatedCallersWithoutRead:
    def test_another_orgs_token_gets_404(self, client, world, cache_mode):
        _, secret = token_for(OrgFactory(slug="other"), permission="admin")
        for url in unreadable_urls(world):
            response = client.get(url, **basic_auth(secret))
            # an org that lists nothing for it answers as no org at all
            assert response.status_code == 404, url
            assert "WWW-Authenticate" not in response

    def test_a_member_without_a_grant_gets_404(self, client, world):
        restricted = world["files"]["hidden"].release.project
        restricted.restricted = True
        restricted.save()
        client.force_login(member(world["acme"]))
        assert client.get("/acme/simple/hidden/").status_code == 404
        assert client.get("/acme/simple/ghost/").status_code == 404

    def test_a_scoped_token_gets_404_outside_its_scope(self, client, world):
        _, secret = token_for(world["acme"], permission="read", projects=["inside"])
        assert client.get("/acme/simple/inside/", **basic_auth(secret)).status_code == 200
        assert client.get("/acme/simple/hidden/", **basic_auth(secret)).status_code == 404


class TestOrgHome:
    def test_an_org_with_nothing_public_answers_as_no_org(self, client, world):
        locked, nobody = client.get("/locked/"), client.get("/nobody/")
        assert locked.status_code == nobody.status_code == 404
        assert answer(locked) == answer(nobody)

    def test_public_projects_are_listed_to_anyone(self, client, world):
        page = client.get("/acme/")
        assert page.status_code == 200
        assert b"/acme/project/open-pkg/" in page.content
        assert b"/acme/project/hidden/" not in page.content

    def test_a_member_sees_the_org(self, client, world):
        client.force_login(member(world["locked"]))
        page = client.get("/locked/")
        assert page.status_code == 200 and b"secret" in page.content


class RecordingCache:
    """The index's cache, recording each call as (method, keys)."""

    WRITES = ("add", "set", "set_many", "incr", "touch")

    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def recorded(*args, **kwargs):
            first = args[0] if args else None
            self.calls.append((name, tuple(first) if isinstance(first, list | dict)
                               else (first,)))
            return method(*args, **kwargs)

        return recorded

    def written(self) -> set[str]:
        return {key for name, keys in self.calls if name in self.WRITES for key in keys}


@pytest.fixture
def recorder(monkeypatch):
    recording = RecordingCache(index_cache.cache)
    monkeypatch.setattr(index_cache, "cache", recording)
    return recording


def path_of(recorder, url: str, names: tuple[str, ...]) -> tuple[list, list]:
    """The cache calls and SQL statements of an anonymous GET of ``url`` through the WSGI
    application, with ``names`` written as NAME."""

    def plain(text: str) -> str:
        for name in names:
            text = text.replace(name, "NAME")
        return text

    recorder.calls.clear()
    with CaptureQueriesContext(connection) as queries:
        status, headers, _ = wsgi_get(url, HTTP_ACCEPT=JSON)
    assert status.startswith("401") and headers["WWW-Authenticate"] == CHALLENGE
    calls = [(name, tuple(plain(str(key)) for key in keys)) for name, keys in recorder.calls]
    return calls, [plain(query["sql"]) for query in queries.captured_queries]


class TestOnePathWhateverExists:
    """A restricted name and an unknown one cost the same operations, every time, even once
    an authorised caller has put the restricted project's facts in the cache."""

    @pytest.fixture(autouse=True)
    def shared(self, settings):
        settings.INDEX_CACHE_SHARED = True

    @pytest.fixture
    def warmed(self, client, world):
        """Every read of the private projects, by callers allowed to make them."""
        _, acme = token_for(world["acme"], permission="read")
        _, locked = token_for(world["locked"], permission="read")
        for url in ["/acme/simple/hidden/", "/acme/pypi/hidden/json",
                    url_of(world["files"]["hidden"])]:
            for _ in range(2):
                assert client.get(url, **basic_auth(acme)).status_code == 200, url
        assert client.get("/locked/simple/", **basic_auth(locked)).status_code == 200
        return world

    @pytest.mark.parametrize("restricted, unknown", [
        ("/acme/simple/hidden/", "/acme/simple/ghost1/"),
        ("/acme/pypi/hidden/json", "/acme/pypi/ghost1/json"),
        ("/locked/simple/", "/nobody/simple/"),
        ("/locked/simple/secret/", "/nobody/simple/secret/"),
    ])
    def test_restricted_and_unknown_names(self, warmed, recorder, restricted, unknown):
        names = ("hidden", "ghost1", "locked", "nobody")
        first = path_of(recorder, restricted, names)
        assert first[1], "the answer comes from the database, as for an unknown name"
        assert path_of(recorder, unknown, names) == first
        assert path_of(recorder, restricted, names) == first  # nothing cached by a miss
        assert path_of(recorder, unknown, names) == first

    def test_restricted_and_unknown_files(self, warmed, recorder):
        hidden = warmed["files"]["hidden"]
        ghost = file_url("acme", GHOST_DIGEST, "ghost1-1.0-py3-none-any.whl")
        names = ("hidden", "ghost1", hidden.blake2_256_digest, GHOST_DIGEST)
        first = path_of(recorder, url_of(hidden), names)
        assert path_of(recorder, ghost, names) == first
        assert path_of(recorder, url_of(hidden), names) == first


class TestNothingStoredForMisses:
    def test_unknown_orgs_and_names_store_no_key(self, client, world, cache_mode, recorder):
        # (A public project's unknown version or a wrong digest of its file may store that
        # project's own values, as any read of it does.)
        urls = [u for u in unreadable_urls(world)
                if u != "/locked/simple/" and not u.startswith(("/acme/pypi/open-pkg/",
                                                                "/acme/files/"))] + [
            url_of(world["files"][name]) for name in ("hidden", "inside", "bad")] + [
            f"/nobody{n}/simple/ghost{n}/" for n in range(5)] + [
            f"/acme/simple/ghost{n}/" for n in range(5)] + [
            file_url("acme", GHOST_DIGEST, f"ghost{n}-1.0.tar.gz") for n in range(5)]
        for url in urls * 2:
            assert client.get(url).status_code == 401, url
        assert recorder.written() == set()

    def test_an_org_with_nothing_public_stores_no_key(self, client, world, cache_mode,
                                                      recorder):
        for _ in range(3):
            assert client.get("/locked/simple/").status_code == 401
        assert recorder.written() == set()

    def test_a_public_read_stores_its_own_values_only(self, client, world, cache_mode,
                                                      recorder):
        for url in readable_urls(world):
            assert client.get(url).status_code == 200
        assert all("hidden" not in key and "ghost" not in key for key in recorder.written())
