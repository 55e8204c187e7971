"""Against the live registry: racing uploads, hostile files, and the worker's limits."""

import hashlib
import io
import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import requests

from tests.corpus import build_sdist, build_wheel, core_metadata

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def race(registry):
    registry.manage("createorg", "race", "--visibility", "private")
    return registry.token("race", "--permission", "upload")


def post(registry, token: str, path: Path, name: str, version: str) -> requests.Response:
    data = path.read_bytes()
    form = {":action": "file_upload", "protocol_version": "1", "name": name,
            "version": version, "metadata_version": "2.1",
            "filetype": "bdist_wheel" if path.suffix == ".whl" else "sdist",
            "pyversion": "py3" if path.suffix == ".whl" else "source",
            "sha256_digest": hashlib.sha256(data).hexdigest()}
    return requests.post(f"{registry.url}/race/legacy/", data=form, auth=("__token__", token),
                         files={"content": (path.name, data)}, timeout=120)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_racing_uploads_of_one_filename_one_wins(registry, race, tmp_path):
    for round_ in range(4):
        name = f"racer{round_}"
        wheels = []
        for side in ("a", "b"):
            (tmp_path / side).mkdir(exist_ok=True)
            wheels.append(build_wheel(tmp_path / side, name, "1.0",
                                      files={f"{name}/__init__.py": f"SIDE = '{side}'\n".encode()}))
        answers: list[requests.Response] = [None, None]
        start = threading.Barrier(2)

        def send(i: int, wheels=wheels, answers=answers, start=start, name=name):
            start.wait()
            answers[i] = post(registry, race, wheels[i], name, "1.0")

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 400], [(a.status_code, a.reason) for a in answers]
        loser = next(a for a in answers if a.status_code == 400)
        assert loser.reason.startswith("File already exists"), loser.reason
    blobs = files_in(registry.var_dir / "files")
    assert len([b for b in blobs if b.startswith("racer") and b.endswith(".whl")]) == 4
    assert files_in(registry.var_dir / "staging") == []


def test_hostile_uploads_leave_the_servers_up_and_nothing_behind(registry, race, tmp_path):
    import tarfile

    bomb = build_wheel(tmp_path, "hostile", "1.0", files={"hostile/zeros": b"\0" * (16 << 20)})
    link = tarfile.TarInfo("hostile-1.0/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    (tmp_path / "s").mkdir()
    sdist = build_sdist(tmp_path / "s", "hostile", "1.0")
    pkg_info = core_metadata("hostile", "1.0").encode()
    info = tarfile.TarInfo("hostile-1.0/PKG-INFO")
    info.size = len(pkg_info)
    with tarfile.open(sdist, "w:gz") as archive:  # rewritten: valid but for a symlink
        archive.addfile(info, io.BytesIO(pkg_info))
        archive.addfile(link)
    for path in (bomb, sdist):
        response = post(registry, race, path, "hostile", "1.0")
        assert response.status_code == 400, (response.status_code, response.reason)
    assert "decompression bomb" in post(registry, race, bomb, "hostile", "1.0").reason
    assert "is a link" in post(registry, race, sdist, "hostile", "1.0").reason
    with urllib.request.urlopen(registry.url + "/readyz", timeout=10) as ready:
        assert ready.status == 200
    assert files_in(registry.var_dir / "staging") == []
    assert not [b for b in files_in(registry.var_dir / "files") if b.startswith("hostile")]


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a real worker")
def test_worker_processes_run_with_the_memory_limit(registry):
    worker = next(p for p in registry.processes if "celery" in " ".join(map(str, p.args)))
    deadline = time.monotonic() + 60  # the pool process starts after gunicorn is ready
    while not _descendants(worker.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    pids = [worker.pid, *_descendants(worker.pid)]
    assert len(pids) >= 2  # the main worker process and its pool process
    for pid in pids:
        limits = Path(f"/proc/{pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
        assert line.split()[3] == str(2 * 1024 * 1024 * 1024), line
    gunicorn = registry.processes[0].pid
    for pid in [gunicorn, *_descendants(gunicorn)]:
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert "unlimited" in next(x for x in limits.splitlines()
                                   if x.startswith("Max address space"))
