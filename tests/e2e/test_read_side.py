"""pip and uv install through the JSON simple API with PEP 658 metadata; yank and quarantine."""

import pytest

from tests.corpus import build_sdist, build_wheel
from tests.e2e.conftest import run_client, twine_upload
from tests.live import BIN

pytestmark = pytest.mark.e2e
NAME = "read-side-demo"


@pytest.fixture(scope="module")
def readside(registry, tmp_path_factory):
    """A private org with two releases of one project, uploaded with the real twine."""
    registry.manage("createorg", "readside", "--visibility", "private")
    upload = registry.token("readside", "--permission", "upload")
    read = registry.token("readside", "--permission", "read")
    folder = tmp_path_factory.mktemp("dists")
    files = [build_wheel(folder, NAME, "1.0"), build_sdist(folder, NAME, "1.0"),
             build_wheel(folder, NAME, "2.0")]
    result = twine_upload(registry, "readside", upload, *files)
    assert result.returncode == 0, result.stdout + result.stderr + registry.log_tail()
    host = registry.url.split("://", 1)[1]
    return {"index": f"http://__token__:{read}@{host}/readside/simple/", "read": read}


def pip_in(venv, *args):
    return run_client(str(venv / "bin" / "pip"), *args)


def installed_version(venv) -> str:
    result = run_client(str(venv / "bin" / "python"), "-c",
                        "import importlib.metadata as m; print(m.version('read-side-demo'))")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class TestPipAndUv:
    def test_pip_uses_json_index_and_pep658_metadata(self, readside, client_venv):
        result = pip_in(client_venv, "install", "-vv", "--no-cache-dir", "--index-url",
                        readside["index"], NAME)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log
        assert "application/vnd.pypi.simple.v1+json" in log
        # pip read the PEP 658 file for the dependency information, not the wheel
        assert 'py3-none-any.whl.metadata HTTP/1.1" 200' in log
        assert installed_version(client_venv) == "2.0"

    def test_yanked_release_is_skipped_unless_pinned(self, registry, readside, client_venv):
        registry.manage("yank", "readside", NAME, "2.0", "--reason", "broken")
        pip_in(client_venv, "uninstall", "-y", NAME)
        result = pip_in(client_venv, "install", "--no-cache-dir", "--index-url",
                        readside["index"], NAME)
        assert result.returncode == 0, result.stdout + result.stderr
        assert installed_version(client_venv) == "1.0"
        pinned = pip_in(client_venv, "install", "--no-cache-dir", "--index-url",
                        readside["index"], f"{NAME}==2.0")
        assert pinned.returncode == 0, pinned.stdout + pinned.stderr
        assert "broken" in pinned.stdout + pinned.stderr  # pip warns with the reason
        assert installed_version(client_venv) == "2.0"
        registry.manage("yank", "readside", NAME, "2.0", "--undo")

    def test_uv_installs_through_the_json_api(self, readside, uv, tmp_path):
        venv = tmp_path / "uvenv"
        assert run_client(uv, "venv", str(venv)).returncode == 0
        result = run_client(uv, "pip", "install", "-v", "--no-cache", "--python",
                            str(venv / "bin" / "python"), "--index-url", readside["index"],
                            f"{NAME}==1.0")
        log = result.stdout + result.stderr
        assert result.returncode == 0, log
        assert "py3-none-any.whl.metadata" in log  # uv read the PEP 658 file
        assert installed_version(venv) == "1.0"

    def test_quarantined_project_cannot_be_installed(self, registry, readside, tmp_path):
        code = ("from registry.models import Project; from registry import moderation; "
                f"p = Project.objects.get(org__slug='readside', normalized_name='{NAME}'); "
                "moderation.project_quarantine(project=p, reason='e2e')")
        registry.manage("shell", "-c", code)
        result = run_client(str(BIN / "pip"),
                            "download", "--no-cache-dir", "--no-deps", "-d", str(tmp_path),
                            "--index-url", readside["index"], NAME)
        assert result.returncode != 0
