"""scripts/serve installs only what serving needs; scripts/test adds the test tools.

Run against a stand-in for .venv/bin/python that records what it is asked to install."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDER = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../../installs.log"
"""


def setup(tmp_path: Path, need: str) -> list[str]:
    """Source scripts/_setup.sh in a copy of the project; the pip commands it ran."""
    log = tmp_path / "installs.log"
    log.unlink(missing_ok=True)
    result = subprocess.run(["bash", "-c", f'source scripts/_setup.sh {need} && echo "$PATH"'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path}/.venv/bin:")
    return log.read_text().splitlines() if log.exists() else []


def project(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_setup.sh", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDER)
    python.chmod(0o755)
    return tmp_path


def test_serve_installs_the_project_without_the_dev_extra(tmp_path):
    installs = setup(project(tmp_path), "serve")
    assert installs == ["-m pip install --quiet --no-compile -e ."]


def test_test_installs_the_dev_extra_and_then_serve_needs_nothing(tmp_path):
    root = project(tmp_path)
    assert "-m pip install --quiet -e .[dev]" in setup(root, "test")
    assert setup(root, "test") == [] and setup(root, "serve") == []


def test_serve_first_then_test_still_installs_the_test_tools(tmp_path):
    root = project(tmp_path)
    setup(root, "serve")
    assert setup(root, "serve") == []
    assert "-m pip install --quiet -e .[dev]" in setup(root, "test")


def test_a_changed_pyproject_installs_again(tmp_path):
    root = project(tmp_path)
    setup(root, "serve")
    with open(root / "pyproject.toml", "a") as pyproject:
        pyproject.write("\n# changed\n")
    assert setup(root, "serve") == ["-m pip install --quiet --no-compile -e ."]


def test_serving_installs_neither_the_test_tools_nor_the_production_servers():
    import tomllib

    metadata = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    serving = " ".join(metadata["dependencies"]).lower()
    extras = metadata["optional-dependencies"]
    for tool in ("pytest", "playwright", "schemathesis", "twine", "uv>", "factory-boy", "ruff"):
        assert tool not in serving, tool
        assert any(dev.startswith(tool) for dev in extras["dev"])
    for server in ("psycopg", "django-storages[s3]", "gunicorn"):
        assert server not in serving, server
        assert any(need.startswith(server) for need in extras["production"])
    assert "wheelhouse[production]" in extras["dev"]  # the tests run gunicorn, Postgres, S3


def test_every_script_says_what_it_needs():
    for script in sorted((ROOT / "scripts").iterdir()):
        for line in script.read_text().splitlines():
            if "_setup.sh" in line and line.startswith("source "):
                assert line.split()[-1] in ("serve", "test"), script.name
