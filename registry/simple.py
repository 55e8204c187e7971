"""Simple repository API pages (PEP 503 / 691 / 592 / 658 / 714 / 700 / 792) as pure functions.

Rows in, the PEP 691 dict out; the HTML form is a template over the same dict
(templates/registry/simple/). No Django here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from packaging.version import Version

API_VERSION = "1.4"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
LEGACY_HTML_TYPE = "text/html"

# The media types offered, each with the one it is answered with (PEP 691: ``latest`` means
# v1 here). The first is the default: what ``*/*``, no Accept header, or nothing acceptable
# gets (the index never answers 406).
SERVED = {
    LEGACY_HTML_TYPE: LEGACY_HTML_TYPE,
    JSON_TYPE: JSON_TYPE,
    HTML_TYPE: HTML_TYPE,
    "application/vnd.pypi.simple.latest+json": JSON_TYPE,
    "application/vnd.pypi.simple.latest+html": HTML_TYPE,
}


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


def version_key(version: str):
    """Sort key for PEP 440 versions; unparsable strings sort after every valid one."""
    try:
        return (0, Version(version), "")
    except ValueError:  # InvalidVersion, or a number too long for int()
        return (1, Version("0"), version)


def iso_z(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a ``Z`` suffix (uv insists on it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _file_entry(row: FileRow) -> dict:
    metadata = {"sha256": row.metadata_sha256} if row.metadata_sha256 else False
    return {
        "filename": row.filename,
        "url": row.url,
        "hashes": {"sha256": row.sha256},
        "requires-python": row.requires_python or None,
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "yanked": (row.yanked_reason or True) if row.yanked else False,
        "size": row.size,
        "upload-time": iso_z(row.upload_time),
    }


def _status(status: str, reason: str) -> dict:
    return {"status": status, "reason": reason} if reason else {"status": status}


def project_detail(*, name: str, serial: int, status: str, versions: Iterable[str],
                   files: Sequence[FileRow], status_reason: str = "") -> dict:
    """The PEP 691 project page: files sorted by version, then filename."""
    ordered = sorted(files, key=lambda r: (version_key(r.version), r.filename))
    return {
        "meta": {"api-version": API_VERSION, "_last-serial": serial},
        "name": name,
        "versions": sorted(set(versions), key=version_key),
        "files": [_file_entry(row) for row in ordered],
        "project-status": _status(status, status_reason),
    }


def project_list(*, serial: int, names: Iterable[tuple[str, str]]) -> dict:
    """The PEP 691 root page from (display name, normalised name) pairs."""
    return {
        "meta": {"api-version": API_VERSION, "_last-serial": serial},
        "projects": [{"name": display, "_normalized": norm} for display, norm in names],
    }


def public_list(page: dict) -> dict:
    """The JSON root page without our private helper keys."""
    return {**page, "projects": [{"name": p["name"]} for p in page["projects"]]}
