"""A real Wheelhouse (gunicorn, and a Celery worker when a broker is configured) on 127.0.0.1.

It runs from the project's own files with its own var folder and, on Postgres, its own
database, so end-to-end tests talk to it only through HTTP and the operator commands. It runs
in production mode (DEBUG off, collected static files), as a deployment does, so no test
passes on the strength of a debug page; only plain HTTP on 127.0.0.1 differs.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_database(url: str) -> tuple[str, str]:
    """Create a fresh database next to the configured one; returns (new url, name)."""
    import psycopg

    name = f"wh_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}", name


def _drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class LiveRegistry:
    var_dir: Path
    env: dict
    port: int = 0
    processes: list = field(default_factory=list)
    pg: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, check=check, timeout=120)

    def token(self, org: str, *args: str) -> str:
        result = self.manage("createtoken", "--org", org, *args)
        return result.stdout.strip().splitlines()[-1]

    def start(self) -> "LiveRegistry":
        self.manage("migrate", "--no-input", "-v0")
        self.manage("collectstatic", "--no-input", "-v0")
        self.port = free_port()
        log = open(self.var_dir / "server.log", "wb")  # noqa: SIM115 - lives with the process
        self.processes.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.port}",
             "-w", "2", "--threads", "4", "--timeout", "120",
             "--access-logfile", str(self.var_dir / "access.log")],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        if self.env.get("CELERY_BROKER_URL"):
            worker_log = open(self.var_dir / "worker.log", "wb")  # noqa: SIM115
            self.processes.append(subprocess.Popen(
                [str(BIN / "celery"), "-A", "config", "worker", "-c", "1", "-l", "INFO",
                 "-Q", self.env["CELERY_QUEUE"]],
                cwd=ROOT, env=self.env, stdout=worker_log, stderr=subprocess.STDOUT))
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the live registry did not become ready:\n" + self.log_tail())

    def log_tail(self) -> str:
        parts = []
        for name in ("server.log", "worker.log"):
            path = self.var_dir / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    def access_log(self) -> str:
        """gunicorn's access log so far: one line per request, with its status."""
        path = self.var_dir / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.pg:
            _drop_postgres_database(*self.pg)


def live_registry(var_dir: Path) -> LiveRegistry:
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(WHEELHOUSE_VAR_DIR=str(var_dir), CELERY_QUEUE=f"wh-e2e-{uuid.uuid4().hex[:8]}",
               CACHE_KEY_PREFIX=f"wh-e2e-{uuid.uuid4().hex[:8]}", UPLOAD_WAIT_SECONDS="60",
               DEBUG="0", SECRET_KEY=f"live-{uuid.uuid4().hex}{uuid.uuid4().hex}",
               STATIC_ROOT=str(var_dir / "static"))
    registry = LiveRegistry(var_dir=var_dir, env=env)
    if env.get("DATABASE_URL"):
        new_url, name = _postgres_database(env["DATABASE_URL"])
        env["DATABASE_URL"] = new_url
        registry.pg = (os.environ["DATABASE_URL"], name)
    return registry
