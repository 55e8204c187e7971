"""Upload latency and peak memory for a 50 MB wheel and a 50 MB sdist (run by hand).

Starts a production-like Wheelhouse (gunicorn, Postgres in a fresh database, Redis, one
Celery worker, DEBUG off), uploads each file with real twine and prints the latency and the
peak resident memory (VmHWM) of the gunicorn workers and the Celery worker processes, before
and after each upload. Streaming means the peaks stay far below the file size.

    .venv/bin/python -m benchmarks.upload_memory [--mb 50] [--keep]
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus import build_sdist, build_wheel  # noqa: E402
from tests.live import BIN, LiveRegistry, live_registry  # noqa: E402

MIB = 1024 * 1024
PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/2",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
    "DEBUG": "0",
    "SECURE_COOKIES": "0",
    "UPLOAD_WAIT_SECONDS": "120",
    "CELERY_TASK_TIME_LIMIT": "300",
}


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Sampler:
    """Polls the summed RSS of a process group every 10 ms while an upload runs."""

    def __init__(self, pids: list[int]):
        self.pids, self.peak, self._stop = pids, 0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(status_kib(p, "VmRSS") for p in self.pids))
            time.sleep(0.01)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def groups(registry: LiveRegistry) -> dict[str, list[int]]:
    web, worker = registry.processes[0].pid, registry.processes[1].pid
    return {"web (gunicorn workers)": descendants(web),
            "worker (celery, main + pool)": [worker, *descendants(worker)]}


def hwm(pids: list[int]) -> dict[int, int]:
    """Each process's VmHWM (its peak RSS since it started), in KiB."""
    return {pid: status_kib(pid, "VmHWM") for pid in pids}


def twine_upload(registry: LiveRegistry, token: str, path: Path) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "twine"), "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", f"{registry.url}/bench/legacy/", "-u", "__token__", "-p", token,
         str(path)], capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr + registry.log_tail())
    return elapsed


def build_files(folder: Path, megabytes: int) -> list[Path]:
    data = os.urandom(megabytes * MIB)  # incompressible: the ratio checks pass
    (folder / "w").mkdir()
    (folder / "s").mkdir()
    wheel = build_wheel(folder / "w", "bench-big", "1.0",
                        files={"bench_big/__init__.py": b"", "bench_big/blob.bin": data})
    sdist = build_sdist(folder / "s", "bench-big", "1.0",
                        files={"src/bench_big/__init__.py": b"", "src/bench_big/blob.bin": data})
    return [wheel, sdist]


def measure(registry: LiveRegistry, token: str, files: list[Path]) -> tuple[float, list[dict]]:
    warm = build_wheel(files[0].parent.parent, "bench-warm", "1.0")
    small = twine_upload(registry, token, warm)  # imports and connections made first
    rows = []
    for path in files:
        pids = groups(registry)
        before = {name: hwm(group) for name, group in pids.items()}
        samplers = {name: Sampler(group) for name, group in pids.items()}
        for sampler in samplers.values():
            sampler.__enter__()
        seconds = twine_upload(registry, token, path)
        for sampler in samplers.values():
            sampler.__exit__()
        after = {name: hwm(group) for name, group in pids.items()}
        rows.append({"file": path.name, "size": path.stat().st_size, "seconds": seconds,
                     "groups": {name: (before[name], after[name], samplers[name].peak)
                                for name in pids}})
    return small, rows


def report(small: float, rows: list[dict]) -> None:
    print(f"twine upload of a small wheel (twine's own start-up included): {small:.2f} s")
    for row in rows:
        print(f"\n{row['file']}  {row['size'] / MIB:.1f} MiB  twine upload {row['seconds']:.2f} s")
        for name, (before, after, summed) in row["groups"].items():
            grew = max(after, key=lambda pid: after[pid] - before[pid])
            print(f"  {name:30} largest peak RSS {max(after.values()) / 1024:6.1f} MiB; "
                  f"most grown process: peak {after[grew] / 1024:.1f} MiB "
                  f"(+{(after[grew] - before[grew]) / 1024:.1f} MiB in this upload); "
                  f"group's summed RSS peak {summed / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of each file in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    os.environ.update(PRODUCTION, SECRET_KEY=secrets.token_urlsafe(40))
    with tempfile.TemporaryDirectory(prefix="wh-upload-bench-") as tmp:
        folder = Path(tmp)
        files = build_files(folder, args.mb)
        (folder / "var").mkdir()
        registry = live_registry(folder / "var").start()
        try:
            registry.manage("createorg", "bench")
            token = registry.token("bench", "--permission", "upload")
            report(*measure(registry, token, files))
        finally:
            registry.stop()
            if args.keep:
                print("kept", subprocess.run(["cp", "-r", tmp, tmp + "-kept"]).args[-1])


if __name__ == "__main__":
    main()
