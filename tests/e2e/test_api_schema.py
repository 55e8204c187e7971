"""Fuzz every documented operation of the management API against a live server.

schemathesis reads /api/schema/ from a real gunicorn on 127.0.0.1 and calls every operation
with an org owner's admin token; any 5xx, or an answer that does not match the schema
(status code, content type, body), fails the test. Bounded: few examples, a hard timeout.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import live_registry

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance",
])


@pytest.fixture
def live(tmp_path):
    registry = live_registry(tmp_path).start()
    yield registry
    registry.stop()


@pytest.mark.e2e
def test_every_operation_answers_as_documented(live, tmp_path):
    live.manage("createorg", "acme")
    live.manage("addmember", "acme", "alice", "--role", "owner", "--create")
    token = live.token("acme", "--user", "alice", "--permission", "admin")
    # Path parameters that name the org point at the real one, so calls get past the 404.
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.org" = "acme"\n')
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", f"{live.url}/api/schema/", "--url", live.url,
        "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
        "--max-examples", "8", "--seed", "1", "--request-timeout", "10",
        "--workers", "1", "--generation-deterministic", "--warnings", "off",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"schemathesis did not finish in 90 s:\n{exc.stdout}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:] \
        + live.log_tail()
