"""The PyPI JSON API documents (``/pypi/{project}/json``) as pure functions. No Django here.

Rows in, the dict PyPI serves out. "Latest" follows PyPI: the newest release that is neither
yanked nor a pre-release, else the newest not yanked, else the newest.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from packaging.version import Version

from registry.simple import iso_z, version_key


@dataclass(frozen=True)
class ReleaseRow:
    version: str
    yanked: bool
    yanked_reason: str
    requires_python: str
    metadata: dict = field(default_factory=dict)
    description: str = ""
    description_content_type: str = ""


@dataclass(frozen=True)
class DistRow:
    version: str
    filename: str
    url: str
    packagetype: str
    python_version: str
    requires_python: str
    size: int
    md5: str
    sha256: str
    blake2_256: str
    metadata_sha256: str
    upload_time: datetime


@dataclass(frozen=True)
class Links:
    """Absolute URLs of the project and release pages (``{version}`` is filled in)."""

    project: str
    release: str


def _is_prerelease(version: str) -> bool:
    try:
        return Version(version).is_prerelease
    except ValueError:  # InvalidVersion, or a number too long for int()
        return True


def choose_latest(releases: Sequence[ReleaseRow]) -> ReleaseRow | None:
    """PyPI's rule: newest not yanked and not a pre-release, else newest not yanked, else newest."""
    newest_first = sorted(releases, key=lambda r: version_key(r.version), reverse=True)
    live = [r for r in newest_first if not r.yanked]
    stable = [r for r in live if not _is_prerelease(r.version)]
    candidates = stable or live or newest_first
    return candidates[0] if candidates else None


def find_release(releases: Sequence[ReleaseRow], version: str) -> ReleaseRow | None:
    """The release whose version equals ``version`` under PEP 440 (``1.0`` finds ``1.0.0``)."""
    exact = next((r for r in releases if r.version == version), None)
    if exact is not None:
        return exact
    try:
        wanted = Version(version)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return None
    return next((r for r in releases if version_key(r.version)[1:] == (wanted, "")), None)


def _keywords(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(value)
    return value or ""


def info(name: str, release: ReleaseRow, links: Links) -> dict:
    """The ``info`` block: the release's core metadata under PyPI's field names."""
    meta = release.metadata or {}
    project_urls = meta.get("project_urls") or None
    return {
        "author": meta.get("author") or "",
        "author_email": meta.get("author_email") or "",
        "bugtrack_url": None,
        "classifiers": list(meta.get("classifiers") or []),
        "description": release.description or meta.get("description") or "",
        "description_content_type": (release.description_content_type
                                     or meta.get("description_content_type") or None),
        "docs_url": None,
        "download_url": meta.get("download_url") or "",
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": meta.get("dynamic") or None,
        "home_page": meta.get("home_page") or "",
        "keywords": _keywords(meta.get("keywords")),
        "license": meta.get("license") or "",
        "license_expression": meta.get("license_expression") or None,
        "license_files": meta.get("license_files") or None,
        "maintainer": meta.get("maintainer") or "",
        "maintainer_email": meta.get("maintainer_email") or "",
        "name": name,
        "package_url": links.project,
        "platform": _platform(meta.get("platform")),
        "project_url": links.project,
        "project_urls": dict(project_urls) if project_urls else None,
        "provides_extra": meta.get("provides_extra") or None,
        "release_url": links.release.format(version=release.version),
        "requires_dist": meta.get("requires_dist") or None,
        "requires_python": release.requires_python or meta.get("requires_python") or "",
        "summary": meta.get("summary") or "",
        "version": release.version,
        "yanked": release.yanked,
        "yanked_reason": (release.yanked_reason or None) if release.yanked else None,
    }


def _platform(value) -> str | None:
    if isinstance(value, list | tuple):
        return ",".join(value) or None
    return value or None


def file_entry(dist: DistRow, release: ReleaseRow) -> dict:
    """One entry of ``urls`` / ``releases``, with PyPI's keys plus the PEP 658 digest."""
    upload = dist.upload_time.astimezone(UTC)
    metadata = {"sha256": dist.metadata_sha256} if dist.metadata_sha256 else False
    return {
        "comment_text": "",
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "digests": {"blake2b_256": dist.blake2_256, "md5": dist.md5, "sha256": dist.sha256},
        "downloads": -1,
        "filename": dist.filename,
        "has_sig": False,
        "md5_digest": dist.md5,
        "packagetype": dist.packagetype,
        "python_version": dist.python_version,
        "requires_python": dist.requires_python or None,
        "size": dist.size,
        "upload_time": upload.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": iso_z(upload),
        "url": dist.url,
        "yanked": release.yanked,
        "yanked_reason": (release.yanked_reason or None) if release.yanked else None,
    }


def _entries(release: ReleaseRow, dists: Sequence[DistRow]) -> list[dict]:
    chosen = sorted((d for d in dists if d.version == release.version), key=lambda d: d.filename)
    return [file_entry(d, release) for d in chosen]


def project_document(*, name: str, serial: int, releases: Sequence[ReleaseRow],
                     dists: Sequence[DistRow], links: Links) -> dict | None:
    """``/pypi/{project}/json``: the latest release's info and files, plus every release.

    None when the project has no release at all (PyPI answers 404 then).
    """
    latest = choose_latest(releases)
    if latest is None:
        return None
    ordered = sorted(releases, key=lambda r: version_key(r.version))
    return {
        "info": info(name, latest, links),
        "last_serial": serial,
        "releases": {r.version: _entries(r, dists) for r in ordered},
        "urls": _entries(latest, dists),
        "vulnerabilities": [],
    }


def release_document(*, name: str, serial: int, release: ReleaseRow,
                     dists: Sequence[DistRow], links: Links) -> dict:
    """``/pypi/{project}/{version}/json``: one release's info and files (no ``releases``)."""
    return {
        "info": info(name, release, links),
        "last_serial": serial,
        "urls": _entries(release, dists),
        "vulnerabilities": [],
    }
