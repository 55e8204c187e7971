"""The simple repository API: ``/{org}/simple/`` and ``/{org}/simple/{project}/``."""

import hashlib
import json

from django.core.cache import cache
from django.db.models import Max
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed
from accounts.capabilities import Capability, Visibility
from registry import simple
from registry.models import Project
from registry.permissions import can
from registry.selectors import files_published, project_get, projects_readable
from registry.storage import url_path
from registry.views.common import auth_error, resolve


def _respond(request, body: bytes, content_type: str, serial: int, public: bool):
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["X-PyPI-Last-Serial"] = str(serial)
    response["Vary"] = "Accept, Authorization"
    response["Cache-Control"] = "public, max-age=60" if public else "private, max-age=0"
    return response


def _encode(page: dict, content_type: str, html) -> tuple[bytes, str]:
    if content_type == simple.JSON_TYPE:
        return json.dumps(page, separators=(",", ":")).encode(), content_type
    charset = "; charset=utf-8"
    return html(page).encode(), content_type + charset


@require_safe
def project_list(request, org):
    try:
        organisation, principal = resolve(request, org)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    projects = projects_readable(principal, organisation).order_by("normalized_name")
    rows = list(projects.values_list("name", "normalized_name"))
    serial = projects.aggregate(s=Max("last_serial"))["s"] or 0
    page = simple.project_list(serial=serial, names=rows)
    ctype = simple.choose_content_type(request.headers.get("Accept", ""),
                                       request.GET.get("format"))
    if ctype == simple.JSON_TYPE:
        page = simple.public_list(page)
    body, full_type = _encode(page, ctype,
                              lambda p: simple.list_html(p, f"/{organisation.slug}/simple/"))
    return _respond(request, body, full_type, serial, public=False)


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


def _detail_bytes(project: Project, ctype: str) -> tuple[bytes, str]:
    """The finished page, cached by project and serial: a write bumps the serial."""
    key = f"simple:{project.pk}:{project.last_serial}:{ctype}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = _file_rows(project)
    page = simple.project_detail(
        name=project.normalized_name, serial=project.last_serial, status=project.status,
        versions=project.releases.values_list("version", flat=True), files=rows)
    result = _encode(page, ctype, simple.detail_html)
    cache.set(key, result, 24 * 3600)
    return result


@require_safe
def project_detail(request, org, project):
    try:
        organisation, principal = resolve(request, org)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    normalized = canonicalize_name(project)
    if normalized != project:
        target = f"/{organisation.slug}/simple/{normalized}/"
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
    found = project_get(organisation, normalized)
    if found is None or not can(principal, Capability.PROJECT_READ, found):
        raise Http404("No such project.")
    ctype = simple.choose_content_type(request.headers.get("Accept", ""),
                                       request.GET.get("format"))
    body, full_type = _detail_bytes(found, ctype)
    return _respond(request, body, full_type, found.last_serial,
                    public=found.visibility == Visibility.PUBLIC)
