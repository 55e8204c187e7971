"""Hostile archives through the endpoint: refused with a message, nothing crashes or stays."""

import gzip
import importlib.util
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from registry.models import File, Project
from tests.uploads.uploading import leftovers, queue_tasks, stored_names, upload
from uploads import tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _builders():
    path = Path(__file__).parent / "validation" / "builders.py"
    spec = importlib.util.spec_from_file_location("upload_hostile_builders", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


B = _builders()
TOP = "demo_pkg-1.0"
ZEROS = b"\0" * (8 * 1024 * 1024)


def _polyglot(d: Path) -> Path:
    path = B.sdist(d)
    path.write_bytes(path.read_bytes() + B.raw_zip(B.good_raw_members()))
    return path


def _garbage(d: Path, name: str) -> Path:
    path = d / name
    path.write_bytes(b"\x1f\x8b\x08" + bytes(range(256)) * 64)
    return path


def _raw_wheel(d: Path, first) -> Path:
    path = d / "demo_pkg-1.0-py3-none-any.whl"
    path.write_bytes(B.raw_zip(B.good_raw_members(first)))
    return path


def _framing(d: Path) -> Path:
    members = B.good_raw_members()
    members[0].local_name = b"demo_pkg/other.py"  # local header disagrees with the directory
    path = d / "demo_pkg-1.0-py3-none-any.whl"
    path.write_bytes(B.raw_zip(members))
    return path


HOSTILE = {
    "zip bomb": lambda d: B.wheel(d, files={"demo_pkg/bomb.bin": ZEROS}),
    "tar bomb": lambda d: B.sdist(d, extra=[B.tar_member(f"{TOP}/bomb.bin", ZEROS)]),
    "zip path traversal": lambda d: B.wheel(d, unlisted={"../../evil.py": b"x"}),
    "zip absolute path": lambda d: B.wheel(d, unlisted={"/etc/evil.py": b"x"}),
    "tar path traversal": lambda d: B.sdist(d, extra=[B.tar_member(f"{TOP}/../../x", b"x")]),
    "tar symlink": lambda d: B.sdist(d, extra=[B.tar_member(
        f"{TOP}/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")]),
    "tar hard link": lambda d: B.sdist(d, extra=[B.tar_member(
        f"{TOP}/hard", type=tarfile.LNKTYPE, linkname="/etc/passwd")]),
    "tar device": lambda d: B.sdist(d, extra=[B.tar_member(
        f"{TOP}/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)]),
    "console script path": lambda d: B.wheel(
        d, entry_points=b"[console_scripts]\n../../x = demo_pkg:main\n"),
    "zip member longer than declared": lambda d: _raw_wheel(d, B.RawMember(
        b"demo_pkg/__init__.py", b"VALUE = 1\n" + b"import os\n" * 100, method=8,
        declared_size=10, declared_crc=zlib.crc32(b"VALUE = 1\n"))),
    "zip member with a wrong CRC": lambda d: _raw_wheel(d, B.RawMember(
        b"demo_pkg/__init__.py", b"VALUE = 1\n", method=8, declared_crc=0)),
    "zip and tar at once": _polyglot,
    "zip framing": _framing,
    "not a zip": lambda d: _garbage(d, "demo_pkg-1.0-py3-none-any.whl"),
    "not a gzip": lambda d: _garbage(d, "demo_pkg-1.0.tar.gz"),
    "truncated gzip": lambda d: _truncated(B.sdist(d)),
}


def _truncated(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[:-40])
    return path


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_archive_is_refused_and_leaves_nothing(acme, tmp_path, kind):
    org, token = acme
    path = HOSTILE[kind](tmp_path)
    response = upload(org, token, path, "demo-pkg", "1.0")
    assert response.status_code == 400, (response.status_code, response.content)
    assert response.reason_phrase and response.content.decode().strip()
    assert Upload.objects.get().status == UploadStatus.REJECTED
    assert stored_names() == set() and leftovers() == []
    assert not Project.objects.exists() and not File.objects.exists()


def test_a_console_script_path_is_refused_with_a_message(acme, tmp_path):
    org, token = acme
    response = upload(org, token, HOSTILE["console script path"](tmp_path), "demo-pkg", "1.0")
    assert response.status_code == 400
    assert response.reason_phrase == (
        "Invalid script name '../../x' in [console_scripts]: a command name holds only "
        "letters, digits, '_', '.' and '-', and is not '.' or '..'.")


@pytest.mark.parametrize(("kind", "said"), [
    ("zip member longer than declared", "inflates past the 10 bytes its headers declare"),
    ("zip member with a wrong CRC", "does not match its CRC-32"),
])
def test_a_member_unlike_its_headers_is_refused_as_corrupt(acme, tmp_path, kind, said):
    org, token = acme
    response = upload(org, token, HOSTILE[kind](tmp_path), "demo-pkg", "1.0")
    assert response.status_code == 400
    assert response.reason_phrase.startswith("The wheel could not be read: "
                                              f"'demo_pkg/__init__.py' {said}")


def test_the_web_side_never_decompresses(acme, tmp_path, monkeypatch, settings):
    """Receiving, hashing and staging an upload opens no archive; only the worker does."""
    org, token = acme
    settings.UPLOAD_WAIT_SECONDS = 0
    path = HOSTILE["zip bomb"](tmp_path)
    queued = queue_tasks(monkeypatch)

    def forbidden(*args, **kwargs):
        raise AssertionError("the web process decompressed untrusted data")

    for target, attribute in ((zipfile, "ZipFile"), (tarfile, "open"), (gzip, "GzipFile"),
                              (zlib, "decompressobj"), (zlib, "decompress")):
        monkeypatch.setattr(target, attribute, forbidden)
    response = upload(org, token, path, "demo-pkg", "1.0", **{"pyversion": "py3"})
    assert response.status_code == 503 and len(queued) == 1
    monkeypatch.undo()
    tasks.validate_upload(*queued[0])
    assert Upload.objects.get().status == UploadStatus.REJECTED
    assert stored_names() == set() and leftovers() == []
