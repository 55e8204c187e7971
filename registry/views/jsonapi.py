"""The PyPI-compatible JSON API (``/{org}/pypi/{project}/json`` and ``.../{version}/json``).

Same permission rule as the index (404 without read, 401 to anonymous callers) and the same
cache: finished bytes under the project's generation, so an unchanged document costs one cache
round trip and a check.
"""

import json

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed
from registry import cache as index_cache
from registry import jsonapi
from registry.models import Project
from registry.selectors import files_published
from registry.storage import url_path
from registry.views.common import auth_error, challenges_anonymous
from registry.views.simple import is_public, readable_project, respond

JSON_CONTENT_TYPE = "application/json"


def _base_url(request) -> str:
    return settings.SITE_URL.rstrip("/") if settings.SITE_URL else (
        f"{request.scheme}://{request.get_host()}")


def _release_rows(project: Project) -> list[jsonapi.ReleaseRow]:
    return [
        jsonapi.ReleaseRow(
            version=r.version, yanked=r.yanked, yanked_reason=r.yanked_reason,
            requires_python=r.requires_python, metadata=r.metadata or {},
            description=r.description, description_content_type=r.description_content_type)
        for r in project.releases.all()
    ]


def _dist_rows(project: Project, base: str) -> list[jsonapi.DistRow]:
    prefix = f"{base}/{project.org.slug}/files/"
    return [
        jsonapi.DistRow(
            version=f.release.version, filename=f.filename,
            url=prefix + url_path(f.blake2_256_digest, f.filename),
            packagetype=f.packagetype, python_version=f.python_version,
            requires_python=f.requires_python, size=f.size, md5=f.md5_digest,
            sha256=f.sha256_digest, blake2_256=f.blake2_256_digest,
            metadata_sha256=f.metadata_sha256, upload_time=f.uploaded_at)
        for f in files_published(project)
    ]


def _document(project: Project, version: str | None, base: str) -> dict | None:
    web = f"{base}/{project.org.slug}/project/{project.normalized_name}/"
    links = jsonapi.Links(project=web, release=web + "{version}/")
    releases = _release_rows(project)
    if version is None:
        return jsonapi.project_document(
            name=project.name, serial=project.last_serial, releases=releases,
            dists=_dist_rows(project, base), links=links)
    release = jsonapi.find_release(releases, version)
    if release is None:
        return None
    return jsonapi.release_document(
        name=project.name, serial=project.last_serial, release=release,
        dists=_dist_rows(project, base), links=links)


def _page(route: index_cache.Route, version: str | None, base: str, key: str,
          lookup: index_cache.Lookup) -> index_cache.CachedPage:
    return lookup.page(key) or index_cache.page_built(
        lookup.generation, key, lambda: _built(route.project(), version, base))


def _built(project: Project, version: str | None, base: str) -> index_cache.CachedPage:
    document = _document(project, version, base)
    if document is None:
        raise Http404("No such release.")
    body = json.dumps(document, separators=(",", ":")).encode()
    return index_cache.page_of(body, JSON_CONTENT_TYPE, project.last_serial)


def _answer(request, org: str, project: str, version: str | None):
    normalized = canonicalize_name(project)
    if normalized != project:
        tail = f"{version}/json" if version else "json"
        return HttpResponsePermanentRedirect(f"/{org}/pypi/{normalized}/{tail}")
    base = _base_url(request)
    key = index_cache.project_page_key(org, normalized, "json", index_cache.digest_part(base),
                                       index_cache.digest_part(version or ""))
    try:
        found, lookup = readable_project(request, org, normalized, key)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    return respond(request, _page(found, version, base, key, lookup), public=is_public(found))


@challenges_anonymous
@require_safe
def project_json(request, org, project):
    return _answer(request, org, project, None)


@challenges_anonymous
@require_safe
def release_json(request, org, project, version):
    return _answer(request, org, project, version)
