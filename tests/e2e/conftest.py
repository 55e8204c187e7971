import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import BIN, live_registry


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """One live registry for the session's end-to-end tests."""
    live = live_registry(tmp_path_factory.mktemp("live")).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def client_venv(tmp_path_factory) -> Path:
    """A fresh virtual environment to install into, as a user's machine would have."""
    path = tmp_path_factory.mktemp("client") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path


def run_client(*args: str, env: dict | None = None, timeout: int = 180):
    """Run a real client (twine, pip, uv) with no user config and no network beyond 127.0.0.1."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PIP_", "UV_", "TWINE_", "PYTHON"))}
    clean.update({"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull,
                  "UV_NO_CONFIG": "1", "NO_COLOR": "1"})
    clean.update(env or {})
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=clean)


def twine_upload(registry, org: str, token: str, *paths, twine: str = str(BIN / "twine"),
                 extra=()) -> subprocess.CompletedProcess:
    """The real twine uploading ``paths`` to ``org``'s upload URL with an API token."""
    return run_client(twine, "upload", "--non-interactive", "--disable-progress-bar", *extra,
                      "--repository-url", f"{registry.url}/{org}/legacy/",
                      "-u", "__token__", "-p", token, *map(str, paths))


@pytest.fixture(scope="session")
def twine():
    return str(BIN / "twine")


@pytest.fixture(scope="session")
def uv():
    return str(BIN / "uv")
