"""Helpers for the upload tests: the twine form for a file, a POST, what storage holds."""

import hashlib
from pathlib import Path

from django.core.files.storage import storages
from django.test import Client

from tests.conftest import basic_auth


def form_for(path: Path, name: str, version: str, **overrides) -> dict:
    data = path.read_bytes()
    wheel = path.name.endswith(".whl")
    form = {
        ":action": "file_upload", "protocol_version": "1", "metadata_version": "2.1",
        "name": name, "version": version, "filetype": "bdist_wheel" if wheel else "sdist",
        "pyversion": "py3" if wheel else "source",
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "md5_digest": hashlib.md5(data).hexdigest(),
        "blake2_256_digest": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post(org, token: str | None, path: Path, form: dict, url: str | None = None):
    headers = basic_auth(token) if token else {}
    with open(path, "rb") as handle:
        return Client().post(url or f"/{org.slug}/legacy/", {**form, "content": handle},
                             **headers)


def post_named(org, token: str | None, path: Path, form: dict, filename: str):
    """POST ``path``'s bytes under exactly ``filename`` (Django's test client would send its
    last path segment), quoting only '"' and '\\' as RFC 7578's quoted pairs."""
    boundary = "wh-test-boundary"
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        .encode() for key, value in form.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
             f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    body += path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    headers = basic_auth(token) if token else {}
    return Client().generic("POST", f"/{org.slug}/legacy/", body,
                            content_type=f"multipart/form-data; boundary={boundary}", **headers)


def upload(org, token: str, path: Path, name: str, version: str, **overrides):
    """POST ``path`` as twine would, declaring ``name`` and ``version``."""
    return post(org, token, path, form_for(path, name, version, **overrides))


def stored_names() -> set[str]:
    """Every file in distribution and staging storage (by name)."""
    found = set()
    for alias in ("distributions", "staging"):
        root = Path(storages[alias].location)
        found |= {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    return found


def leftovers() -> list[str]:
    """Everything in staging, and any folder in distributions holding no file."""
    staging = Path(storages["staging"].location)
    files = Path(storages["distributions"].location)
    found = [str(p) for p in staging.rglob("*")] if staging.exists() else []
    if files.exists():
        found += [str(p) for p in files.rglob("*") if p.is_dir()
                  and not any(q.is_file() for q in p.rglob("*"))]
    return found


def queue_tasks(monkeypatch) -> list[tuple]:
    """Keep the validation tasks the web side queues, each as its arguments, for the test to
    run (``tasks.validate_upload(*message)``) when it chooses."""
    from uploads import tasks

    queued: list[tuple] = []
    monkeypatch.setattr(tasks.validate_upload, "delay", lambda *message: queued.append(message))
    return queued
