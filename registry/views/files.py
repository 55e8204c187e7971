"""Distribution file and PEP 658 metadata downloads, after the read check.

Local storage is streamed with ``Content-Length`` and single-range support, or handed to nginx
with ``X-Accel-Redirect`` when ``ACCEL_REDIRECT_PREFIX`` is set; S3 answers with a short-lived
presigned redirect. The read check always comes first.
"""

import re

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_safe

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Capability, Visibility
from registry.models import File
from registry.permissions import can
from registry.storage import distributions
from registry.views.common import auth_error

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _content_type(filename: str) -> str:
    if filename.endswith(".metadata"):
        return "text/plain; charset=utf-8"
    if filename.endswith(".whl") or filename.endswith(".zip"):
        return "application/zip"
    return "application/gzip" if filename.endswith(".gz") else "application/octet-stream"


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """One ``bytes=`` range as inclusive (start, end); None to serve it all; False if unsatisfiable.

    Several ranges, or a header we do not understand, are answered with the whole file, as
    RFC 9110 allows.
    """
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    return (start, end) if start < size else False


def _find(request, org: str, digest: str, filename: str) -> File:
    principal = principal_from_request(request)
    is_metadata = filename.endswith(".metadata")
    dist_name = filename.removesuffix(".metadata")
    file = (File.objects.select_related("release__project__org")
            .filter(org__slug=org, filename=dist_name, quarantined=False).first())
    if (file is None or file.blake2_256_digest != digest
            or (is_metadata and not file.metadata_sha256)
            or not can(principal, Capability.PROJECT_READ, file.release.project)):
        raise Http404("No such file.")
    return file


@require_safe
def download(request, org, aa, bb, rest, filename):
    try:
        file = _find(request, org, f"{aa}{bb}{rest}", filename)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    is_metadata = filename.endswith(".metadata")
    path = file.path + (".metadata" if is_metadata else "")
    public = file.release.project.visibility == Visibility.PUBLIC
    etag = f'"{file.metadata_sha256 if is_metadata else file.sha256_digest}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = _serve(request, path, filename, public)
    response["ETag"] = etag
    if settings.STORAGE_BACKEND != "s3":
        response["Cache-Control"] = ("public, max-age=31536000, immutable" if public
                                     else "private, max-age=0")
    return response


def _serve(request, path: str, filename: str, public: bool) -> HttpResponse:
    storage = distributions()
    if settings.STORAGE_BACKEND == "s3":
        response = HttpResponseRedirect(storage.url(path))
        response["Cache-Control"] = "public, max-age=60" if public else "private, no-store"
        return response
    if settings.ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=_content_type(filename))
        response["X-Accel-Redirect"] = settings.ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + path
    else:
        response = _stream(request, storage, path, filename)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stream(request, storage, path: str, filename: str) -> HttpResponse:
    try:
        size = storage.size(path)
        handle = storage.open(path, "rb")
    except FileNotFoundError as exc:
        raise Http404("No such file.") from exc
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(handle, content_type=_content_type(filename))
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_slice(handle, start, end - start + 1), status=206,
                                         content_type=_content_type(filename))
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def _slice(handle, start: int, length: int):
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
