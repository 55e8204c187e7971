"""One builder per missing page: concurrent misses wait for its bytes instead of rendering."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404

from registry import cache as index_cache
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, stored_file

KEY = "page:acme:demo:simple:text/html"


def page(text: str) -> index_cache.CachedPage:
    return index_cache.page_of(text.encode(), "text/html", 1)


class Builder:
    """A build that holds until released, counting how often it ran."""

    def __init__(self, result=None, error: Exception | None = None):
        self.calls, self.started, self.release = 0, threading.Event(), threading.Event()
        self.result, self.error = result or page("built"), error
        self.lock = threading.Lock()

    def __call__(self) -> index_cache.CachedPage:
        with self.lock:
            self.calls += 1
        self.started.set()
        assert self.release.wait(10)
        if self.error is not None:
            raise self.error
        return self.result


def in_thread(function) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(function())
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def polling(monkeypatch):
    """``polling(n)``: an Event set once ``n`` threads are waiting for another's build."""
    waiting, lock, real = set(), threading.Lock(), index_cache._poll
    events: list[tuple[int, threading.Event]] = []

    def poll(key, claim):
        with lock:
            waiting.add(threading.get_ident())
            for count, event in events:
                if len(waiting) >= count:
                    event.set()
        return real(key, claim)

    def expect(count: int) -> threading.Event:
        event = threading.Event()
        events.append((count, event))
        return event

    monkeypatch.setattr(index_cache, "_poll", poll)
    return expect


def claim_of(generation: int) -> str:
    return f"building:{KEY}:{generation}"


class TestPageBuilt:
    def test_concurrent_misses_build_once_and_share_the_bytes(self, polling):
        builder, all_waiting = Builder(), polling(4)
        first, got_first = in_thread(lambda: index_cache.page_built(7, KEY, builder))
        assert builder.started.wait(5)
        others = [in_thread(lambda: index_cache.page_built(7, KEY, builder)) for _ in range(4)]
        assert all_waiting.wait(5)
        builder.release.set()
        for thread, _ in [(first, got_first), *others]:
            thread.join(10)
        assert builder.calls == 1
        assert {o[0].body for o in [got_first, *(outcome for _, outcome in others)]} == {
            b"built"}
        assert cache.get(KEY) == (7, ("text/html", builder.result.etag, 1))
        assert cache.get(claim_of(7)) is None

    def test_a_failed_build_leaves_each_waiter_to_build_at_once(self, polling):
        failing, all_waiting = Builder(error=Http404("No such release.")), polling(3)
        first, got_first = in_thread(lambda: index_cache.page_built(7, KEY, failing))
        assert failing.started.wait(5)
        together = threading.Barrier(3, timeout=5)  # broken if the waiters queued up

        def unknown_version():
            together.wait()
            raise Http404("No such release.")

        waiters = [in_thread(lambda: index_cache.page_built(7, KEY, unknown_version))
                   for _ in range(3)]
        assert all_waiting.wait(5)
        failing.release.set()
        for thread, _ in [(first, got_first), *waiters]:
            thread.join(10)
        assert isinstance(got_first[0], Http404)
        assert [type(outcome[0]) for _, outcome in waiters] == [Http404] * 3
        assert cache.get(claim_of(7)) is None

    def test_a_build_that_outlives_its_claim_leaves_the_next_claim_alone(self):
        def slow_build():
            cache.delete(claim_of(7))  # ours lapsed (BUILD_CLAIM_TTL) ...
            cache.add(claim_of(7), "theirs", 30)  # ... and another caller claimed the build
            return page("mine")

        assert index_cache.page_built(7, KEY, slow_build).body == b"mine"
        assert cache.get(claim_of(7)) == "theirs"

    def test_a_claim_that_never_ends_is_waited_for_only_so_long(self, monkeypatch):
        monkeypatch.setattr(index_cache, "BUILD_WAIT", 0.2)
        cache.add(claim_of(7), 1, 30)  # a process killed mid-build
        started = time.monotonic()
        assert index_cache.page_built(7, KEY, lambda: page("mine")).body == b"mine"
        assert time.monotonic() - started >= 0.2
        assert cache.get(KEY)[0] == 7  # stored for the next caller

    def test_a_new_generation_does_not_wait_for_an_older_build(self, polling):
        waited = polling(1)
        cache.add(claim_of(7), 1, 30)
        assert index_cache.page_built(8, KEY, lambda: page("newer")).body == b"newer"
        assert not waited.is_set()

    def test_a_page_stored_under_an_older_generation_is_not_taken(self, monkeypatch):
        monkeypatch.setattr(index_cache, "BUILD_WAIT", 0.3)
        cache.add(claim_of(8), 1, 30)
        index_cache.page_store(7, KEY, page("stale"))
        assert index_cache.page_built(8, KEY, lambda: page("fresh")).body == b"fresh"


@pytest.mark.django_db(transaction=True)
class TestViewsWaitForTheBuilder:
    """A request that misses while another process builds the page answers with that
    process's bytes, and runs no query for the files."""

    @pytest.fixture
    def project(self, settings):
        settings.INDEX_CACHE_SHARED = True
        org = OrgFactory(slug="acme", default_visibility="public")
        project = ProjectFactory(org=org, name="demo", visibility="public")
        stored_file(ReleaseFactory(project=project, version="1.0"),
                    filename="demo-1.0-py3-none-any.whl")
        return project

    @pytest.mark.parametrize("path, accept, key_of", [
        ("/acme/simple/demo/", "text/html",
         lambda: index_cache.project_page_key("acme", "demo", "simple", "text/html")),
        ("/acme/simple/", "text/html",
         lambda: index_cache.root_page_key("acme", "anon", "text/html")),
    ])
    def test_the_waiting_request_serves_the_other_builders_page(self, client, project, path,
                                                                accept, key_of, polling):
        assert client.get(path).status_code == 200  # the generation and facts are cached
        generation = (index_cache.project_lookup("acme", "demo").generation if "demo" in path
                      else index_cache.root_lookup("acme", "anon", "text/html")[0])
        key = key_of()
        cache.delete(key)
        cache.add(f"building:{key}:{generation}", 1, 30)  # another process is building it
        waiting = polling(1)
        request, response = in_thread(lambda: client.get(path, HTTP_ACCEPT=accept))
        assert waiting.wait(5)  # waiting, not rendering
        index_cache.page_store(generation, key, page("from the other process"))
        cache.delete(f"building:{key}:{generation}")
        request.join(10)
        assert response[0].status_code == 200
        assert response[0].content == b"from the other process"
        connection.close()


@pytest.mark.django_db
def test_an_anonymous_root_miss_reads_the_cache_once(client, settings, monkeypatch):
    """The anonymous caller's lookup, made before any query, serves the build on a miss too
    (one Redis round trip, not two)."""
    settings.INDEX_CACHE_SHARED = True
    org = OrgFactory(slug="acme", default_visibility="public")
    ProjectFactory(org=org, name="demo", visibility="public")
    lookups = []
    real = index_cache.root_lookup
    monkeypatch.setattr(index_cache, "root_lookup",
                        lambda *args: lookups.append(args[1]) or real(*args))
    first = client.get("/acme/simple/")  # a miss: built under the generation looked up
    assert first.status_code == 200 and b"demo" in first.content
    assert lookups == ["anon"]
    again = client.get("/acme/simple/")  # a hit, of the page the miss stored
    assert again.content == first.content and lookups == ["anon", "anon"]


@pytest.mark.django_db
def test_a_grant_given_while_a_root_page_builds_never_shows_under_the_old_set(
        client, settings, monkeypatch):
    """Members share the root page of the set of projects they may read. A grant given
    between reading that set and building the page must not put the granted project on the
    page stored for the old set: another member with that set would see its name."""
    from accounts.principals import ANONYMOUS
    from registry import services
    from tests.conftest import basic_auth
    from tests.factories import member, token_for

    settings.INDEX_CACHE_SHARED = True
    org = OrgFactory(slug="acme")
    ProjectFactory(org=org, name="open", visibility="private")
    secret = ProjectFactory(org=org, name="secret", visibility="private", restricted=True)
    ann, bob = member(org), member(org)
    ann_token, bob_token = token_for(org, ann)[1], token_for(org, bob)[1]

    def granting(real):
        def lookup(*args):
            if not secret.grants.exists():  # once, after ann's set was read
                services.grant_set(project=secret, permission="read", principal=ANONYMOUS,
                                   user=ann)
            return real(*args)
        return lookup

    monkeypatch.setattr(index_cache, "root_lookup", granting(index_cache.root_lookup))
    monkeypatch.setattr(index_cache, "root_page",
                        granting(getattr(index_cache, "root_page", None)), raising=False)
    assert client.get("/acme/simple/", **basic_auth(ann_token)).status_code == 200
    assert secret.grants.filter(user=ann).exists()
    bobs = client.get("/acme/simple/", **basic_auth(bob_token))
    assert bobs.status_code == 200 and b"open" in bobs.content
    assert b"secret" not in bobs.content
    assert b"secret" in client.get("/acme/simple/", **basic_auth(ann_token)).content
