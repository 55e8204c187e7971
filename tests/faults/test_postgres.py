"""Postgres behind a TCP proxy the test stalls (a hung server) or cuts (a server gone)."""

import requests

from tests.faults.harness import public_org, wait_for, wheel


def _authenticated_read(registry, token: str) -> int:
    return registry.get("/acme/simple/pkg/", auth=("__token__", token)).status_code


class TestPostgresHangs:
    def test_readyz_answers_and_cached_reads_are_served(self, tmp_path, proxied, proxy):
        token = public_org(proxied, "hangs")
        assert proxied.upload("hangs", token, wheel(tmp_path, "pkg", "1.0"), "pkg",
                              "1.0").status_code == 200
        assert proxied.get("/hangs/simple/pkg/").status_code == 200  # cached now

        proxy.stall()
        # requests' timeouts bound each answer: a hang fails the test.
        ready = proxied.get("/readyz", timeout=3)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("error")
        for _ in range(5):
            assert proxied.get("/hangs/simple/pkg/", timeout=3).status_code == 200

        proxy.restore()
        wait_for(lambda: proxied.get("/readyz", timeout=3).status_code == 200, 20,
                 "ready again")


class TestPostgresBackAfterAnOutage:
    def test_no_error_after_recovery(self, tmp_path, proxied, proxy):
        token = public_org(proxied)
        reader = proxied.live.token("acme", "--permission", "read")
        first = proxied.upload("acme", token, wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        assert first.status_code == 200, first.text + proxied.log_tail()
        # Every web thread holds a connection through the proxy.
        for _ in range(16):
            assert _authenticated_read(proxied, reader) == 200

        proxy.cut()
        assert _authenticated_read(proxied, reader) in (200, 503)  # never a bare 500
        proxy.restore()

        after = [_authenticated_read(proxied, reader) for _ in range(16)]
        assert after == [200] * 16, proxied.log_tail()
        upload = proxied.upload("acme", token, wheel(tmp_path, "pkg", "1.1"), "pkg", "1.1")
        assert upload.status_code == 200, upload.text + proxied.log_tail()
        assert requests.get(proxied.url + "/acme/pypi/pkg/1.1/json", timeout=10).ok
