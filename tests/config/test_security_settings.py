"""HTTPS settings, and Django's deployment check with the variables the README documents."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def readme_production_variables() -> dict[str, str]:
    """The first ``sh`` block of the README's Security section, one ``NAME=value`` a line."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    found = {}
    for line in block.splitlines():
        name, _, value = line.split("#", 1)[0].strip().partition("=")
        found[name] = value
    return found


def deploy_check(variables: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "WHEELHOUSE_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


class TestDeployCheck:
    def test_is_clean_with_the_variables_the_readme_documents(self, tmp_path):
        variables = readme_production_variables()
        assert variables["SECRET_KEY"] == "..."  # the README says how to make one
        variables["SECRET_KEY"] = secrets.token_urlsafe(50)
        result = deploy_check(variables, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    @pytest.mark.parametrize("left_out,warnings", [
        (["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"], ["security.W008", "security.W004"]),
        (["SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"],
         ["security.W005", "security.W021"]),
    ])
    def test_warns_about_the_https_variables_left_out(self, tmp_path, left_out, warnings):
        variables = readme_production_variables()
        variables["SECRET_KEY"] = secrets.token_urlsafe(50)
        result = deploy_check({k: v for k, v in variables.items() if k not in left_out},
                              tmp_path)
        assert result.returncode != 0
        assert all(warning in result.stderr for warning in warnings), result.stderr


@pytest.fixture
def https_settings(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
class TestHttps:
    def test_plain_http_is_redirected_to_https(self, https_settings):
        response = Client().get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/accounts/login/"

    @pytest.mark.parametrize("path", ["/healthz", "/readyz"])
    def test_health_probes_answer_over_plain_http(self, https_settings, path):
        assert Client().get(path).status_code == 200

    def test_https_through_the_proxy_gets_strict_transport_security(self, https_settings):
        response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


class TestVariables:
    PROBE = ("import django, json; django.setup(); from django.conf import settings as s; "
             "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
             "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_REDIRECT_EXEMPT]))")

    def probe(self, tmp_path, **variables) -> str:
        env = {"PATH": "/usr/bin:/bin", "WHEELHOUSE_VAR_DIR": str(tmp_path), "DEBUG": "0",
               "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
        result = subprocess.run([sys.executable, "-c", self.PROBE], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def test_defaults_are_off(self, tmp_path):
        assert self.probe(tmp_path) == '[false, 0, false, false, ["^healthz$", "^readyz$"]]'

    def test_each_is_read_from_the_environment(self, tmp_path):
        found = self.probe(tmp_path, SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="60",
                           SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")
        assert found == '[true, 60, true, true, ["^healthz$", "^readyz$"]]'
