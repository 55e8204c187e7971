"""Upstream project pages: parsed (PEP 691 JSON, or PEP 503 HTML with the stdlib parser) into
one plain form, and rewritten so every file URL points at Wheelhouse. Pure: no Django.

The plain form is what ``UpstreamPage.data`` keeps: the page's name, PEP 792 status, PEP 700
versions (None when the upstream gave none) and files with their absolute upstream URLs,
hashes, requires-python, PEP 592 yank, PEP 658/714 metadata, size and upload time.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from registry import simple

JSON_TYPES = ("application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json",
              "application/json")
ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
          "text/html;q=0.1")


class PageError(ValueError):
    """The upstream's answer is no simple project page."""


def parse(body: bytes, content_type: str, page_url: str) -> dict:
    """The plain form of an upstream project page served as ``content_type`` at ``page_url``."""
    media = content_type.split(";")[0].strip().lower()
    if media in JSON_TYPES:
        return parse_json(body, page_url)
    return parse_html(body.decode("utf-8", errors="replace"), page_url)


def _metadata(value) -> dict | bool:
    if isinstance(value, dict):
        return {k: v.lower() for k, v in value.items()
                if isinstance(k, str) and isinstance(v, str)}
    return bool(value)


def parse_json(body: bytes, page_url: str) -> dict:
    """The plain form of a PEP 691 JSON project page."""
    try:
        page = json.loads(body)
        files = [_json_file(entry, page_url) for entry in page["files"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PageError(f"not a PEP 691 project page: {exc}") from exc
    status = page.get("project-status") if isinstance(page.get("project-status"), dict) else {}
    versions = page.get("versions")
    return {
        "name": str(page.get("name", "")),
        "status": {"status": str(status.get("status", "active")),
                   "reason": str(status.get("reason") or "")},
        "versions": [str(v) for v in versions] if isinstance(versions, list) else None,
        "files": files,
    }


def _json_file(entry: dict, page_url: str) -> dict:
    yanked = entry.get("yanked", False)
    size = entry.get("size")
    return {
        "filename": str(entry["filename"]),
        "url": urljoin(page_url, entry["url"]),
        "hashes": {k: v.lower() for k, v in entry.get("hashes", {}).items()
                   if isinstance(v, str)},
        "requires-python": entry.get("requires-python") or None,
        "yanked": yanked if isinstance(yanked, str) and yanked else bool(yanked),
        "core-metadata": _metadata(entry.get("core-metadata",
                                             entry.get("data-dist-info-metadata", False))),
        "size": size if isinstance(size, int) else None,
        "upload-time": entry.get("upload-time") or None,
    }


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict, str]] = []
        self.meta: dict[str, str] = {}
        self._open: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "href" in values:
            self._open, self._text = values, []
        elif tag == "meta" and values.get("name", "").startswith("pypi:"):
            self.meta[values["name"]] = values.get("content", "")

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, "".join(self._text).strip()))
            self._open = None


def _hash_fragment(fragment: str) -> dict:
    name, _, value = fragment.partition("=")
    return {name: value.lower()} if name and value else {}


def _html_metadata(attrs: dict) -> dict | bool:
    value = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
    if value is None:
        return False
    return _hash_fragment(value) or value.lower() == "true"


def parse_html(text: str, page_url: str) -> dict:
    """The plain form of a PEP 503 HTML project page."""
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    files = []
    for attrs, label in parser.anchors:
        url, fragment = urldefrag(urljoin(page_url, attrs["href"]))
        yanked = attrs.get("data-yanked")
        files.append({
            "filename": label or unquote(urlsplit(url).path.rsplit("/", 1)[-1]),
            "url": url,
            "hashes": _hash_fragment(fragment),
            "requires-python": attrs.get("data-requires-python") or None,
            "yanked": False if yanked is None else (yanked or True),
            "core-metadata": _html_metadata(attrs),
            "size": None,
            "upload-time": None,
        })
    return {
        "name": "",
        "status": {"status": parser.meta.get("pypi:project-status", "active") or "active",
                   "reason": parser.meta.get("pypi:project-status-reason", "")},
        "versions": None,
        "files": files,
    }


def file_version(filename: str) -> str | None:
    """The version in a wheel's or sdist's filename, or None for anything else."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def file_path(org: str, name: str, filename: str) -> str:
    """Where Wheelhouse serves a proxied file of ``name``."""
    return f"/{org}/files/upstream/{name}/{quote(filename)}"


# What a wheel's or sdist's filename holds (PEP 427, PEP 625, PEP 440 epochs and local
# versions); anything else from an upstream is never a path or a header of ours.
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+!-]*")


def served_files(data: dict) -> list[dict]:
    """The files Wheelhouse serves from a plain page: those with a plain filename and a sha256
    to verify against (the only hash a kept file is checked by)."""
    return [entry for entry in data["files"]
            if re.fullmatch(r"[0-9a-f]{64}", entry["hashes"].get("sha256", ""))
            and _FILENAME.fullmatch(entry["filename"])]


def rewritten(data: dict, *, org: str, name: str) -> dict:
    """The PEP 691 project page served for a plain upstream page, every URL Wheelhouse's."""
    files = [_rewritten_file(entry, org, name) for entry in served_files(data)]
    versions = data["versions"]
    if versions is None:
        versions = sorted({v for e in files if (v := file_version(e["filename"]))},
                          key=simple.version_key)
    status = data["status"]
    return {
        "meta": {"api-version": simple.API_VERSION, "_last-serial": 0},
        "name": name,
        "versions": versions,
        "files": files,
        "project-status": ({"status": status["status"], "reason": status["reason"]}
                           if status.get("reason") else {"status": status["status"]}),
    }


def _rewritten_file(entry: dict, org: str, name: str) -> dict:
    metadata = entry["core-metadata"]
    # Metadata is kept only once verified, so only metadata with a sha256 is offered.
    if not (isinstance(metadata, dict) and len(metadata.get("sha256", "")) == 64):
        metadata = False
    else:
        metadata = {"sha256": metadata["sha256"]}
    result = {
        "filename": entry["filename"],
        "url": file_path(org, name, entry["filename"]),
        "hashes": entry["hashes"],
        "requires-python": entry["requires-python"],
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "yanked": entry["yanked"],
    }
    if entry["size"] is not None:
        result["size"] = entry["size"]
    if entry["upload-time"] is not None:
        result["upload-time"] = entry["upload-time"]
    return result


def file_entry(data: dict, filename: str) -> dict | None:
    """The served file of a plain page called ``filename``."""
    return next((e for e in served_files(data) if e["filename"] == filename), None)
