"""Distribution file and PEP 658 metadata downloads, after the read check."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from accounts.authentication import AuthenticationFailed
from accounts.capabilities import Capability, Visibility
from registry.models import File
from registry.permissions import can
from registry.storage import distributions
from registry.views.common import auth_error, resolve


def _content_type(filename: str) -> str:
    if filename.endswith(".metadata"):
        return "text/plain; charset=utf-8"
    if filename.endswith(".whl") or filename.endswith(".zip"):
        return "application/zip"
    return "application/gzip" if filename.endswith(".gz") else "application/octet-stream"


@require_safe
def download(request, org, aa, bb, rest, filename):
    try:
        organisation, principal = resolve(request, org)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    is_metadata = filename.endswith(".metadata")
    dist_name = filename.removesuffix(".metadata") if is_metadata else filename
    file = (File.objects.select_related("release__project__org")
            .filter(org=organisation, filename=dist_name, quarantined=False).first())
    if (file is None or file.blake2_256_digest != f"{aa}{bb}{rest}"
            or (is_metadata and not file.metadata_sha256)):
        raise Http404("No such file.")
    project = file.release.project
    if not can(principal, Capability.PROJECT_READ, project):
        raise Http404("No such file.")
    path = file.path + (".metadata" if is_metadata else "")
    public = project.visibility == Visibility.PUBLIC
    return _serve(path, filename, public)


def _serve(path: str, filename: str, public: bool) -> HttpResponse:
    storage = distributions()
    cache_control = "public, max-age=31536000, immutable" if public else "private, max-age=0"
    if settings.STORAGE_BACKEND == "s3":
        response = HttpResponseRedirect(storage.url(path))
        response["Cache-Control"] = "private, no-store"
        return response
    if settings.ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=_content_type(filename))
        response["X-Accel-Redirect"] = settings.ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + path
    else:
        try:
            handle = storage.open(path, "rb")
        except FileNotFoundError as exc:
            raise Http404("No such file.") from exc
        response = FileResponse(handle, content_type=_content_type(filename))
        response["Content-Length"] = str(storage.size(path))
    response["Cache-Control"] = cache_control
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
