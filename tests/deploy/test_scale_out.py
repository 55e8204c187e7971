"""Two web processes with no shared disk and two Celery workers against one Postgres, Redis and
S3 store (moto's server): uploads through one, installs through the other, a yank shows at
once on the other, and a worker killed while uploads are in flight loses none of them."""

import hashlib
import json
import os
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from tests.corpus import build_wheel
from tests.e2e.conftest import run_client, twine_upload
from tests.live import live_registry

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (os.environ.get("CELERY_BROKER_URL") and os.environ.get("REDIS_URL")
                            and os.environ.get("DATABASE_URL")),
                       reason="needs Postgres, Redis and a broker (the second pass of .ci/run)"),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory, s3_server):
    """Web process + worker ``a`` and ``b``: the same database, cache, queue and bucket,
    each with its own var folder."""
    bucket = s3_server.bucket()
    a = live_registry(tmp_path_factory.mktemp("web-a"))
    a.env.update(s3_server.environment(bucket))
    var_b = tmp_path_factory.mktemp("web-b")
    b = replace(a, var_dir=var_b, processes=[], pg=None,
                env={**a.env, "WHEELHOUSE_VAR_DIR": str(var_b), "STATIC_ROOT": str(var_b / "s")})
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        b.stop()
        a.stop()


@pytest.fixture(scope="module")
def org(pair):
    a, _b = pair
    a.manage("createorg", "wide", "--visibility", "private")
    a.manage("addmember", "wide", "wes", "--create", "--role", "admin")
    return {"upload": a.token("wide", "--user", "wes", "--permission", "upload"),
            "admin": a.token("wide", "--user", "wes", "--permission", "admin"),
            "read": a.token("wide", "--permission", "read")}


def index(live, token: str) -> str:
    return f"http://__token__:{token}@{live.url.split('//')[1]}/wide/simple/"


def files_on(live, token: str, project: str) -> dict:
    request = urllib.request.Request(
        f"{live.url}/wide/simple/{project}/",
        headers={"Authorization": f"Bearer {token}",
                 "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as page:
        return {f["filename"]: f for f in json.load(page)["files"]}


class TestScaleOut:
    def test_uploaded_through_one_installed_through_the_other(self, pair, org, tmp_path,
                                                              client_venv):
        a, b = pair
        wheel = build_wheel(tmp_path, "wide-demo", "1.0")
        result = twine_upload(a, "wide", org["upload"], wheel)
        assert result.returncode == 0, result.stdout + result.stderr + a.log_tail()
        install = run_client(str(client_venv / "bin" / "pip"), "install", "--no-cache-dir",
                             "--index-url", index(b, org["read"]), "wide-demo==1.0")
        assert install.returncode == 0, install.stdout + install.stderr

    def test_a_yank_through_one_shows_at_once_on_the_other(self, pair, org, tmp_path):
        a, b = pair
        wheel = build_wheel(tmp_path, "wide-yank", "1.0")
        assert twine_upload(a, "wide", org["upload"], wheel).returncode == 0
        assert files_on(b, org["read"], "wide-yank")[wheel.name]["yanked"] is False
        request = urllib.request.Request(
            f"{a.url}/api/v1/orgs/wide/projects/wide-yank/releases/1.0/yank/",
            data=json.dumps({"reason": "broken"}).encode(), method="POST",
            headers={"Authorization": f"Bearer {org['admin']}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        assert files_on(b, org["read"], "wide-yank")[wheel.name]["yanked"] == "broken"

    def test_a_worker_killed_under_load_loses_no_upload(self, pair, org, tmp_path):
        a, b = pair
        wheels = [build_wheel(tmp_path, f"wide-load-{i}", "1.0") for i in range(8)]

        def send(wheel):
            # A client retries what was not accepted, as CI does (twine exits non-zero).
            for _attempt in range(3):
                if twine_upload(a, "wide", org["upload"], wheel).returncode == 0:
                    return True
            return False

        with ThreadPoolExecutor(4) as pool:
            sent = [pool.submit(send, wheel) for wheel in wheels]
            # Once the load is under way, worker a dies without a word.
            deadline = time.monotonic() + 300
            while "POST /wide/legacy/" not in a.access_log() and time.monotonic() < deadline:
                time.sleep(0.05)
            a.processes[1].send_signal(signal.SIGKILL)
            accepted = [future.result() for future in sent]
        assert all(accepted), a.log_tail() + b.log_tail()
        for wheel in wheels:
            project = wheel.name.split("-")[0].replace("_", "-")
            listed = files_on(b, org["read"], project)[wheel.name]
            assert listed["hashes"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
