"""The sign-up policy settings: closed unless set, and refused when they make no sense."""

import os
import subprocess
import sys

import pytest

from tests.config.test_settings import ROOT

PROBE = ("import django; django.setup()\nfrom django.conf import settings\n"
         "print(settings.SIGNUP_POLICY, ','.join(settings.SIGNUP_ALLOWED_DOMAINS))")


def probe(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNUP_")}
    clean.update({"SECRET_KEY": "x" * 50}, **env)  # DEBUG is off unless set
    clean.update(DJANGO_SETTINGS_MODULE="config.settings",
                 WHEELHOUSE_VAR_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_closed_is_the_default(tmp_path):
    assert probe(tmp_path).stdout.split() == ["closed"]


def test_domains_are_read_lowercased(tmp_path):
    found = probe(tmp_path, SIGNUP_POLICY="domains",
                  SIGNUP_ALLOWED_DOMAINS="Example.com, example.org")
    assert found.stdout.split() == ["domains", "example.com,example.org"]


@pytest.mark.parametrize("env, message", [
    ({"SIGNUP_POLICY": "invite"}, "SIGNUP_POLICY must be"),
    ({"SIGNUP_POLICY": "domains"}, "needs SIGNUP_ALLOWED_DOMAINS"),
])
def test_nonsense_refuses_to_start(tmp_path, env, message):
    found = probe(tmp_path, **env)
    assert found.returncode != 0 and message in found.stderr


def test_the_development_server_keeps_sign_up_open():
    serve = (ROOT / "scripts" / "serve").read_text()
    assert 'export SIGNUP_POLICY="${SIGNUP_POLICY:-open}"' in serve
