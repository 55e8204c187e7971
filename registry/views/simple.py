"""The simple repository API: ``/{org}/simple/`` and ``/{org}/simple/{project}/``.

The hot path of every install: an unchanged page costs the project (or org) lookup, the
permission check and one cache read of the finished bytes.
"""

import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Capability, Visibility
from accounts.principals import Principal
from accounts.selectors import membership_role
from registry import cache as index_cache
from registry import simple
from registry.models import Project, ProjectStatus
from registry.permissions import can
from registry.selectors import files_published, projects_readable
from registry.storage import url_path
from registry.views.common import auth_error, resolve

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, max-age=0, must-revalidate"


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def respond(request, page: index_cache.CachedPage, public: bool) -> HttpResponse:
    """The page, or 304 when the client holds it; caching headers by visibility."""
    if _etag_matches(request.headers.get("If-None-Match", ""), page.etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(page.body, content_type=page.content_type)
    response["ETag"] = page.etag
    response["X-PyPI-Last-Serial"] = str(page.serial)
    response["Cache-Control"] = PUBLIC_CACHE if public else PRIVATE_CACHE
    response["Vary"] = "Accept" if public else "Authorization, Accept"
    return response


def encode(page: dict, content_type: str, html, serial: int) -> index_cache.CachedPage:
    if content_type == simple.JSON_TYPE:
        body = json.dumps(page, separators=(",", ":")).encode()
        return index_cache.page_of(body, content_type, serial)
    return index_cache.page_of(html(page).encode(), content_type + "; charset=utf-8", serial)


def negotiate(request) -> str:
    return simple.choose_content_type(request.headers.get("Accept", ""),
                                      request.GET.get("format"))


def _visibility_class(principal: Principal, org) -> str:
    """Callers who may read the same projects share one cached root page."""
    if principal.is_anonymous:
        return "anon"
    if principal.token is None and membership_role(org, principal.user) is None:
        return "signed-in"
    ids = projects_readable(principal, org).order_by("pk").values_list("pk", flat=True)
    return "set-" + hashlib.sha256(repr(list(ids)).encode()).hexdigest()[:24]


def _root_page(principal: Principal, org, ctype: str, key: str) -> index_cache.CachedPage:
    rows = list(projects_readable(principal, org).order_by("normalized_name")
                .values_list("name", "normalized_name", "last_serial"))
    serial = max((row[2] for row in rows), default=0)
    page = simple.project_list(serial=serial, names=[row[:2] for row in rows])
    if ctype == simple.JSON_TYPE:
        page = simple.public_list(page)
    prefix = f"/{org.slug}/simple/"
    result = encode(page, ctype, lambda p: simple.list_html(p, prefix), serial)
    index_cache.page_set(key, result)
    return result


@require_safe
def project_list(request, org):
    try:
        organisation, principal = resolve(request, org)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    ctype = negotiate(request)
    visibility_class = _visibility_class(principal, organisation)
    key = index_cache.root_key(organisation.pk, visibility_class, ctype)
    page = index_cache.page_get(key) or _root_page(principal, organisation, ctype, key)
    return respond(request, page, public=visibility_class == "anon")


def readable_project(request, org_slug: str, normalized: str) -> Project:
    """The project with its org in one query; 404 unless the principal may read it.

    Quarantined projects are gone from the index and the JSON API for everyone.
    """
    principal = principal_from_request(request)
    project = (Project.objects.select_related("org")
               .filter(org__slug=org_slug, normalized_name=normalized).first())
    if (project is None or project.status == ProjectStatus.QUARANTINED
            or not can(principal, Capability.PROJECT_READ, project)):
        raise Http404("No such project.")
    return project


def is_public(project: Project) -> bool:
    return project.visibility == Visibility.PUBLIC


def _file_rows(project: Project) -> list[simple.FileRow]:
    prefix = f"/{project.org.slug}/files/"
    return [
        simple.FileRow(
            filename=f.filename, url=prefix + url_path(f.blake2_256_digest, f.filename),
            sha256=f.sha256_digest, version=f.release.version,
            requires_python=f.requires_python, yanked=f.release.yanked,
            yanked_reason=f.release.yanked_reason, metadata_sha256=f.metadata_sha256,
            size=f.size, upload_time=f.uploaded_at,
        )
        for f in files_published(project)
    ]


def _detail_page(project: Project, ctype: str, key: str) -> index_cache.CachedPage:
    page = simple.project_detail(
        name=project.normalized_name, serial=project.last_serial, status=project.status,
        status_reason=project.status_reason,
        versions=project.releases.values_list("version", flat=True), files=_file_rows(project))
    result = encode(page, ctype, simple.detail_html, project.last_serial)
    index_cache.page_set(key, result)
    return result


@require_safe
def project_detail(request, org, project):
    normalized = canonicalize_name(project)
    if normalized != project:
        target = f"/{org}/simple/{normalized}/"
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
    try:
        found = readable_project(request, org, normalized)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    ctype = negotiate(request)
    key = index_cache.project_key("simple", found, ctype)
    page = index_cache.page_get(key) or _detail_page(found, ctype, key)
    return respond(request, page, public=is_public(found))
