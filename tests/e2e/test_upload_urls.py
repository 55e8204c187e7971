"""What twine and uv say for an upload URL that is not quite right: an org that does not
exist, or the URL without its trailing slash."""

import pytest

from tests.corpus import build_wheel
from tests.e2e.conftest import run_client, twine_upload

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(registry):
    registry.manage("createorg", "urls", "--visibility", "private")
    return registry.token("urls", "--permission", "upload")


def said(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def uv_publish(uv, url: str, token: str, path, tmp_path):
    return run_client(uv, "publish", "--publish-url", url, "-u", "__token__", "-p", token,
                      str(path), env={"UV_CACHE_DIR": str(tmp_path / "uv-cache")})


class TestUnknownOrg:
    MESSAGE = "There is no organisation 'nowhere' here; check the upload URL (/ORG/legacy/)."

    def test_twine(self, registry, token, tmp_path, twine):
        result = twine_upload(registry, "nowhere", token, build_wheel(tmp_path, "u-pkg", "1.0"),
                              twine=twine)
        assert result.returncode != 0
        assert f"404 Not Found from {registry.url}/nowhere/legacy/ {self.MESSAGE}" \
            in said(result), said(result)

    def test_uv(self, registry, token, tmp_path, uv):
        result = uv_publish(uv, f"{registry.url}/nowhere/legacy/", token,
                            build_wheel(tmp_path, "u-pkg", "1.0"), tmp_path)
        assert result.returncode != 0
        assert self.MESSAGE in said(result), said(result)
        assert "<html" not in said(result).lower()


class TestWithoutTheTrailingSlash:
    """The URL without its slash answers 308 to the right one, not 403 for a CSRF cookie."""

    def test_twine_says_the_slash_is_missing(self, registry, token, tmp_path, twine):
        wheel = build_wheel(tmp_path, "slash-pkg", "1.0")
        result = run_client(twine, "upload", "--non-interactive", "--disable-progress-bar",
                            "--repository-url", f"{registry.url}/urls/legacy",
                            "-u", "__token__", "-p", token, str(wheel))
        assert result.returncode != 0
        assert f"attempted to redirect to {registry.url}/urls/legacy/. Your repository URL " \
               "is missing a trailing slash." in said(result), said(result)

    def test_uv_follows_it_and_publishes(self, registry, token, tmp_path, uv):
        result = uv_publish(uv, f"{registry.url}/urls/legacy", token,
                            build_wheel(tmp_path, "slash-uv", "1.0"), tmp_path)
        assert result.returncode == 0, said(result) + registry.log_tail()
