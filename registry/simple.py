"""Simple repository API pages (PEP 503 / 691 / 592 / 658 / 714 / 700 / 792) as pure functions.

Rows in, the PEP 691 dict out; the HTML form is rendered from the same dict.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from packaging.version import InvalidVersion, Version

API_VERSION = "1.4"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
LEGACY_HTML_TYPE = "text/html"


@dataclass(frozen=True)
class FileRow:
    filename: str
    url: str
    sha256: str
    version: str
    requires_python: str
    yanked: bool
    yanked_reason: str
    metadata_sha256: str
    size: int
    upload_time: datetime


def _version_key(version: str):
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _file_entry(row: FileRow) -> dict:
    metadata = {"sha256": row.metadata_sha256} if row.metadata_sha256 else False
    entry = {
        "filename": row.filename,
        "url": row.url,
        "hashes": {"sha256": row.sha256},
        "requires-python": row.requires_python or None,
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "yanked": (row.yanked_reason or True) if row.yanked else False,
        "size": row.size,
        "upload-time": _iso_z(row.upload_time),
    }
    return entry


def project_detail(*, name: str, serial: int, status: str, versions: Iterable[str],
                   files: Sequence[FileRow]) -> dict:
    """The PEP 691 project page: files sorted by version, then filename."""
    ordered = sorted(files, key=lambda r: (_version_key(r.version), r.filename))
    return {
        "meta": {"api-version": API_VERSION, "_last-serial": serial},
        "name": name,
        "versions": sorted(set(versions), key=_version_key),
        "files": [_file_entry(row) for row in ordered],
        "project-status": {"status": status},
    }


def project_list(*, serial: int, names: Iterable[tuple[str, str]]) -> dict:
    """The PEP 691 root page from (display name, normalised name) pairs."""
    return {
        "meta": {"api-version": API_VERSION, "_last-serial": serial},
        "projects": [{"name": display, "_normalized": norm} for display, norm in names],
    }


_HEAD = (
    '<!DOCTYPE html>\n<html>\n  <head>\n'
    f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
)


def detail_html(page: dict) -> str:
    name = escape(page["name"])
    lines = [_HEAD, f'    <meta name="pypi:project-status" '
             f'content="{escape(page["project-status"]["status"])}">\n',
             f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
             f"    <h1>Links for {name}</h1>\n"]
    for entry in page["files"]:
        lines.append(_anchor(entry))
    lines.append("  </body>\n</html>\n")
    return "".join(lines)


def _anchor(entry: dict) -> str:
    attrs = [f'href="{escape(entry["url"])}#sha256={entry["hashes"]["sha256"]}"']
    if entry["requires-python"]:
        attrs.append(f'data-requires-python="{escape(entry["requires-python"])}"')
    if entry["yanked"] is not False:
        reason = "" if entry["yanked"] is True else entry["yanked"]
        attrs.append(f'data-yanked="{escape(reason)}"')
    if entry["core-metadata"]:
        digest = entry["core-metadata"]["sha256"]
        attrs.append(f'data-core-metadata="sha256={digest}"')
        attrs.append(f'data-dist-info-metadata="sha256={digest}"')
    return f'    <a {" ".join(attrs)}>{escape(entry["filename"])}</a><br />\n'


def list_html(page: dict, prefix: str) -> str:
    lines = [_HEAD, "    <title>Simple index</title>\n  </head>\n  <body>\n"]
    for project in page["projects"]:
        href = escape(f"{prefix}{project['_normalized']}/")
        lines.append(f'    <a href="{href}">{escape(project["name"])}</a><br />\n')
    lines.append("  </body>\n</html>\n")
    return "".join(lines)


def public_list(page: dict) -> dict:
    """The JSON root page without our private helper keys."""
    return {**page, "projects": [{"name": p["name"]} for p in page["projects"]]}


def choose_content_type(accept: str, format_param: str | None = None) -> str:
    """PEP 691 negotiation; text/html when nothing (or nothing we serve) is asked for."""
    if format_param in (JSON_TYPE, HTML_TYPE, LEGACY_HTML_TYPE):
        return format_param
    best, best_q = LEGACY_HTML_TYPE, -1.0
    for order, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        candidate = {JSON_TYPE: JSON_TYPE, HTML_TYPE: HTML_TYPE,
                     LEGACY_HTML_TYPE: LEGACY_HTML_TYPE}.get(media.lower())
        if candidate and q > 0 and q > best_q:
            best, best_q = candidate, q
        del order
    return best
