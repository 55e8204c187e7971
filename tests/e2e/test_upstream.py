"""One index URL for everything: pip and uv through an org that proxies a live upstream.

The upstream is a static simple index on 127.0.0.1 (tests/registry/upstream/index_server.py)
that logs every path it is asked for; Wheelhouse runs live (gunicorn) with its operator
command configuring the org's upstream and reserved names.
"""

import base64
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.corpus import build_wheel, core_metadata
from tests.e2e.conftest import run_client, twine_upload
from tests.live import BIN
from tests.registry.upstream.index_server import StaticIndex, wheel_dist

pytestmark = pytest.mark.e2e
ORG = "proxied"


def wheel(folder, name: str, version: str, *requires: str):
    extra = "".join(f"Requires-Dist: {r}\n" for r in requires)
    return build_wheel(folder, name, version,
                       metadata=core_metadata(name, version, extra=extra))


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    folder = tmp_path_factory.mktemp("upstream")
    index = StaticIndex()
    index.add(wheel_dist(wheel(folder, "dep-one", "1.0", "dep-two>=1")))
    index.add(wheel_dist(wheel(folder, "dep-two", "1.5")))
    index.add(wheel_dist(wheel(folder, "shared-name", "5.0")))
    index.add(wheel_dist(wheel(folder, "popular-dep", "1.0"), pause=1.0))
    for number in range(1, 21):  # a 20-package set, each needing the next
        needs = [f"set-{number + 1:02d}>=1"] if number < 20 else []
        for version in ("1.0", "1.1"):
            index.add(wheel_dist(wheel(folder, f"set-{number:02d}", version, *needs)))
    tampered = index.add(wheel_dist(wheel(folder, "tampered-dep", "1.0")))
    # Same name and version, other content: what a compromised upstream or mirror serves.
    evil = wheel(tmp_path_factory.mktemp("evil"), "tampered-dep", "1.0", "dep-two")
    tampered.served = evil.read_bytes()
    assert tampered.served != tampered.body
    index.start()
    yield index
    index.stop()


@pytest.fixture(scope="module")
def org(registry, upstream, tmp_path_factory):
    """A private org owning private-app (which needs dep-one from upstream) and its own
    shared-name 1.0, with the upstream added and acme-* reserved by the operator command."""
    registry.manage("createorg", ORG, "--visibility", "private")
    registry.manage("upstream", ORG, "add", upstream.url)
    registry.manage("upstream", ORG, "reserve", "acme-*")
    folder = tmp_path_factory.mktemp("private")
    result = twine_upload(registry, ORG, registry.token(ORG, "--permission", "upload"),
                          wheel(folder, "private-app", "1.0", "dep-one"),
                          wheel(folder, "shared-name", "1.0"))
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    host = registry.url.split("://", 1)[1]
    read = registry.token(ORG, "--permission", "read")
    return f"http://__token__:{read}@{host}/{ORG}/simple/"


def fresh_venv(tmp_path, name="venv"):
    venv = tmp_path / name
    assert run_client(str(BIN / "python"), "-m", "venv", "--without-pip", str(venv)
                      ).returncode == 0
    return venv


def uv_install(venv, index: str, *requirements: str):
    return run_client(str(BIN / "uv"), "pip", "install", "--no-cache", "--python",
                      str(venv / "bin" / "python"), "--index-url", index, *requirements)


def pip_install(venv, index: str, *requirements: str):
    return run_client(str(BIN / "pip"), "--python", str(venv / "bin" / "python"), "install",
                      "--no-cache-dir", "--index-url", index, *requirements)


def versions(venv, *names: str) -> dict[str, str]:
    code = ("import importlib.metadata as m, sys\n"
            "for n in sys.argv[1:]:\n"
            "    try: print(n, m.version(n))\n"
            "    except m.PackageNotFoundError: print(n, '-')\n")
    result = run_client(str(venv / "bin" / "python"), "-c", code, *names)
    return dict(line.split() for line in result.stdout.splitlines())


class TestOneIndexUrl:
    def test_pip_installs_a_private_package_with_dependencies_from_upstream(
            self, org, upstream, tmp_path):
        venv = fresh_venv(tmp_path)
        result = pip_install(venv, org, "private-app")
        assert result.returncode == 0, result.stdout + result.stderr
        assert versions(venv, "private-app", "dep-one", "dep-two") == {
            "private-app": "1.0", "dep-one": "1.0", "dep-two": "1.5"}
        assert upstream.asked("/simple/dep-one/") and upstream.asked("/files/dep_two-1.5")
        assert upstream.asked("private-app") == []

    def test_uv_too(self, org, upstream, tmp_path):
        venv = fresh_venv(tmp_path)
        result = uv_install(venv, org, "private-app")
        assert result.returncode == 0, result.stdout + result.stderr
        assert versions(venv, "dep-one", "dep-two") == {"dep-one": "1.0", "dep-two": "1.5"}

    def test_a_private_name_never_asks_upstream_even_for_a_higher_version(
            self, org, upstream, tmp_path):
        for install in (pip_install, uv_install):
            venv = fresh_venv(tmp_path, install.__name__)
            result = install(venv, org, "shared-name")
            assert result.returncode == 0, result.stdout + result.stderr
            assert versions(venv, "shared-name") == {"shared-name": "1.0"}
        assert upstream.asked("shared-name") == []

    def test_a_reserved_name_is_refused_without_asking(self, registry, org, upstream,
                                                       tmp_path):
        result = pip_install(fresh_venv(tmp_path), org, "acme-tools")
        assert result.returncode != 0
        assert upstream.asked("acme") == []
        assert "refusals: 1" in registry.manage("upstream", ORG, "list").stdout

    def test_a_tampered_upstream_file_is_refused(self, registry, org, upstream, tmp_path):
        venv = fresh_venv(tmp_path)
        for install in (pip_install, uv_install):
            result = install(venv, org, "tampered-dep")
            assert result.returncode != 0, result.stdout
        assert versions(venv, "tampered-dep") == {"tampered-dep": "-"}
        assert "does not match its page" in registry.log_tail()
        assert len(upstream.asked("/files/tampered_dep")) >= 2  # never kept: asked again


    def test_uv_pip_compile_resolves_a_20_package_set(self, org, tmp_path):
        requirements = tmp_path / "requirements.in"
        requirements.write_text("private-app\nset-01\n")
        result = run_client(str(BIN / "uv"), "pip", "compile", "--no-cache", "--index-url",
                            org, str(requirements), "-o", str(tmp_path / "requirements.txt"))
        assert result.returncode == 0, result.stdout + result.stderr
        pinned = (tmp_path / "requirements.txt").read_text()
        assert all(f"set-{n:02d}==1.1" in pinned for n in range(1, 21)), pinned
        assert "dep-two==1.5" in pinned


    def test_concurrent_cold_requests_for_one_file_fetch_it_once(self, registry, org, upstream):
        host_part = org.split("@", 1)[1]
        token = org.split("__token__:", 1)[1].split("@", 1)[0]
        base = f"http://{host_part}"
        auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()

        def get(url: str) -> bytes:
            request = urllib.request.Request(url, headers={"Authorization": auth})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()

        get(base + "popular-dep/")  # the page: its files become known
        dist = upstream.projects["popular-dep"][0]
        url = f"{registry.url}/{ORG}/files/upstream/popular-dep/{dist.filename}"
        with ThreadPoolExecutor(16) as pool:
            bodies = list(pool.map(get, [url] * 16))
        assert all(body == dist.body for body in bodies)
        fetched = len(upstream.asked("/files/" + dist.filename))
        # One fetch per shared cache: with Redis one in all; with each of the live server's
        # two processes keeping its own memory cache, at most one each.
        assert fetched == 1 if os.environ.get("REDIS_URL") else 1 <= fetched <= 2


class TestUpstreamDown:
    def test_a_warm_cache_still_installs(self, org, upstream, tmp_path):
        warm = fresh_venv(tmp_path, "warm")
        assert pip_install(warm, org, "private-app").returncode == 0
        upstream.stop()
        asked = len(upstream.log)
        for install in (pip_install, uv_install):
            venv = fresh_venv(tmp_path, "cold-" + install.__name__)
            result = install(venv, org, "private-app")
            assert result.returncode == 0, result.stdout + result.stderr
            assert versions(venv, "dep-one", "dep-two") == {"dep-one": "1.0", "dep-two": "1.5"}
        assert len(upstream.log) == asked
