"""The Redis cache backend, and the requests that use it, with the test's own Redis killed,
frozen (SIGSTOP) and restarted."""

import signal
import threading

import pytest

from config.redis_cache import CacheUnavailable, PooledRedisCache
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, UserFactory, stored_file
from tests.faults.harness import wait_for


@pytest.fixture
def backend(redis_server):
    return PooledRedisCache(redis_server.url + "/0", {"KEY_PREFIX": "faults", "OPTIONS": {
        "socket_timeout": 0.2, "socket_connect_timeout": 0.2}})


def _answered(call):
    """What ``call`` returns, run in a thread; fails if it does not end in 10 s."""
    found = []
    thread = threading.Thread(target=lambda: found.append(call()), daemon=True)
    thread.start()
    thread.join(10)
    assert found, "the call hung"
    return found[0]


class TestBackend:
    def test_reads_miss_stores_are_skipped_drops_and_counts_refuse(self, backend,
                                                                   redis_server):
        backend.set("page", b"body")
        backend.add("count", 1)
        assert backend.get_many(["page", "count"]) == {"page": b"body", "count": 1}
        redis_server.kill()
        assert backend.get("page") is None
        assert backend.get_many(["page", "count"]) == {}
        assert backend.add("other", 1) is False
        backend.set("page", b"new")  # nothing stored, nothing raised
        with pytest.raises(CacheUnavailable):
            backend.delete_many(["page"])
        with pytest.raises(CacheUnavailable):
            backend.incr("count")

    def test_back_without_a_restart_of_the_process(self, backend, redis_server):
        backend.set("page", b"body")
        redis_server.kill()
        assert backend.get("page") is None
        redis_server.start()  # empty again: no persistence
        wait_for(lambda: backend.add("page", b"again"), 10, "the cache in use again")
        assert backend.get("page") == b"again"
        backend.delete("page")

    def test_a_frozen_redis_costs_a_timeout_not_a_hang(self, backend, redis_server):
        backend.set("page", b"body")
        redis_server.process.send_signal(signal.SIGSTOP)
        try:
            assert _answered(lambda: backend.get("page")) is None
            assert _answered(lambda: backend.get_many(["page"])) == {}
        finally:
            redis_server.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_cache(settings, redis_server):
    local = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "config.redis_cache.PooledRedisCache",
                                   "LOCATION": redis_server.url + "/0",
                                   "KEY_PREFIX": "faults"}}
    settings.INDEX_CACHE_SHARED = True  # the production path: facts and pages from Redis
    settings.REDIS_URL = redis_server.url + "/0"
    yield redis_server
    settings.CACHES = local  # before the suite's fixture clears the cache it ends with


@pytest.mark.django_db
class TestRequestsWithoutRedis:
    def test_index_reads_come_from_the_database(self, client, redis_cache):
        org = OrgFactory(slug="acme", default_visibility="public")
        release = ReleaseFactory(project=ProjectFactory(org=org, name="pkg"), version="1.0")
        stored_file(release)
        assert client.get("/acme/simple/pkg/").status_code == 200
        redis_cache.kill()
        for path in ("/acme/simple/", "/acme/simple/pkg/", "/acme/pypi/pkg/json",
                     "/acme/pypi/pkg/1.0/json"):
            assert client.get(path).status_code == 200, path

    def test_a_wrong_token_is_refused_as_usual(self, client, redis_cache, auth_header):
        OrgFactory(slug="acme", default_visibility="public")
        redis_cache.kill()
        response = client.get("/acme/simple/", **auth_header("whk_not-a-token"))
        assert response.status_code == 401

    def test_rate_limited_sign_in_answers_503_rather_than_go_uncounted(self, client,
                                                                       redis_cache):
        UserFactory(username="olive")
        redis_cache.kill()
        response = client.post("/accounts/login/", {"username": "olive", "password": "no"})
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0

    def test_readiness_says_degraded_not_down(self, client, redis_cache):
        # The registry still serves reads: a load balancer must keep it in rotation.
        redis_cache.kill()
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["checks"]["cache"].startswith("error")
        assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
class TestOperatorCommandsWithoutRedis:
    def test_yank_ends_with_one_line_and_changes_nothing(self, redis_cache):
        from django.core.management import CommandError, call_command

        org = OrgFactory(slug="acme", default_visibility="public")
        release = ReleaseFactory(project=ProjectFactory(org=org, name="pkg"), version="1.0")
        redis_cache.kill()
        with pytest.raises(CommandError, match="cache is unreachable") as raised:
            call_command("yank", "acme", "pkg", "1.0", "--reason", "broken")
        assert "\n" not in str(raised.value)
        release.refresh_from_db()
        assert release.yanked is False
