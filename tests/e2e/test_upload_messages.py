"""What a user sees in real `twine upload` output when the registry refuses a file."""

import subprocess
import sys

import pytest

from tests.corpus import build_sdist, build_wheel, core_metadata
from tests.e2e.conftest import run_client, twine_upload

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(registry):
    registry.manage("createorg", "msgs", "--visibility", "private")
    return registry.token("msgs", "--permission", "upload")


def twine_says(twine: str, registry, token: str, *paths, extra=()):
    """twine's exit code and its output on one line."""
    result = twine_upload(registry, "msgs", token, *paths, twine=twine, extra=extra)
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_metadata_version_disagreeing_with_the_filename(registry, token, tmp_path, twine):
    # twine declares the version it reads from METADATA (2.0); the filename says 1.0.
    wheel = build_wheel(tmp_path, "msg-version", "1.0",
                        metadata=core_metadata("msg-version", "2.0"))
    code, output = twine_says(twine, registry, token, wheel)
    assert code != 0
    assert "400 Bad Request from" in output
    assert "The filename 'msg_version-1.0-py3-none-any.whl' has version '1.0', but the " \
           "upload declares version '2.0'." in output, output


def test_all_problems_are_counted_in_what_twine_shows(registry, token, tmp_path, twine):
    wheel = build_wheel(tmp_path, "msg-many", "1.0", metadata=core_metadata(
        "msg-many", "1.0", summary="x" * 600, extra="Classifier: Not :: A :: Classifier\n"))
    code, output = twine_says(twine, registry, token, wheel)
    assert code != 0 and "(and 1 more problem)" in output, output


def test_same_filename_other_content_says_file_already_exists(registry, token, tmp_path,
                                                              twine):
    first = build_wheel(tmp_path, "msg-replay", "1.0")
    assert twine_says(twine, registry, token, first)[0] == 0
    assert twine_says(twine, registry, token, first)[0] == 0  # the same bytes: fine
    (tmp_path / "other").mkdir()
    second = build_wheel(tmp_path / "other", "msg-replay", "1.0",
                         files={"msg_replay/__init__.py": b"CHANGED = True\n"})
    code, output = twine_says(twine, registry, token, second)
    assert code != 0
    assert "400 Bad Request from" in output
    assert "File already exists ('msg_replay-1.0-py3-none-any.whl', with different " \
           "content)." in output, output


@pytest.fixture(scope="module")
def twine6(tmp_path_factory):
    """twine 6.0, the last release that sends --skip-existing to any repository."""
    venv = tmp_path_factory.mktemp("twine6") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = run_client(str(venv / "bin" / "pip"), "install", "-q", "twine>=6,<6.1",
                         timeout=300)
    if install.returncode != 0:
        pytest.skip("twine 6.0 could not be installed here: " + install.stderr[-300:])
    return str(venv / "bin" / "twine")


def test_skip_existing_with_twine_6_0(registry, token, tmp_path, twine6):
    files = [build_wheel(tmp_path, "msg-skip", "1.0"), build_sdist(tmp_path, "msg-skip", "1.0")]
    assert twine_says(twine6, registry, token, files[0])[0] == 0
    code, output = twine_says(twine6, registry, token, *files, extra=("--skip-existing",))
    assert code == 0, output
    (tmp_path / "other").mkdir()
    changed = build_wheel(tmp_path / "other", "msg-skip", "1.0",
                          files={"msg_skip/__init__.py": b"CHANGED = True\n"})
    code, output = twine_says(twine6, registry, token, changed, extra=("--skip-existing",))
    # twine 6 skips a 400 whose reason starts with "File already exists": so does the user.
    assert code == 0 and "Skipping msg_skip-1.0-py3-none-any.whl" in output, output


def _long_named(directory, name: str, size: int):
    """A wheel of ``name`` 1.0 renamed to ``size`` bytes with a build tag (a wheel's name
    ends up in the file's URL, so installers get it as it was uploaded)."""
    path = build_wheel(directory, name, "1.0")
    stem = path.name.removesuffix("-py3-none-any.whl")
    fixed = len(f"{stem}-1-py3-none-any.whl")
    return path.rename(path.with_name(f"{stem}-1{'b' * (size - fixed)}-py3-none-any.whl"))


def test_a_filename_too_long_to_store_is_refused_with_the_limit(registry, token, tmp_path,
                                                                twine):
    wheel = _long_named(tmp_path, "msg-long", 250)
    assert len(wheel.name.encode()) == 250
    code, output = twine_says(twine, registry, token, wheel)
    assert code != 0 and "400 Bad Request from" in output
    assert "The filename is 250 bytes long; the limit is 246 bytes" in output, output


def test_the_longest_filename_is_stored_and_installs(registry, token, tmp_path, twine,
                                                     client_venv):
    wheel = _long_named(tmp_path, "msg-longest", 246)
    code, output = twine_says(twine, registry, token, wheel)
    assert code == 0, output + registry.log_tail()
    host = registry.url.split("://", 1)[1]
    install = run_client(str(client_venv / "bin" / "pip"), "install", "--no-cache-dir",
                         "--index-url", f"http://__token__:{token}@{host}/msgs/simple/",
                         "msg-longest==1.0")
    assert install.returncode == 0, install.stdout + install.stderr


def test_a_console_script_that_is_a_path_is_refused(registry, token, tmp_path, twine):
    dist_info = "msg_script-1.0.dist-info"
    wheel = build_wheel(tmp_path, "msg-script", "1.0", files={
        "msg_script/__init__.py": b"def main():\n    pass\n",
        f"{dist_info}/entry_points.txt": b"[console_scripts]\n../../bin/evil = msg_script:main\n"})
    code, output = twine_says(twine, registry, token, wheel)
    assert code != 0 and "400 Bad Request from" in output
    assert "Invalid script name '../../bin/evil' in [console_scripts]" in output, output
