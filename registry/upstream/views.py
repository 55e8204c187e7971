"""The proxied side of the index: the project page of a name the org does not own (called by
``registry.views.simple.project_detail``) and ``/{org}/files/upstream/{project}/{filename}``.

Both answer as for no such project (404, or to anonymous callers the 401 challenge) when the
caller may not read the org's index, the guard refuses the name or no upstream has it.
"""

import logging

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Visibility
from registry.storage import distributions
from registry.upstream import fetch, pages, proxy, services
from registry.views import simple as simple_views
from registry.views.common import auth_error, challenges_anonymous

log = logging.getLogger(__name__)


def _unavailable(message: str) -> HttpResponse:
    response = HttpResponse(f"Upstream index unavailable: {message}\n", status=502,
                            content_type="text/plain; charset=utf-8")
    response.reason_phrase = "Upstream index unavailable"
    return response


def _allowed(request, org_slug: str, name: str):
    """The org and the upstreams to ask for ``name``; Http404 when nothing may be proxied."""
    try:
        return proxy.sources_for(principal_from_request(request), org_slug, name)
    except proxy.Refused as exc:
        raise Http404("No such project.") from exc


def project_page(request, org_slug: str, name: str, ctype: str) -> HttpResponse:
    """The page of ``name`` from the org's first upstream that has it; Http404 when the org
    proxies nothing for the caller under that name."""
    try:
        org, sources = _allowed(request, org_slug, name)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    try:
        page = proxy.rendered(org, name, sources, ctype, lambda page: simple_views.encode(
            page, ctype, simple_views.detail_html, 0))
    except fetch.UpstreamUnavailable as exc:
        return _unavailable(str(exc))
    if page is None:
        raise Http404("No such project.")
    return simple_views.respond(request, page,
                                public=org.default_visibility == Visibility.PUBLIC)


@challenges_anonymous
@require_safe
def download(request, org, project, filename):
    name = canonicalize_name(project)
    if name != project:
        raise Http404("No such file.")
    try:
        organisation, sources = _allowed(request, org, name)
        data = proxy.page_data(organisation, name, sources)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    except fetch.UpstreamUnavailable as exc:
        return _unavailable(str(exc))
    entry = pages.file_entry(data or {"files": []}, filename.removesuffix(".metadata"))
    if entry is None:
        raise Http404("No such file.")
    public = organisation.default_visibility == Visibility.PUBLIC
    source = proxy.source_of(organisation, name, sources)
    try:
        if filename.endswith(".metadata"):
            response = _metadata(request, organisation, name, source, entry)
        else:
            response = _file(request, organisation, name, source, entry)
    except fetch.UpstreamUnavailable as exc:
        return _unavailable(str(exc))
    except proxy.Mismatch:
        return _unavailable(f"{filename} does not match the hash on its page; not served")
    response["Cache-Control"] = ("public, max-age=31536000, immutable" if public
                                 else "private, max-age=0")
    return response


def _etag(request, digest: str) -> HttpResponse | None:
    """The 304 (or 412) a conditional request gets for a file of this sha256, else None."""
    etag = f'"{digest}"'
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


def _metadata(request, org, name, source, entry) -> HttpResponse:
    path = proxy.metadata(org, name, source, entry)
    if path is None:
        raise Http404("No such file.")
    return _etag(request, entry["core-metadata"]["sha256"]) or _stored(
        path, entry["filename"] + ".metadata", "text/plain; charset=utf-8")


def _file(request, org, name, source, entry) -> HttpResponse:
    not_modified = _etag(request, entry["hashes"]["sha256"])
    if not_modified is not None:
        return not_modified
    kept = proxy.kept_file(org, entry)
    while kept is None:
        mine = proxy.file_claim(org, entry)
        if mine is not None:
            return _streamed(org, name, source, entry, mine)
        kept = proxy.file_awaited(org, entry)
    services.file_used(kept)
    response = _stored(kept.path, entry["filename"], "application/octet-stream")
    response["ETag"] = f'"{kept.sha256}"'
    return response


def _streamed(org, name, source, entry, mine: str) -> HttpResponse:
    try:
        upstream = fetch.request(source, entry["url"])
        if upstream.status != 200:
            upstream.release_conn()
            raise fetch.UpstreamUnavailable(f"{entry['filename']}: {upstream.status}")
    except fetch.UpstreamUnavailable:
        proxy.file_release(org, entry, mine)
        raise
    response = StreamingHttpResponse(proxy.file_stream(org, name, entry, upstream, mine),
                                     content_type="application/octet-stream")
    length = upstream.headers.get("Content-Length")
    if length and length.isdigit():
        response["Content-Length"] = length
    response["Content-Disposition"] = f'attachment; filename="{entry["filename"]}"'
    response["ETag"] = f'"{entry["hashes"]["sha256"]}"'
    return response


def _stored(path: str, filename: str, content_type: str) -> HttpResponse:
    storage = distributions()
    if settings.STORAGE_BACKEND == "s3":
        return HttpResponseRedirect(storage.url(path))
    try:
        handle = storage.open(path, "rb")
    except FileNotFoundError as exc:
        raise Http404("No such file.") from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
