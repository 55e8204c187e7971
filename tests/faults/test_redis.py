"""Redis killed and restarted under a live registry (gunicorn, a Celery worker)."""

from tests.faults.harness import public_org, wait_for, wheel


def _reads(registry) -> dict[str, int]:
    """What pip and uv read, anonymously: index pages, JSON API, the file."""
    found = registry.get("/acme/pypi/pkg/json")
    statuses = {"json": found.status_code}
    for path in ("/acme/simple/", "/acme/simple/pkg/", "/acme/pypi/pkg/1.0/json"):
        statuses[path] = registry.get(path).status_code
    if found.status_code == 200:
        url = found.json()["urls"][0]["url"]
        statuses["file"] = registry.get(url.removeprefix(registry.url)).status_code
    return statuses


class TestRedisUnreachable:
    def test_reads_work_uploads_and_writes_are_refused_and_it_recovers(self, tmp_path, registry,
                                                                       live_redis):
        token = public_org(registry)
        admin = registry.live.token("acme", "--permission", "admin")
        assert registry.upload("acme", token, wheel(tmp_path, "pkg", "1.0"), "pkg",
                               "1.0").status_code == 200
        assert set(_reads(registry).values()) == {200}  # and cached now

        live_redis.kill()
        assert set(_reads(registry).values()) == {200}, registry.log_tail()
        refused = registry.upload("acme", token, wheel(tmp_path, "pkg", "1.1"), "pkg", "1.1")
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert "unreachable" in refused.text and "nothing was kept" in refused.text
        yank = "/api/v1/orgs/acme/projects/pkg/releases/1.0/yank/"
        refused = registry.live_post(yank, admin)
        assert refused.status_code == 503, refused.text
        assert "Retry-After" in refused.headers and "nothing was changed" in refused.text
        # Nothing half-done: the release is not yanked.
        assert registry.get("/acme/pypi/pkg/1.0/json").json()["info"]["yanked"] is False

        live_redis.start()  # the same port; the web and the worker are not restarted
        assert wait_for(lambda: registry.upload("acme", token, wheel(tmp_path, "pkg", "1.1"),
                                                "pkg", "1.1").status_code == 200, 30,
                        "an upload after Redis came back")
        assert registry.live_post(yank, admin).status_code == 200
        page = registry.get("/acme/simple/pkg/", headers={
            "Accept": "application/vnd.pypi.simple.v1+json"}).json()
        assert page["versions"] == ["1.0", "1.1"]
        assert {f["filename"]: bool(f.get("yanked")) for f in page["files"]} == {
            "pkg-1.0-py3-none-any.whl": True, "pkg-1.1-py3-none-any.whl": False}


class TestRedisRestartedWithAQueuedUpload:
    def test_a_retry_recovers_the_lost_task_at_once(self, tmp_path, registry, live_redis):
        token = public_org(registry, "queued")
        registry.kill_worker()  # the upload stays queued in Redis
        path = wheel(tmp_path, "queued", "1.0")
        first = registry.upload("queued", token, path, "queued", "1.0")
        assert first.status_code == 503 and "still being validated" in first.text

        live_redis.kill()  # without persistence: the queued task is gone
        live_redis.start()
        registry.start_worker()
        retry = registry.upload("queued", token, path, "queued", "1.0")
        assert retry.status_code == 200, retry.text + registry.log_tail()
        assert registry.get("/queued/simple/queued/").status_code == 200
