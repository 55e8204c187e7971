"""One builder per missing page: concurrent misses wait for its bytes instead of rendering."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

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

    def __call__(self) -> index_cache.CachedPage:
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


class TestPageBuilt:
    def test_concurrent_misses_build_once_and_share_the_bytes(self):
        builder = Builder()
        first, got_first = in_thread(lambda: index_cache.page_built(7, KEY, builder))
        assert builder.started.wait(5)
        others = [in_thread(lambda: index_cache.page_built(7, KEY, builder)) for _ in range(4)]
        time.sleep(0.05)  # the waiters are polling now
        builder.release.set()
        for thread, _ in [(first, got_first), *others]:
            thread.join(10)
        assert builder.calls == 1
        assert {o[0].body for o in [got_first, *(outcome for _, outcome in others)]} == {
            b"built"}
        assert index_cache._stored(KEY, 7).etag == builder.result.etag

    def test_a_failed_build_leaves_the_waiters_to_build(self):
        failing = Builder(error=RuntimeError("database went away"))
        first, got_first = in_thread(lambda: index_cache.page_built(7, KEY, failing))
        assert failing.started.wait(5)
        second, got_second = in_thread(lambda: index_cache.page_built(7, KEY,
                                                                      lambda: page("second")))
        time.sleep(0.05)
        failing.release.set()
        first.join(10), second.join(10)
        assert isinstance(got_first[0], RuntimeError)
        assert got_second[0].body == b"second"
        assert cache.get(f"building:{KEY}:7") is None

    def test_a_claim_that_never_ends_is_waited_for_only_so_long(self, monkeypatch):
        monkeypatch.setattr(index_cache, "BUILD_WAIT", 0.2)
        cache.add(f"building:{KEY}:7", 1, 30)  # a process killed mid-build
        started = time.monotonic()
        assert index_cache.page_built(7, KEY, lambda: page("mine")).body == b"mine"
        assert 0.2 <= time.monotonic() - started < 2

    def test_a_new_generation_does_not_wait_for_an_older_build(self, monkeypatch):
        monkeypatch.setattr(index_cache, "BUILD_WAIT", 3)
        cache.add(f"building:{KEY}:7", 1, 30)
        started = time.monotonic()
        assert index_cache.page_built(8, KEY, lambda: page("newer")).body == b"newer"
        assert time.monotonic() - started < 1

    def test_a_page_stored_under_an_older_generation_is_not_taken(self, monkeypatch):
        monkeypatch.setattr(index_cache, "BUILD_WAIT", 0.3)
        cache.add(f"building:{KEY}:8", 1, 30)
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
                                                                accept, key_of):
        assert client.get(path).status_code == 200  # the generation and facts are cached
        generation = (index_cache.project_lookup("acme", "demo").generation if "demo" in path
                      else index_cache.root_lookup("acme", "anon", "text/html")[0])
        key = key_of()
        cache.delete(key)
        cache.add(f"building:{key}:{generation}", 1, 30)  # another process is building it
        request, response = in_thread(lambda: client.get(path, HTTP_ACCEPT=accept))
        time.sleep(0.1)
        assert request.is_alive()  # waiting, not rendering
        index_cache.page_store(generation, key, page("from the other process"))
        cache.delete(f"building:{key}:{generation}")
        request.join(10)
        assert response[0].status_code == 200
        assert response[0].content == b"from the other process"
        connection.close()
