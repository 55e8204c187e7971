"""Packaging clients for the end-to-end tests, each in its own cached virtual environment.

`tool_venv("hatch")` creates `.venv/tools/hatch` with `python -m pip install hatch` the first
time and reuses it after that (a stamp file records what was installed, and a lock keeps two
test runs from building the same one at once). The clients are installed from the package
registry that pip on this machine reaches, with the machine's own pip configuration.

`readme_commands()` reads the command lines of README.md's "Uploading" section, so the tests
run exactly what the README tells users to type.
"""

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.live import ROOT

TOOLS_DIR = ROOT / ".venv" / "tools"

# What `python -m pip install` gets for each client. pdm's own "locked" extra pins the HTTP
# libraries it was released with (a plain install can pick up a newer hishel that pdm does not
# work with yet).
REQUIREMENTS = {
    "hatch": "hatch>=1.12",
    "poetry": "poetry>=2.0",
    "pdm": "pdm[locked]>=2.20",
    "flit": "flit>=3.9",
}

README_PLACEHOLDER_URL = "http://127.0.0.1:8000/ORG/"


def _install_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def tool_venv(name: str) -> Path:
    """The virtual environment holding client `name`, created on first use."""
    requirement = REQUIREMENTS[name]
    venv = TOOLS_DIR / name
    stamp = venv / ".wheelhouse-tool"
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == requirement:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120,
                       capture_output=True)
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement],
            capture_output=True, text=True, timeout=900, env=_install_env(),
            stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise RuntimeError(f"could not install {requirement}:\n{result.stdout}{result.stderr}")
        stamp.write_text(requirement)
    return venv


class Toolbox:
    """Installs every client at once in the background; `get` waits for one."""

    def __init__(self, names=tuple(REQUIREMENTS)):
        self._pool = ThreadPoolExecutor(max_workers=len(names))
        self._futures: dict[str, Future] = {n: self._pool.submit(tool_venv, n) for n in names}

    def get(self, name: str) -> Path:
        return self._futures[name].result(timeout=900)

    def bin(self, name: str) -> str:
        return str(self.get(name) / "bin" / name)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def version(venv: Path, distribution: str) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True, text=True, timeout=60)
    return result.stdout.strip()


def client_env(home: Path, **extra: str) -> dict:
    """A user's environment with a home of its own: no config, keyring or cache of ours."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST", "TWINE_", "UV_", "POETRY_",
                                "PDM_", "HATCH_", "FLIT_", "XDG_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home),
        "NO_COLOR": "1",
        "TERM": "dumb",
        # No desktop keyring to ask (or to hang on) in a test run.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "POETRY_VIRTUALENVS_IN_PROJECT": "true",
        "POETRY_VIRTUALENVS_USE_POETRY_PYTHON": "true",
        "PDM_CHECK_UPDATE": "false",
    })
    env.update(extra)
    return env


def run(args: list[str], *, cwd: Path, env: dict, timeout: int = 300):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@dataclass
class Command:
    """One README command line, made concrete for a live registry."""

    argv: list[str]
    env: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join([*(f"{k}={v}" for k, v in self.env.items()), *self.argv])


def _uploading_section(readme: str) -> str:
    match = re.search(r"^## Uploading\n(.*?)(?=^## )", readme, re.S | re.M)
    assert match, "README.md has no Uploading section"
    return match.group(1)


def readme_commands() -> dict[str, list[str]]:
    """README's Uploading command lines, by client: {"hatch": ["hatch build", ...], ...}."""
    section = _uploading_section((ROOT / "README.md").read_text())
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README.md's Uploading section has no sh block"
    commands: dict[str, list[str]] = {}
    client = None
    for line in block.group(1).splitlines():
        line = line.strip()
        if line.startswith("#"):
            client = line.lstrip("# ").split()[0]
            commands[client] = []
        elif line:
            assert client, f"README command without a client heading: {line}"
            commands[client].append(line)
    return commands


def readme_pypirc() -> tuple[str, str]:
    """The ~/.pypirc of the Uploading section and the command that uses it."""
    section = _uploading_section((ROOT / "README.md").read_text())
    ini = re.search(r"```ini\n(.*?)```", section, re.S)
    command = re.search(r"and run `([^`]+)`", section)
    assert ini and command, "README.md's Uploading section lost its ~/.pypirc example"
    return ini.group(1), command.group(1)


def concrete(line: str, *, base_url: str, org: str, token: str, cwd: Path,
             tools: dict[str, str]) -> Command:
    """A README line with the live URL and token in, the client's path and globs expanded."""
    line = line.replace(README_PLACEHOLDER_URL, f"{base_url}/{org}/")
    words = shlex.split(line)
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    argv = []
    for word in words:
        word = word.replace("$TOKEN", token)
        if any(c in word for c in "*?["):
            matches = sorted(str(p.relative_to(cwd)) for p in cwd.glob(word))
            argv.extend(matches or [word])
        else:
            argv.append(word)
    env = {k: v.replace("$TOKEN", token) for k, v in env.items()}
    argv[0] = tools.get(argv[0], argv[0])
    return Command(argv, env)
