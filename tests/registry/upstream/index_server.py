"""A tiny static simple index on 127.0.0.1 in a thread: the upstream of the tests.

It serves PEP 691 JSON (or PEP 503 HTML when asked, or when ``html_only``) for the projects
it holds, their files and PEP 658 metadata, and logs every path it is asked for.
"""

import hashlib
import json
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename


@dataclass
class Dist:
    filename: str
    body: bytes
    metadata: bytes | None = None
    yanked: str | bool = False
    requires_python: str | None = None
    served: bytes | None = None  # what is sent instead of ``body`` (a tampered file)
    pause: float = 0.0  # seconds before the file is sent, so that requests overlap

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def wheel_dist(path: Path, **extra) -> Dist:
    """A Dist of a wheel on disk, with its METADATA as the PEP 658 file."""
    body = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(meta)
    return Dist(path.name, body, metadata, **extra)


@dataclass
class StaticIndex:
    projects: dict[str, list[Dist]] = field(default_factory=dict)
    html_only: bool = False
    status: dict[str, str] = field(default_factory=dict)  # PEP 792 status by project
    log: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def add(self, dist: Dist) -> Dist:
        name = canonicalize_name(parse_wheel_filename(dist.filename)[0]
                                 if dist.filename.endswith(".whl")
                                 else dist.filename.rsplit("-", 1)[0])
        self.projects.setdefault(name, []).append(dist)
        return dist

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/simple/"

    def asked(self, needle: str) -> list[str]:
        return [path for path in self.log if needle in path]

    def start(self, port: int = 0) -> "StaticIndex":
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                index.log.append(self.path)
                index.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = handler.path.split("?")[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "simple" and parts[1] in self.projects:
            wants_json = "json" in handler.headers.get("Accept", "") and not self.html_only
            body, ctype = (self.page_json(parts[1]), "application/vnd.pypi.simple.v1+json") \
                if wants_json else (self.page_html(parts[1]), "text/html")
            return self._send(handler, 200, body, ctype)
        if len(parts) == 2 and parts[0] == "files":
            for dist in (d for dists in self.projects.values() for d in dists):
                if parts[1] == dist.filename:
                    time.sleep(dist.pause)
                    return self._send(handler, 200, dist.served or dist.body,
                                      "application/octet-stream")
                if parts[1] == dist.filename + ".metadata" and dist.metadata:
                    return self._send(handler, 200, dist.metadata, "text/plain")
        self._send(handler, 404, b"not found\n", "text/plain")

    @staticmethod
    def _send(handler, status: int, body: bytes, ctype: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _entry(self, dist: Dist) -> dict:
        metadata = ({"sha256": hashlib.sha256(dist.metadata).hexdigest()}
                    if dist.metadata else False)
        return {"filename": dist.filename, "url": f"../../files/{dist.filename}",
                "hashes": {"sha256": dist.sha256}, "requires-python": dist.requires_python,
                "yanked": dist.yanked, "core-metadata": metadata, "size": len(dist.body),
                "upload-time": "2025-01-02T03:04:05.000000Z"}

    def page_json(self, name: str) -> bytes:
        status = self.status.get(name)
        page = {"meta": {"api-version": "1.4"}, "name": name,
                "versions": sorted({d.filename.split("-")[1] for d in self.projects[name]}),
                "files": [self._entry(d) for d in self.projects[name]]}
        if status:
            page["project-status"] = {"status": status, "reason": "said upstream"}
        return json.dumps(page).encode()

    def page_html(self, name: str) -> bytes:
        lines = ["<!DOCTYPE html><html><head>"]
        if self.status.get(name):
            lines.append(f'<meta name="pypi:project-status" content="{self.status[name]}">')
        lines.append("</head><body>")
        for dist in self.projects[name]:
            attrs = [f'href="/files/{dist.filename}#sha256={dist.sha256}"']
            if dist.requires_python:
                attrs.append(f'data-requires-python="{dist.requires_python.replace(">", "&gt;")}"')
            if dist.yanked is not False:
                attrs.append(f'data-yanked="{dist.yanked if dist.yanked is not True else ""}"')
            if dist.metadata:
                attrs.append(f'data-core-metadata="sha256='
                             f'{hashlib.sha256(dist.metadata).hexdigest()}"')
            lines.append(f'<a {" ".join(attrs)}>{dist.filename}</a><br/>')
        lines.append("</body></html>")
        return "\n".join(lines).encode()
