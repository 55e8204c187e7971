"""README.md's "Installing" section, run line by line as a user would paste it.

Every command line of the section's sh blocks runs unmodified but for the live server's host
(for ``127.0.0.1:8000``), the org (for ``ORG``), the package (for ``PACKAGE``) and the token
(for ``$TOKEN``), against a private org, into a fresh virtual environment; the section's
``[[tool.uv.index]]`` block and the environment variables it names make a uv project that
locks and syncs the private package. The keyring lines go through the real ``keyring``
command over a file-backed keyring, so ``keyring set`` stores what it is given on stdin.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import build_wheel
from tests.e2e.conftest import twine_upload
from tests.live import BIN, ROOT

pytestmark = pytest.mark.e2e

ORG = "readme-install"
PACKAGE = "readme-installed"
MODULE = PACKAGE.replace("-", "_")
README_HOST = "127.0.0.1:8000"

FILE_KEYRING = '''
import json
import pathlib

from keyring.backend import KeyringBackend

STORE = pathlib.Path(__file__).with_name("keyring.json")


class FileKeyring(KeyringBackend):
    """Passwords in a JSON file beside this module: a keyring a test can look into."""
    priority = 1

    def _load(self):
        return json.loads(STORE.read_text()) if STORE.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service} {username}")

    def set_password(self, service, username, password):
        stored = self._load()
        stored[f"{service} {username}"] = password
        STORE.write_text(json.dumps(stored))

    def delete_password(self, service, username):
        stored = self._load()
        stored.pop(f"{service} {username}", None)
        STORE.write_text(json.dumps(stored))
'''


def installing_section() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^## Installing\n(.*?)^## ", readme, re.S | re.M)
    assert found, "README.md has no Installing section"
    return found.group(1)


def readme_lines() -> list[str]:
    """The command lines of the Installing section's sh blocks, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", installing_section(), re.S)
    assert blocks, "README.md's Installing section has no sh block"
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def readme_uv_index() -> tuple[str, dict[str, str]]:
    """The section's ``[[tool.uv.index]]`` TOML and the environment variables it names."""
    section = installing_section()
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    assert toml, "README.md's Installing section lost its [[tool.uv.index]] block"
    env = dict(re.findall(r"`(UV_INDEX_[A-Z_]+)=([^`]+)`", section))
    assert env, "README.md's Installing section names no UV_INDEX_ variables"
    return toml.group(1), env


def concrete(text: str, *, host: str, token: str) -> str:
    return (text.replace(README_HOST, host).replace("ORG", ORG)
            .replace("PACKAGE", PACKAGE).replace("$TOKEN", token))


@pytest.fixture(scope="module")
def private(registry, tmp_path_factory):
    """A private org holding PACKAGE, and a read token for it."""
    registry.manage("createorg", ORG, "--visibility", "private")
    upload = registry.token(ORG, "--permission", "upload")
    folder = tmp_path_factory.mktemp("readme-install")
    result = twine_upload(registry, ORG, upload, build_wheel(folder, PACKAGE, "1.0"))
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    return {"host": registry.url.split("://", 1)[1],
            "read": registry.token(ORG, "--permission", "read", "--description", "readme")}


@pytest.fixture
def user(tmp_path):
    """A user's shell: a fresh virtual environment first on PATH, then the test tools (uv,
    keyring), a file-backed keyring, and a home of its own, so no pip or uv configuration.
    (uv's --no-config would also drop the project's [[tool.uv.index]] credentials.)"""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    keyring_dir = tmp_path / "keyring"
    keyring_dir.mkdir()
    (keyring_dir / "filering.py").write_text(FILE_KEYRING)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "PYTHON", "VIRTUAL_ENV", "XDG_"))}
    env.update({
        "PATH": os.pathsep.join([str(venv / "bin"), str(BIN), env.get("PATH", "")]),
        "VIRTUAL_ENV": str(venv), "HOME": str(tmp_path), "NO_COLOR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull,
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "PYTHONPATH": str(keyring_dir), "PYTHON_KEYRING_BACKEND": "filering.FileKeyring",
    })
    return {"venv": venv, "env": env, "cwd": tmp_path, "keyring": keyring_dir / "keyring.json"}


def shell(line: str, user: dict, *, stdin: str = "") -> subprocess.CompletedProcess:
    # a new session has no controlling terminal, so `keyring set` reads the password from
    # stdin as it does when a script pipes it in
    return subprocess.run(shlex.split(line, comments=True), input=stdin, capture_output=True,
                          text=True, timeout=300, env=user["env"], cwd=user["cwd"],
                          start_new_session=True)


def installed(user: dict) -> bool:
    found = subprocess.run([str(user["venv"] / "bin" / "python"), "-c", f"import {MODULE}"],
                           capture_output=True, timeout=60)
    return found.returncode == 0


def lines_starting(prefix: str) -> list[str]:
    lines = [line for line in readme_lines() if line.startswith(prefix)]
    assert lines, f"README.md's Installing section has no '{prefix}' line"
    return lines


class TestReadmeInstallLines:
    @pytest.mark.parametrize("client", ["pip install", "uv pip install"])
    def test_token_in_the_index_url(self, registry, private, user, client):
        line = next(line for line in lines_starting(client) if "$TOKEN" in line)
        result = shell(concrete(line, host=private["host"], token=private["read"]), user)
        assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
        assert installed(user)

    @pytest.mark.parametrize("client", ["pip install", "uv pip install"])
    def test_token_in_a_keyring(self, registry, private, user, client):
        (store,) = lines_starting("keyring set")
        stored = shell(concrete(store, host=private["host"], token=private["read"]), user,
                       stdin=private["read"] + "\n")
        assert stored.returncode == 0, stored.stdout + stored.stderr
        assert private["read"] in user["keyring"].read_text()
        line = next(line for line in lines_starting(client) if "--keyring-provider" in line)
        assert "$TOKEN" not in line
        result = shell(concrete(line, host=private["host"], token=private["read"]), user)
        assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
        assert installed(user)

    def test_a_keyring_without_the_token_installs_nothing(self, private, user):
        line = next(line for line in lines_starting("pip install")
                    if "--keyring-provider" in line)
        result = shell(concrete(line, host=private["host"], token=private["read"]), user)
        assert result.returncode != 0
        assert not installed(user)

    def test_uv_project_with_the_index_block(self, registry, private, user):
        toml, variables = readme_uv_index()
        project = user["cwd"] / "app"
        project.mkdir()
        (project / "pyproject.toml").write_text(
            '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.9"\n'
            f'dependencies = ["{PACKAGE}"]\n\n'
            + concrete(toml, host=private["host"], token=private["read"]))
        env = {**user["env"], "UV_PYTHON": sys.executable,
               **{key: concrete(value, host=private["host"], token=private["read"])
                  for key, value in variables.items()}}
        env.pop("VIRTUAL_ENV")
        result = subprocess.run([str(BIN / "uv"), "sync"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
        assert f'name = "{PACKAGE}"' in (project / "uv.lock").read_text()
        assert (Path(project) / ".venv").is_dir()
        check = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c",
                                f"import {MODULE}"], capture_output=True, timeout=60)
        assert check.returncode == 0, check.stderr
