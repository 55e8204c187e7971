"""Distribution file and PEP 658 metadata downloads, after the read check.

Local storage is streamed with ``Content-Length`` and single-range support, or handed to nginx
with ``X-Accel-Redirect`` when ``ACCEL_REDIRECT_PREFIX`` is set; S3 answers with a short-lived
presigned redirect. The read check always comes first.
"""

import os
import re
from typing import NamedTuple

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
from accounts.principals import Principal
from registry import cache as index_cache
from registry.models import File
from registry.storage import distributions
from registry.views.common import auth_error, challenges_anonymous
from registry.views.simple import may_read

CHUNK = 256 * 1024
# At most 19 digits (any file size fits): longer numbers are not a range we understand.
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")


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


class FileFacts(NamedTuple):
    """What serving a file needs; cached under its project's generation."""

    path: str
    blake2_256: str
    sha256: str
    metadata_sha256: str


def _project_guess(filename: str) -> str:
    """The project a distribution's name points to (wheels: the first part; sdists: the rest
    before the version). A wrong guess only means the record is not cached."""
    name = filename.split("-", 1)[0] if filename.endswith(".whl") else filename.rsplit("-", 1)[0]
    return canonicalize_name(name, validate=False)


FileAndProject = tuple[FileFacts, index_cache.Route]


def _readable_file(principal: Principal, org: str, filename: str) -> FileAndProject | None:
    """The file's facts and its project's from the rows (one query), if the principal may
    read it."""
    file = (File.objects.select_related("release__project__org")
            .filter(org__slug=org, filename=filename, quarantined=False).first())
    if file is None:
        return None
    route = index_cache.Route.of(file.release.project)
    if not may_read(principal, route):
        return None
    return FileFacts(file.path, file.blake2_256_digest, file.sha256_digest,
                     file.metadata_sha256), route


def _file_facts(principal: Principal, org: str, filename: str) -> FileAndProject | None:
    """The file's facts and its project's, if the principal may read it.

    As for the index: cached facts answer only a caller who may read the project; anyone
    else is answered from the rows, by the same query as for a file that does not exist,
    and nothing is stored for them.
    """
    # Only a shared cache is trusted here. A process-local one tells another process's write
    # by the project's facts changing under an unchanged generation (the index views compare
    # them): storing the facts read here under that generation would hide such a write from
    # the index pages cached before it.
    if not index_cache.shared():
        return _readable_file(principal, org, filename)
    guess, key = _project_guess(filename), index_cache.file_key(org, filename)
    lookup = index_cache.project_lookup(org, guess, key)
    if lookup.route is not None and key in lookup.values and may_read(principal, lookup.route):
        return FileFacts(*lookup.values[key]), lookup.route
    found = _readable_file(principal, org, filename)
    if found is None or found[1].normalized_name != guess:
        return found
    if lookup.generation is None:
        # None was current when the rows were read: read them again under the one taken now.
        lookup = index_cache.project_lookup(org, guess, key, create=True)
        found = _readable_file(principal, org, filename)
        if found is None:
            return None
    index_cache.route_store(lookup.generation, found[1])
    index_cache.value_store(lookup.generation, key, found[0])
    return found


def _find(request, org: str, digest: str,
          filename: str) -> tuple[FileFacts, index_cache.Route]:
    principal = principal_from_request(request)
    is_metadata = filename.endswith(".metadata")
    found = _file_facts(principal, org, filename.removesuffix(".metadata"))
    if (found is None or found[0].blake2_256 != digest
            or (is_metadata and not found[0].metadata_sha256)):
        raise Http404("No such file.")
    return found


@challenges_anonymous
@require_safe
def download(request, org, aa, bb, rest, filename):
    try:
        file, project = _find(request, org, f"{aa}{bb}{rest}", filename)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    is_metadata = filename.endswith(".metadata")
    path = file.path + (".metadata" if is_metadata else "")
    public = project.visibility == Visibility.PUBLIC
    etag = f'"{file.metadata_sha256 if is_metadata else file.sha256}"'
    response = (get_conditional_response(request, etag=etag)
                or _serve(request, path, filename, public))
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
        handle, size = _open_local(storage, path)
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


def _open_local(storage, path: str):
    """The open file and its size: a plain file object (so the WSGI server can use sendfile)
    where the storage has local paths, else the storage's own file object."""
    try:
        local = storage.path(path)
    except NotImplementedError:
        handle = storage.open(path, "rb")
        return handle, handle.size
    handle = open(local, "rb")  # noqa: SIM115 - closed by the response
    return handle, os.fstat(handle.fileno()).st_size


def _slice(handle, start: int, length: int):
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
