"""A CI token end to end: made through the management API, used by the real twine."""

import json
import urllib.request

import pytest

from tests.corpus import build_wheel
from tests.e2e.conftest import twine_upload
from tests.live import live_registry


@pytest.fixture
def live(tmp_path):
    registry = live_registry(tmp_path / "var").start()
    yield registry
    registry.stop()


def api(live, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        live.url + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        return json.loads(response.read())


@pytest.mark.e2e
def test_org_token_scoped_to_one_project_uploads_there_only(live, tmp_path):
    live.manage("createorg", "acme")
    live.manage("addmember", "acme", "alice", "--role", "admin", "--create")
    admin = live.token("acme", "--user", "alice", "--permission", "admin")
    for name in ("alpha", "beta"):
        api(live, admin, "POST", "/api/v1/orgs/acme/projects/", {"name": name})
    api(live, admin, "POST", "/api/v1/orgs/acme/teams/", {"slug": "ci"})
    api(live, admin, "POST", "/api/v1/orgs/acme/projects/alpha/grants/",
        {"team": "ci", "permission": "upload"})
    created = api(live, admin, "POST", "/api/v1/orgs/acme/tokens/",
                  {"owner": "org", "permission": "upload", "projects": ["alpha"],
                   "description": "CI for alpha"})
    ci_token = created["token"]

    done = twine_upload(live, "acme", ci_token, build_wheel(tmp_path, "alpha", "1.0"))
    assert done.returncode == 0, done.stdout + done.stderr + live.log_tail()
    files = api(live, admin, "GET", "/api/v1/orgs/acme/projects/alpha/files/")
    assert [f["filename"] for f in files["results"]] == ["alpha-1.0-py3-none-any.whl"]

    refused = twine_upload(live, "acme", ci_token, build_wheel(tmp_path, "beta", "1.0"))
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "403" in output and "not allowed to upload to project 'beta'" in output, output
