"""The system's nginx running deploy/nginx's configuration as a process of the test: its own
prefix, ports, logs and temporary folders, so it needs no root and touches nothing else."""

import getpass
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "wheelhouse.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# What nginx's packaged main configuration (or the official image's) provides around conf.d:
# here every path is under the test's prefix.
MAIN = """\
user {user};
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/conf.d/*.conf;
}}
"""


def template_variables() -> set[str]:
    """The names envsubst replaces in the template (nginx's own variables have no braces)."""
    return set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text()))


def render(**values: str) -> str:
    """The template as the nginx image's envsubst renders it with ``values`` set."""
    missing = template_variables() - set(values)
    assert not missing, f"not set: {missing}"
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], TEMPLATE.read_text())


@dataclass
class Nginx:
    prefix: Path
    upstream: str
    files_dir: Path
    max_body: str = "1034m"
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write(self) -> Path:
        self.port = self.port or free_port()
        (self.prefix / "conf.d").mkdir(parents=True, exist_ok=True)
        (self.prefix / "conf.d" / "wheelhouse.conf").write_text(render(
            WHEELHOUSE_LISTEN=f"127.0.0.1:{self.port}", WHEELHOUSE_UPSTREAM=self.upstream,
            WHEELHOUSE_MAX_BODY=self.max_body, WHEELHOUSE_FILES_DIR=str(self.files_dir)))
        main = self.prefix / "nginx.conf"
        main.write_text(MAIN.format(prefix=self.prefix, user=getpass.getuser()))
        return main

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                "-e", str(self.prefix / "error.log"), *args]

    def check(self) -> subprocess.CompletedProcess:
        self.write()
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> "Nginx":
        self.write()
        self.process = subprocess.Popen(self.command("-g", "daemon off;"),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError("nginx exited:\n" + self.error_log()) from None
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer:\n" + self.error_log())

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
