"""Real faults for the tests: a Redis server to kill and restart, a TCP proxy in front of
Postgres to stall or cut, a Celery worker to SIGKILL, and a live registry wired to them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from tests.corpus import build_wheel
from tests.live import BIN, ROOT, free_port, live_registry


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self, directory: Path):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.directory, self.port, self.process = directory, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "redis-server started")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None


class TcpProxy:
    """Forwards 127.0.0.1:port to ``target``. ``stall()``: connections stay open but nothing
    is forwarded (a hung server); ``cut()``: every connection is closed and new ones are
    closed as soon as they come (a server gone); ``restore()``: forwarding again.

    The listener stays bound throughout: closed, its port could be taken meanwhile as the
    local port of some other connection, and the proxy could not come back on it."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.stalled, self.gone = threading.Event(), threading.Event()
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = None
        self._listen()

    def _listen(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.gone.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.stalled.is_set():  # held, as by a server that stopped answering
                    time.sleep(0.05)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stall(self) -> None:
        self.stalled.set()

    def cut(self) -> None:
        self.gone.set()
        with self.lock:
            links, self.links = self.links, []
        for sock in links:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def restore(self) -> None:
        self.stalled.clear()
        self.gone.clear()


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs Postgres (DATABASE_URL)")
    return url


def through(url: str, proxy: TcpProxy) -> str:
    parts = urllib.parse.urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = (user + "@" if user else "") + f"127.0.0.1:{proxy.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Registry:
    """A live registry (gunicorn) on the given Redis, with a Celery worker the test may
    SIGKILL (its whole process group) and start again."""

    def __init__(self, tmp_path: Path, redis: RedisServer, database_proxy: TcpProxy | None = None,
                 **env):
        self.live = live_registry(tmp_path / "live")
        self.live.env.update(REDIS_URL=redis.url + "/0", CELERY_BROKER_URL=redis.url + "/1",
                             UPLOAD_WAIT_SECONDS="8", UPLOAD_RETRY_AFTER_SECONDS="1", **env)
        if database_proxy is not None:
            self.live.env["DATABASE_URL"] = through(self.live.env["DATABASE_URL"],
                                                    database_proxy)
        self.worker = None
        self.tmp_path = tmp_path

    def start(self) -> Registry:
        self.live.start()
        # The worker LiveRegistry started is replaced by one in a process group of its own.
        default = self.live.processes.pop()
        default.terminate()
        default.wait(timeout=30)
        self.start_worker()
        return self

    def start_worker(self) -> None:
        log = open(self.tmp_path / "worker.log", "ab")  # noqa: SIM115 - lives with the worker
        self.worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "-c", "1", "-l", "INFO",
             "-Q", self.live.env["CELERY_QUEUE"], "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.live.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool processes at once."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.kill_worker()
        self.live.stop()

    @property
    def url(self) -> str:
        return self.live.url

    def get(self, path: str, timeout: float = 10, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=timeout, **kwargs)

    def upload(self, org: str, token: str, path: Path, name: str, version: str,
               timeout: float = 30) -> requests.Response:
        data = path.read_bytes()
        form = {":action": "file_upload", "protocol_version": "1", "metadata_version": "2.1",
                "name": name, "version": version, "filetype": "bdist_wheel",
                "pyversion": "py3", "sha256_digest": hashlib.sha256(data).hexdigest()}
        return requests.post(f"{self.url}/{org}/legacy/", data=form,
                             files={"content": (path.name, data)},
                             auth=("__token__", token), timeout=timeout)

    def live_post(self, path: str, token: str, **json) -> requests.Response:
        return requests.post(self.url + path, json=json, timeout=10,
                             headers={"Authorization": f"Bearer {token}"})

    def worker_log(self) -> str:
        path = self.tmp_path / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self) -> str:
        worker = self.tmp_path / "worker.log"
        extra = worker.read_text(errors="replace")[-3000:] if worker.exists() else ""
        return self.live.log_tail() + "\n--- worker.log\n" + extra


def wheel(tmp_path: Path, name: str, version: str) -> Path:
    directory = tmp_path / f"dist-{name}-{version}"
    directory.mkdir(parents=True, exist_ok=True)
    return build_wheel(directory, name, version)


def public_org(registry: Registry, slug: str = "acme") -> str:
    """An org whose projects are public, and an upload token for it."""
    registry.live.manage("createorg", slug, "--visibility", "public")
    return registry.live.token(slug, "--permission", "upload")
