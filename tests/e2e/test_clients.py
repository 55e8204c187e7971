"""The real clients against a live registry: twine and uv upload, pip and uv install."""

import pytest

from tests.corpus import build_sdist, build_wheel
from tests.e2e.conftest import run_client, twine_upload

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def acme(registry):
    registry.manage("createorg", "acme", "--visibility", "private")
    registry.manage("addmember", "acme", "alice", "--create", "--role", "admin")
    return {
        "upload": registry.token("acme", "--user", "alice", "--permission", "upload"),
        "read": registry.token("acme", "--permission", "read", "--description", "pip"),
    }


def index_url(registry, token: str | None, org: str = "acme") -> str:
    host = registry.url.split("://", 1)[1]
    auth = f"__token__:{token}@" if token else ""
    return f"http://{auth}{host}/{org}/simple/"


def check_import(venv, module: str, expected: str):
    result = run_client(str(venv / "bin" / "python"), "-c",
                        f"import {module}; print({module}.GREETING)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


class TestTwineAndPip:
    def test_twine_upload_then_pip_install_and_import(self, registry, acme, tmp_path,
                                                      client_venv):
        files = [build_wheel(tmp_path, "hello-wheelhouse", "1.0"),
                 build_sdist(tmp_path, "hello-wheelhouse", "1.0")]
        upload = twine_upload(registry, "acme", acme["upload"], *files)
        assert upload.returncode == 0, upload.stdout + upload.stderr + registry.log_tail()

        install = run_client(str(client_venv / "bin" / "pip"), "install", "--no-cache-dir",
                             "--index-url", index_url(registry, acme["read"]),
                             "hello-wheelhouse==1.0")
        assert install.returncode == 0, install.stdout + install.stderr
        check_import(client_venv, "hello_wheelhouse", "hello from hello-wheelhouse 1.0")

    def test_uploading_the_same_file_again_succeeds(self, registry, acme, tmp_path):
        # The same bytes again answer 200, so a re-run CI job passes. (twine 7 refuses
        # --skip-existing client-side for any repository that is not PyPI, so a plain
        # re-upload is what works with every twine version.)
        wheel = build_wheel(tmp_path, "again-pkg", "1.0")
        assert twine_upload(registry, "acme", acme["upload"], wheel).returncode == 0
        again = twine_upload(registry, "acme", acme["upload"], wheel)
        assert again.returncode == 0, again.stdout + again.stderr

    def test_wrong_token_is_refused_with_a_clear_message(self, registry, acme, tmp_path):
        wheel = build_wheel(tmp_path, "hello-wheelhouse", "9.0")
        upload = twine_upload(registry, "acme", "whk_not_a_real_token", wheel)
        assert upload.returncode != 0
        assert "Invalid API token" in upload.stdout + upload.stderr

    def test_read_token_cannot_upload(self, registry, acme, tmp_path):
        wheel = build_wheel(tmp_path, "hello-wheelhouse", "9.1")
        upload = twine_upload(registry, "acme", acme["read"], wheel)
        assert upload.returncode != 0
        assert "not allowed to upload" in upload.stdout + upload.stderr

    def test_without_a_token_pip_cannot_see_the_private_project(self, registry, acme,
                                                                client_venv, tmp_path):
        # The index challenges it (401): pip would ask for credentials, but may not here.
        since = len(registry.access_log().splitlines())
        install = run_client(str(client_venv / "bin" / "pip"), "download", "--no-cache-dir",
                             "--no-input", "--no-deps", "-d", str(tmp_path),
                             "--index-url", index_url(registry, None), "hello-wheelhouse")
        assert install.returncode != 0
        assert "No matching distribution found for hello-wheelhouse" in install.stderr
        page = [line for line in registry.access_log().splitlines()[since:]
                if '"GET /acme/simple/hello-wheelhouse/ ' in line]
        assert page and all('" 401 ' in line for line in page), page


class TestUv:
    def test_uv_publish_then_uv_pip_install(self, registry, acme, tmp_path, uv, client_venv):
        dist = tmp_path / "dist"
        dist.mkdir()
        build_wheel(dist, "uv-published", "2.0")
        build_sdist(dist, "uv-published", "2.0")
        env = {"UV_CACHE_DIR": str(tmp_path / "uv-cache")}
        publish = run_client(uv, "publish", "--publish-url", f"{registry.url}/acme/legacy/",
                             "-u", "__token__", "-p", acme["upload"], f"{dist}/*", env=env)
        assert publish.returncode == 0, publish.stdout + publish.stderr + registry.log_tail()

        install = run_client(uv, "pip", "install", "--python", str(client_venv / "bin" / "python"),
                             "--index-url", index_url(registry, acme["read"]), "uv-published",
                             env=env)
        assert install.returncode == 0, install.stdout + install.stderr
        check_import(client_venv, "uv_published", "hello from uv-published 2.0")
