"""hatch, poetry, pdm and flit, unmodified, against a live registry.

Each client builds a tiny real project with its own build backend (hatchling, poetry-core,
pdm-backend, flit_core) and publishes it with the exact command lines of README.md's
"Uploading" section; pip then installs it from the registry into a fresh virtual environment
and imports it. poetry and pdm also resolve and install from the private index with a read
token, as a project that depends on a private package does. The README's twine, uv and
~/.pypirc lines run here too.

The clients live in cached virtual environments under .venv/tools (see tests/e2e/tools.py).
"""

import base64
import json
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.corpus import build_sdist, build_wheel
from tests.e2e.conftest import run_client
from tests.e2e.tools import (
    Toolbox,
    client_env,
    concrete,
    readme_commands,
    readme_pypirc,
    run,
)
from tests.live import BIN

pytestmark = pytest.mark.e2e

ORG = "tools"
VERSION = "1.0"

# The Generator line each build backend writes into the wheel's WHEEL file.
GENERATORS = {"hatch": "hatchling", "poetry": "poetry-core", "pdm": "pdm-backend",
              "flit": "flit"}

BACKENDS = {
    "hatch": ('requires = ["hatchling"]\nbuild-backend = "hatchling.build"', ""),
    "poetry": ('requires = ["poetry-core>=2.0"]\nbuild-backend = "poetry.core.masonry.api"',
               '\n[tool.poetry]\npackages = [{ include = "poetry_published", from = "src" }]\n'),
    "pdm": ('requires = ["pdm-backend"]\nbuild-backend = "pdm.backend"', ""),
    "flit": ('requires = ["flit_core>=3.4,<5"]\nbuild-backend = "flit_core.buildapi"', ""),
}


@pytest.fixture(scope="module")
def toolbox():
    """Installs (or reuses) all four clients in parallel while the first tests run."""
    box = Toolbox()
    yield box
    box.close()


@pytest.fixture(scope="module")
def tokens(registry):
    registry.manage("createorg", ORG, "--visibility", "private")
    registry.manage("addmember", ORG, "bob", "--create", "--role", "admin")
    return {
        "upload": registry.token(ORG, "--user", "bob", "--permission", "upload"),
        "read": registry.token(ORG, "--permission", "read", "--description", "installers"),
    }


def make_project(directory: Path, client: str) -> Path:
    """A tiny project for `client`'s own build backend: src/<module>/__init__.py, a README."""
    name = f"{client}-published"
    module = name.replace("-", "_")
    build_system, extra = BACKENDS[client]
    project = directory / name
    package = project / module if client == "flit" else project / "src" / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        f'"""Published by {client}."""\n\nGREETING = "hello from {name} {VERSION}"\n')
    (project / "README.md").write_text(f"# {name}\n\nA tiny project published by {client}.\n")
    (project / "pyproject.toml").write_text(
        f"[build-system]\n{build_system}\n\n"
        f'[project]\nname = "{name}"\nversion = "{VERSION}"\n'
        f'description = "A tiny project published by {client}"\n'
        'readme = "README.md"\nrequires-python = ">=3.9"\nlicense = { text = "MIT" }\n'
        f"{extra}")
    return project


def run_readme_lines(client: str, *, registry, token: str, cwd: Path, env: dict,
                     tools: dict[str, str]) -> None:
    lines = readme_commands().get(client)
    assert lines, f"README.md's Uploading section has no {client} lines"
    for line in lines:
        command = concrete(line, base_url=registry.url, org=ORG, token=token, cwd=cwd,
                           tools=tools)
        result = run(command.argv, cwd=cwd, env={**env, **command.env})
        assert result.returncode == 0, (
            f"README line failed: {line}\n--- stdout\n{result.stdout}\n--- stderr\n"
            f"{result.stderr}\n{registry.log_tail()}")


def index_filenames(registry, project: str, token: str) -> set[str]:
    request = urllib.request.Request(
        f"{registry.url}/{ORG}/simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json",
                 "Authorization": "Basic " + base64.b64encode(
                     f"__token__:{token}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as response:
        return {f["filename"] for f in json.load(response)["files"]}


def simple_url(registry, token: str) -> str:
    host = registry.url.split("://", 1)[1]
    return f"http://__token__:{token}@{host}/{ORG}/simple/"


def assert_published(registry, tokens, name: str) -> None:
    stem = name.replace("-", "_")
    assert index_filenames(registry, name, tokens["read"]) == {
        f"{stem}-{VERSION}-py3-none-any.whl", f"{stem}-{VERSION}.tar.gz"}


def pip_install_and_import(registry, tokens, venv: Path, name: str) -> None:
    install = run_client(str(venv / "bin" / "pip"), "install", "--no-cache-dir",
                         "--index-url", simple_url(registry, tokens["read"]),
                         f"{name}=={VERSION}")
    assert install.returncode == 0, install.stdout + install.stderr
    check_import(venv / "bin" / "python", name)


def check_import(python: Path, name: str, *, cwd: Path | None = None,
                 env: dict | None = None) -> None:
    module = name.replace("-", "_")
    code = f"import {module}; print({module}.GREETING)"
    if cwd is None:
        result = run_client(str(python), "-c", code)
    else:
        result = run([str(python), "-c", code], cwd=cwd, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"hello from {name} {VERSION}"


# --- publishing: the README's lines, client by client ---------------------------------------


@pytest.fixture(scope="module")
def published(registry, tokens, toolbox, tmp_path_factory):
    """Publishes `<client>-published` with `client` once per module; returns its project."""
    done: dict[str, Path] = {}

    def publish(client: str) -> Path:
        if client not in done:
            base = tmp_path_factory.mktemp(f"{client}-publish")
            project = make_project(base, client)
            run_readme_lines(client, registry=registry, token=tokens["upload"], cwd=project,
                             env=client_env(base / "home"),
                             tools={client: toolbox.bin(client)})
            done[client] = project
        return done[client]

    return publish


@pytest.mark.parametrize("client", ["hatch", "poetry", "pdm", "flit"])
def test_client_publishes_with_the_readme_lines_and_pip_installs_it(
        client, published, registry, tokens, client_venv):
    project = published(client)
    name = project.name
    # Built by the client's own build backend, not by anything of ours.
    (wheel,) = (project / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        generator = archive.read(f"{name.replace('-', '_')}-{VERSION}.dist-info/WHEEL").decode()
    assert f"Generator: {GENERATORS[client]} " in generator, generator
    assert_published(registry, tokens, name)
    pip_install_and_import(registry, tokens, client_venv, name)


def test_readme_twine_uv_and_pypirc_lines(registry, tokens, tmp_path, client_venv):
    commands = readme_commands()
    tools = {"twine": str(BIN / "twine"), "uv": str(BIN / "uv")}
    for client in ("twine", "uv"):
        name = f"readme-{client}"
        project = tmp_path / client
        dist = project / "dist"
        dist.mkdir(parents=True)
        build_wheel(dist, name, VERSION)
        build_sdist(dist, name, VERSION)
        env = client_env(tmp_path / f"{client}-home")
        for line in commands[client]:
            command = concrete(line, base_url=registry.url, org=ORG, token=tokens["upload"],
                               cwd=project, tools=tools)
            result = run(command.argv, cwd=project, env={**env, **command.env})
            assert result.returncode == 0, (
                f"{line}\n{result.stdout}{result.stderr}{registry.log_tail()}")
        assert_published(registry, tokens, name)
        pip_install_and_import(registry, tokens, client_venv, name)

    # ~/.pypirc once, then `twine upload -r wheelhouse dist/*`.
    ini, line = readme_pypirc()
    home = tmp_path / "pypirc-home"
    env = client_env(home)
    (home / ".pypirc").write_text(
        ini.replace("http://127.0.0.1:8000/ORG/", f"{registry.url}/{ORG}/")
           .replace("whk_...", tokens["upload"]))
    project = tmp_path / "pypirc"
    (project / "dist").mkdir(parents=True)
    build_wheel(project / "dist", "readme-pypirc", VERSION)
    command = concrete(line, base_url=registry.url, org=ORG, token=tokens["upload"],
                       cwd=project, tools=tools)
    result = run(command.argv, cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    pip_install_and_import(registry, tokens, client_venv, "readme-pypirc")


# --- installing from the private index with poetry and pdm ----------------------------------


def poetry_consumer(directory: Path, registry) -> Path:
    """A project whose only package source is the private index (PyPI is then switched off)."""
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(
        '[project]\nname = "consumer"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
        "dependencies = []\n\n[tool.poetry]\npackage-mode = false\n\n"
        '[[tool.poetry.source]]\nname = "wheelhouse"\n'
        f'url = "{registry.url}/{ORG}/simple/"\npriority = "primary"\n')
    return directory


def poetry_env(home: Path, tokens) -> dict:
    # Credentials for the source named "wheelhouse", as `poetry config http-basic.wheelhouse`
    # would store them.
    return client_env(home, POETRY_HTTP_BASIC_WHEELHOUSE_USERNAME="__token__",
                      POETRY_HTTP_BASIC_WHEELHOUSE_PASSWORD=tokens["read"])


def poetry_add(poetry: str, project: Path, env: dict, registry) -> None:
    add = run([poetry, "add", "--no-interaction", "poetry-published"], cwd=project, env=env)
    assert add.returncode == 0, add.stdout + add.stderr + registry.log_tail()
    lock = (project / "poetry.lock").read_text()
    assert 'name = "poetry-published"' in lock
    assert "poetry_published-1.0-py3-none-any.whl" in lock
    check_import(project / ".venv" / "bin" / "python", "poetry-published", cwd=project, env=env)


def test_poetry_add_and_install_from_the_private_index(published, registry, tokens, toolbox,
                                                       tmp_path):
    published("poetry")
    poetry = toolbox.bin("poetry")
    project = poetry_consumer(tmp_path / "consumer", registry)
    poetry_add(poetry, project, poetry_env(tmp_path / "home", tokens), registry)

    # Another machine: the same project and lock file, nothing cached, no environment yet.
    shutil.rmtree(project / ".venv")
    env = poetry_env(tmp_path / "other-home", tokens)
    install = run([poetry, "install", "--no-interaction"], cwd=project, env=env)
    assert install.returncode == 0, install.stdout + install.stderr + registry.log_tail()
    check_import(project / ".venv" / "bin" / "python", "poetry-published", cwd=project, env=env)


def test_poetry_install_again_with_a_warm_http_cache(published, registry, tokens, toolbox,
                                                     tmp_path):
    published("poetry")
    poetry = toolbox.bin("poetry")
    project = poetry_consumer(tmp_path / "consumer", registry)
    env = poetry_env(tmp_path / "home", tokens)
    poetry_add(poetry, project, env, registry)

    # The same machine again (a fresh CI checkout with a restored cache): poetry revalidates
    # the project page it has cached and the registry answers 304.
    shutil.rmtree(project / ".venv")
    seen_before = len(registry.access_log())
    install = run([poetry, "install", "--no-interaction"], cwd=project, env=env)
    assert install.returncode == 0, install.stdout + install.stderr + registry.log_tail()
    requests = registry.access_log()[seen_before:]
    assert re.search(rf'"GET /{ORG}/simple/poetry-published/ HTTP/1.1" 304 ', requests), requests
    check_import(project / ".venv" / "bin" / "python", "poetry-published", cwd=project, env=env)


def test_pdm_add_and_install_from_the_private_index(published, registry, tokens, toolbox,
                                                    tmp_path):
    published("pdm")
    pdm = toolbox.bin("pdm")
    project = tmp_path / "consumer"
    project.mkdir()
    host = registry.url.split("://", 1)[1]
    # pdm expands ${VARS} in a source URL, so the token stays out of pyproject.toml.
    (project / "pyproject.toml").write_text(
        '[project]\nname = "consumer"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
        "dependencies = []\n\n[tool.pdm]\ndistribution = false\n\n"
        '[[tool.pdm.source]]\nname = "wheelhouse"\n'
        f'url = "http://${{WHEELHOUSE_USER}}:${{WHEELHOUSE_TOKEN}}@{host}/{ORG}/simple/"\n')
    credentials = {"WHEELHOUSE_USER": "__token__", "WHEELHOUSE_TOKEN": tokens["read"],
                   "PDM_IGNORE_STORED_INDEX": "1"}  # only the private index, no PyPI
    env = client_env(tmp_path / "home", **credentials)
    add = run([pdm, "add", "pdm-published"], cwd=project, env=env)
    assert add.returncode == 0, add.stdout + add.stderr + registry.log_tail()
    lock = (project / "pdm.lock").read_text()
    assert 'name = "pdm-published"' in lock
    assert "pdm_published-1.0-py3-none-any.whl" in lock
    check_import(project / ".venv" / "bin" / "python", "pdm-published", cwd=project, env=env)

    # Another machine: the project and its lock file, nothing cached, no environment yet.
    shutil.rmtree(project / ".venv")
    env = client_env(tmp_path / "other-home", **credentials)
    install = run([pdm, "install"], cwd=project, env=env)
    assert install.returncode == 0, install.stdout + install.stderr + registry.log_tail()
    check_import(project / ".venv" / "bin" / "python", "pdm-published", cwd=project, env=env)
