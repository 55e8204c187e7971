"""deploy/nginx in front of gunicorn, with the system's nginx: the configuration loads, real
clients upload and install through it, files leave through X-Accel-Redirect, and clients
sending their uploads slowly never starve the readers."""

import hashlib
import json
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.corpus import build_wheel
from tests.deploy.nginx import NGINX, Nginx, template_variables
from tests.e2e.conftest import run_client, twine_upload

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not Path(NGINX).exists(),
                                 reason="needs nginx (.ci/run installs the system package)")]
NAME = "nginx-demo"


def test_the_configuration_is_valid(tmp_path):
    assert template_variables() == {"WHEELHOUSE_LISTEN", "WHEELHOUSE_UPSTREAM",
                                    "WHEELHOUSE_MAX_BODY", "WHEELHOUSE_FILES_DIR"}
    check = Nginx(prefix=tmp_path, upstream="127.0.0.1:8000", files_dir=tmp_path).check()
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr


@pytest.fixture(scope="module")
def org(behind_nginx, tmp_path_factory):
    live, nginx = behind_nginx
    live.manage("createorg", "edge", "--visibility", "private")
    live.manage("addmember", "edge", "nina", "--create", "--role", "admin")
    upload = live.token("edge", "--user", "nina", "--permission", "upload")
    wheel = build_wheel(tmp_path_factory.mktemp("dists"), NAME, "1.0")
    result = twine_upload(nginx, "edge", upload, wheel)
    assert result.returncode == 0, result.stdout + result.stderr + live.log_tail()
    read = live.token("edge", "--permission", "read")
    host = nginx.url.split("//")[1]
    return {"wheel": wheel, "read": read, "upload": upload,
            "index": f"http://__token__:{read}@{host}/edge/simple/"}


def get(url: str, token: str, **headers):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   **headers})
    return urllib.request.urlopen(request, timeout=30)


def file_url(nginx: Nginx, token: str, filename: str) -> str:
    with get(f"{nginx.url}/edge/simple/{NAME}/", token,
             Accept="application/vnd.pypi.simple.v1+json") as page:
        files = json.load(page)["files"]
    url = next(f["url"] for f in files if f["filename"] == filename)
    return url if url.startswith("http") else nginx.url + url


class TestThroughNginx:
    def test_pip_installs_what_twine_uploaded(self, org, client_venv):
        result = run_client(str(client_venv / "bin" / "pip"), "install", "--no-cache-dir",
                            "--index-url", org["index"], NAME)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_nginx_sends_the_file_itself(self, behind_nginx, org):
        live, nginx = behind_nginx
        data = org["wheel"].read_bytes()
        url = file_url(nginx, org["read"], org["wheel"].name)
        with get(url, org["read"]) as response:
            assert response.read() == data
            # The web process's headers, once each (not nginx's own ETag beside them).
            assert response.headers.get_all("ETag") == [f'"{hashlib.sha256(data).hexdigest()}"']
            assert response.headers.get_all("Cache-Control") == ["private, max-age=0"]
            [disposition] = response.headers.get_all("Content-Disposition")
            assert org["wheel"].name in disposition
        with get(url, org["read"], Range="bytes=5-14") as part:
            assert part.status == 206 and part.read() == data[5:15]
        # gunicorn answered with the header only; nginx read the file.
        path = url.split(nginx.url, 1)[1]
        line = next(x for x in reversed(live.access_log().splitlines()) if path in x)
        assert '" 200 0 ' in line, line

    def test_the_internal_location_is_not_reachable(self, behind_nginx, org):
        _live, nginx = behind_nginx
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{nginx.url}/_files/", timeout=10)
        assert refused.value.code == 404

    def test_a_body_over_the_limit_is_refused_by_nginx(self, behind_nginx, org, tmp_path):
        live, nginx = behind_nginx
        posts = live.access_log().count("POST /edge/legacy/")
        small = Nginx(prefix=tmp_path, upstream=nginx.upstream, files_dir=nginx.files_dir,
                      max_body="64k").start()
        try:
            request = urllib.request.Request(
                f"{small.url}/edge/legacy/", data=b"x" * 100_000, method="POST",
                headers={"Authorization": f"Bearer {org['upload']}",
                         "Content-Type": "multipart/form-data; boundary=x"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 413
        finally:
            small.stop()
        assert live.access_log().count("POST /edge/legacy/") == posts  # gunicorn saw nothing

    def test_the_client_address_is_the_one_nginx_saw(self, behind_nginx, org):
        """nginx appends the peer to X-Forwarded-For; a client's own value is not believed."""
        live, nginx = behind_nginx
        token = live.token("edge", "--user", "nina", "--permission", "admin")
        with get(f"{nginx.url}/edge/simple/", token, **{"X-Forwarded-For": "203.0.113.9"}):
            pass
        with get(f"{nginx.url}/api/v1/orgs/edge/tokens/", token) as listing:
            body = json.load(listing)
        used = {t["last_used_ip"] for t in body["results"] if t["last_used_ip"]}
        assert used == {"127.0.0.1"}


def slow_upload(nginx: Nginx, token: str, stop: threading.Event, answered: list) -> None:
    """A POST whose body arrives a few bytes at a time until ``stop``."""
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=60) as sock:
        sock.sendall((f"POST /edge/legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {token}\r\n"
                      f"Content-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: 1000000\r\n\r\n").encode())
        sock.settimeout(0.3)
        while not stop.is_set():
            sock.sendall(b"--x")
            try:
                if sock.recv(1):
                    answered.append(True)
                    return
            except TimeoutError:
                pass


class TestSlowClients:
    def test_slow_uploads_do_not_starve_readers(self, behind_nginx, org, client_venv):
        live, nginx = behind_nginx
        stop, answered = threading.Event(), []
        # More slow uploads than gunicorn has threads (2 processes of 4 in tests.live).
        slow = [threading.Thread(target=slow_upload, args=(nginx, org["upload"], stop, answered))
                for _ in range(16)]
        for thread in slow:
            thread.start()
        try:
            for _ in range(10):
                with get(f"{nginx.url}/edge/simple/{NAME}/", org["read"]) as page:
                    assert page.status == 200
            result = run_client(str(client_venv / "bin" / "pip"), "download", "--no-cache-dir",
                                "--no-deps", "-d", str(live.var_dir / "dl"), "--index-url",
                                org["index"], NAME, timeout=60)
            assert result.returncode == 0, result.stdout + result.stderr
            assert all(thread.is_alive() for thread in slow) and not answered
        finally:
            stop.set()
            for thread in slow:
                thread.join(timeout=30)
