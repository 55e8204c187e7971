"""pip and uv find a token in a keyring once a private index challenges them (401).

Each client gets an index URL with the username ``__token__`` and no password, and a
``keyring`` command first on PATH: the keyring package's own command line (the clients call it
as ``keyring get SERVICE USERNAME``, pip with ``--mode=creds --output=json``) over a keyring
that holds one read token for the service ``HOST:PORT``, as ``keyring set HOST:PORT __token__``
(the README's command) stores it. pip asks a keyring only after a 401; without the challenge
a private index looked empty to it ("from versions: none").
"""

import os
import sys

import pytest

from tests.corpus import build_wheel
from tests.e2e.conftest import run_client, twine_upload
from tests.live import BIN

pytestmark = pytest.mark.e2e
NAME = "keyring-demo"

KEYRING = """#!{python}
import sys

import keyring
from keyring.backend import KeyringBackend
from keyring.cli import main
from keyring.credentials import SimpleCredential
from keyring.errors import PasswordDeleteError, PasswordSetError


class OneToken(KeyringBackend):
    priority = 1

    def get_credential(self, service, username):
        with open({log!r}, "a") as log:
            log.write(f"{{service}} {{username}}\\n")
        if service == {host!r} and username in (None, "__token__"):
            return SimpleCredential("__token__", {token!r})
        return None

    def get_password(self, service, username):
        found = self.get_credential(service, username)
        return found.password if found is not None else None

    def set_password(self, service, username, password):
        raise PasswordSetError("read-only")

    def delete_password(self, service, username):
        raise PasswordDeleteError("read-only")


keyring.set_keyring(OneToken())
sys.exit(main())
"""


@pytest.fixture(scope="module")
def vault(registry, tmp_path_factory):
    """A private org with one project, and a keyring command that holds a read token."""
    registry.manage("createorg", "vault", "--visibility", "private")
    upload = registry.token("vault", "--permission", "upload")
    read = registry.token("vault", "--permission", "read", "--description", "keyring")
    folder = tmp_path_factory.mktemp("keyring")
    result = twine_upload(registry, "vault", upload, build_wheel(folder, NAME, "1.0"))
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    host = registry.url.split("://", 1)[1]
    bin_dir, log = folder / "bin", folder / "asked.log"
    bin_dir.mkdir()
    command = bin_dir / "keyring"
    command.write_text(KEYRING.format(python=sys.executable, log=str(log), host=host,
                                      token=read))
    command.chmod(0o755)
    return {"index": f"http://__token__@{host}/vault/simple/", "bin": bin_dir, "log": log,
            "host": host}


def with_keyring(vault) -> dict:
    """The client's environment: our keyring command first on PATH."""
    return {"PATH": f"{vault['bin']}{os.pathsep}{os.environ.get('PATH', '')}"}


def asked(vault) -> list[str]:
    return vault["log"].read_text().splitlines() if vault["log"].exists() else []


def statuses(registry, since: int, path: str) -> list[str]:
    """The statuses of the GETs of paths starting with ``path``, after the first ``since``
    lines of the access log."""
    lines = registry.access_log().splitlines()[since:]
    return [line.split('"')[2].split()[0] for line in lines if f'"GET {path}' in line]


def installed(target) -> bool:
    return (target / "keyring_demo" / "__init__.py").exists()


class TestKeyringAfterTheChallenge:
    def test_pip_asks_its_keyring_and_installs(self, registry, vault, tmp_path):
        target, since = tmp_path / "site", len(registry.access_log().splitlines())
        result = run_client(str(BIN / "pip"), "install", "--no-cache-dir", "--no-input",
                            "--keyring-provider", "subprocess", "--target", str(target),
                            "--index-url", vault["index"], f"{NAME}==1.0",
                            env=with_keyring(vault))
        assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
        assert installed(target)
        assert f"{vault['host']} __token__" in asked(vault)
        # it read the page without a password first, was challenged, then came back
        assert statuses(registry, since, f"/vault/simple/{NAME}/")[:2] == ["401", "200"]

    def test_uv_asks_its_keyring_and_installs(self, registry, vault, uv, tmp_path):
        target, since = tmp_path / "site", len(registry.access_log().splitlines())
        before = len(asked(vault))
        result = run_client(uv, "pip", "install", "--no-cache", "--keyring-provider",
                            "subprocess", "--python", sys.executable, "--target", str(target),
                            "--index-url", vault["index"], f"{NAME}==1.0",
                            env=with_keyring(vault))
        assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
        assert installed(target)
        uv_asked = asked(vault)[before:]
        assert f"{vault['host']} __token__" in uv_asked
        # uv may ask the keyring for the index URL up front (it names a user), but sends
        # credentials to the files, outside that URL, only once they challenge it
        assert statuses(registry, since, "/vault/files/")[:2] == ["401", "200"]

    def test_without_the_token_pip_is_told_it_was_refused(self, registry, vault, tmp_path):
        result = run_client(str(BIN / "pip"), "download", "--no-cache-dir", "--no-input",
                            "--keyring-provider", "disabled", "--no-deps", "-d", str(tmp_path),
                            "--index-url", vault["index"], NAME)
        assert result.returncode != 0
        assert "401" in result.stdout + result.stderr
