"""Starting the servers under test: Wheelhouse, the bare-Django ceiling, pypiserver, devpi.

Each runs on 127.0.0.1 under one gunicorn configuration (devpi has its own server), from its
own virtual environment under the work folder.
"""

import base64
import dataclasses
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
VENV_BIN = Path(sys.executable).parent
# One configuration for Wheelhouse, the ceiling and pypiserver: 3 processes of 4 threads on
# this 2-CPU box (4 x 2 held more memory for no more throughput).
GUNICORN_ARGS = ["--workers", "3", "--worker-class", "gthread", "--threads", "4",
                 "--timeout", "120", "--log-level", "warning"]
# And one environment: glibc gives each thread its own malloc arena by default, which holds
# freed memory per thread; two arenas per process is the usual setting for threaded servers.
SERVER_ENV = {"MALLOC_ARENA_MAX": "2"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@dataclass
class Server:
    name: str
    base: str
    root: str
    small: str
    big: str
    process: subprocess.Popen | None = None
    upload_url: str = ""
    upload_auth: tuple[str, str] = ("", "")
    read_auth: str = ""  # the Authorization header of every read ("" reads anonymously)
    extra: dict = field(default_factory=dict)

    def stop(self) -> None:
        for process in (self.process, self.extra.get("celery")):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def basic(user: str, password: str) -> str:
    """An ``Authorization`` value for HTTP Basic, as pip and uv send with a token."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def make_venv(path: Path, *packages: str) -> Path:
    """A virtual environment with ``packages`` installed; returns its bin folder."""
    if not (path / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    *packages], check=True)
    return path / "bin"


def _log(work: Path, name: str):
    return open(work / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process


# --- Wheelhouse -------------------------------------------------------------------------
def wheelhouse_env(work: Path) -> tuple[dict, str]:
    import psycopg

    name = f"wh_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env.update(SERVER_ENV)
    env.update(DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{name}",
               REDIS_URL="redis://127.0.0.1:6379/5", CACHE_KEY_PREFIX=name, DEBUG="0",
               # As in production: uploads are validated by a Celery worker, not by gunicorn.
               CELERY_BROKER_URL="redis://127.0.0.1:6379/6", CELERY_QUEUE=name,
               SECRET_KEY=uuid.uuid4().hex * 2, WHEELHOUSE_VAR_DIR=str(work / "wh-var"),
               ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_COOKIES="0",
               # The corpus creates hundreds of projects with one token in minutes.
               RATE_LIMIT_PROJECT_CREATE="1000000")
    return env, name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout


def wheelhouse_bin(work: Path) -> Path:
    """A virtual environment with Wheelhouse's runtime dependencies only, as the Dockerfile's
    ``pip install .[production]`` gives production (gunicorn, psycopg, the S3 client): the
    development tools (twine, schemathesis, ...) pull in libraries that Django REST framework
    would import into every web worker. The code itself runs from the checkout
    (``PYTHONPATH``)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return make_venv(work / "venv-wheelhouse", *project["dependencies"],
                     *project["optional-dependencies"]["production"])


def start_wheelhouse(work: Path, env: dict, org: str, fresh: bool = True) -> Server:
    bin_dir = wheelhouse_bin(work)
    env = {**env, "PYTHONPATH": str(ROOT)}
    if fresh:
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "createorg", org, "--visibility", "public")
    token = manage(env, "createtoken", "--org", org, "--permission", "upload").split()[-1]
    port = free_port()
    process = subprocess.Popen([str(bin_dir / "gunicorn"), "config.wsgi", "-b",
                                f"127.0.0.1:{port}", *GUNICORN_ARGS], cwd=ROOT, env=env,
                               stdout=_log(work, "wheelhouse"), stderr=subprocess.STDOUT)
    celery = subprocess.Popen([str(bin_dir / "celery"), "-A", "config", "worker",
                               "--concurrency", "2", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                              stdout=_log(work, "celery"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz")
    return Server("wheelhouse", base, f"/{org}/simple/", f"/{org}/simple/pkg-0000/",
                  f"/{org}/simple/big-project/", process, upload_url=f"{base}/{org}/legacy/",
                  upload_auth=("__token__", token), extra={"celery": celery})


def wheelhouse_private(env: dict, server: Server, org: str) -> Server:
    """A private org beside the public one, with an upload token and a read token: a view
    of the same server whose reads send ``Authorization: Basic __token__:<read token>`` on
    every request, as pip and uv do."""
    env = {**env, "PYTHONPATH": str(ROOT)}
    manage(env, "createorg", org, "--visibility", "private")
    upload = manage(env, "createtoken", "--org", org, "--permission", "upload").split()[-1]
    read = manage(env, "createtoken", "--org", org, "--permission", "read").split()[-1]
    return dataclasses.replace(
        server, name=f"{server.name}-token", root=f"/{org}/simple/",
        small=f"/{org}/simple/pkg-0000/", big=f"/{org}/simple/big-project/",
        upload_url=f"{server.base}/{org}/legacy/", upload_auth=("__token__", upload),
        read_auth=basic("__token__", read))


def ceiling_env(pages: Path) -> dict:
    return {**os.environ, **SERVER_ENV, "CEILING_PAGES": str(pages), "PYTHONPATH": str(ROOT)}


def start_ceiling(work: Path, pages: Path) -> Server:
    port = free_port()
    process = subprocess.Popen([str(wheelhouse_bin(work) / "gunicorn"),
                                "benchmarks.ceiling:application", "-b", f"127.0.0.1:{port}",
                                *GUNICORN_ARGS], cwd=ROOT, env=ceiling_env(pages),
                               stdout=_log(work, "ceiling"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/root")
    return Server("bare-django", base, "/root", "/small", "/big", process)


# --- pypiserver -------------------------------------------------------------------------
def start_pypiserver(work: Path, packages: Path, cached: bool, token: bool = False) -> Server:
    """pypiserver over ``packages``; with ``token``, its authentication on for reads
    (``authenticate=['download', 'list']``, an htpasswd file) and a Server whose reads send
    the password as pip would (HTTP Basic, ``__token__`` as the user)."""
    extra = ["watchdog"] if cached else []
    venv = "pypiserver-cached" if cached else "pypiserver"
    name = venv + ("-token" if token else "")
    bin_dir = make_venv(work / f"venv-{venv}", "pypiserver", "passlib", "gunicorn", *extra)
    packages.mkdir(parents=True, exist_ok=True)
    port = free_port()
    app = f"pypiserver:app(roots=['{packages}'], authenticate=[], password_file='.')"
    read_auth = ""
    if token:
        password = uuid.uuid4().hex
        htpasswd = work / "pypiserver.htpasswd"
        # The scheme of Apache's ``htpasswd`` by default (apr1, MD5 in 1,000 rounds).
        subprocess.run([str(bin_dir / "python"), "-c",
                        "import sys; from passlib.apache import HtpasswdFile; "
                        "f = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt'); "
                        "f.set_password('__token__', sys.argv[2]); f.save()",
                        str(htpasswd), password], check=True)
        app = (f"pypiserver:app(roots=['{packages}'], authenticate=['download', 'list'], "
               f"password_file='{htpasswd}')")
        read_auth = basic("__token__", password)
    process = subprocess.Popen([str(bin_dir / "gunicorn"), app, "-b", f"127.0.0.1:{port}",
                                *GUNICORN_ARGS], cwd=work, env={**os.environ, **SERVER_ENV},
                               stdout=_log(work, name), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/simple/")
    return Server(name, base, "/simple/", "/simple/pkg-0000/", "/simple/big-project/",
                  process, upload_url=base + "/", upload_auth=("x", "x"), read_auth=read_auth)


# --- devpi ------------------------------------------------------------------------------
def start_devpi(work: Path) -> Server:
    bin_dir = make_venv(work / "venv-devpi", "devpi-server", "devpi-client")
    data = work / "devpi-data"
    if not data.exists():
        subprocess.run([str(bin_dir / "devpi-init"), "--serverdir", str(data),
                        "--no-root-pypi"], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([str(bin_dir / "devpi-server"), "--serverdir", str(data),
                                "--offline-mode", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=_log(work, "devpi"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/+api")
    client = [str(bin_dir / "devpi"), "--clientdir", str(work / "devpi-client")]
    subprocess.run([*client, "use", base], check=True, capture_output=True)
    subprocess.run([*client, "login", "root", "--password", ""], check=True,
                   capture_output=True)
    subprocess.run([*client, "index", "-c", "bench", "bases=", "volatile=True"],
                   capture_output=True)
    return Server("devpi", base, "/root/bench/+simple/", "/root/bench/+simple/pkg-0000/",
                  "/root/bench/+simple/big-project/", process,
                  upload_url=base + "/root/bench/", upload_auth=("root", ""))
