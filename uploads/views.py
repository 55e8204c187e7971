"""``POST /{org}/legacy/``: the upload endpoint twine, uv, hatch, poetry, pdm and flit use."""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from packaging.utils import canonicalize_name

from accounts import statements
from accounts.authentication import (
    AuthenticationFailed,
    principal_from_request,
    token_read_ahead,
)
from accounts.capabilities import Capability
from accounts.ratelimit import RateLimited, rate_hit
from registry import services as registry_services
from registry.models import Project, ProjectStatus
from registry.permissions import can_create_project, project_capabilities
from registry.selectors import project_named_later
from uploads import dependencies, limits, multipart, replays, services, takeover, validation
from uploads.models import UploadStatus

GONE_CODES = {"action-gone"}


def reply(status: int, messages=(), retry_after: int | None = None) -> HttpResponse:
    """Twine prints the reason phrase, so the first message goes there too."""
    first = messages[0] if messages else "OK"
    if len(messages) > 1:
        first += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
    body = "\n".join(messages) + "\n" if messages else "OK\n"
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    # A status line is printable ASCII on the wire; the body keeps the exact (UTF-8) text.
    line = " ".join(first.split())[:1000].encode("ascii", "replace").decode()
    response.reason_phrase = "".join(ch if ch.isprintable() else "?" for ch in line)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@csrf_exempt  # upload clients carry no CSRF cookie; the endpoint itself is exempt too
def legacy_redirect(request, org):
    response = HttpResponse(status=308)
    # Absolute: uv follows no relative Location, and twine quotes it as the URL to use.
    response["Location"] = request.build_absolute_uri(f"/{org}/legacy/")
    return response


@csrf_exempt
def upload(request, org):
    if request.method != "POST":
        return reply(405, ("Uploads are POSTed here with twine, uv publish, or similar.",))
    # The org and the presented token in one round trip (accounts.statements.pipeline).
    with statements.pipeline() as pipe:
        found = limits.org_for_upload_later(pipe, org)
        read_ahead = token_read_ahead(pipe, request)
    organisation = found.value
    # Credentials first: without a valid token nobody learns whether the org exists.
    try:
        principal = principal_from_request(request, allow_session=False, read_ahead=read_ahead)
    except AuthenticationFailed as exc:
        response = reply(exc.status, (exc.message,), exc.retry_after)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="wheelhouse"'
        return response
    if principal.token is None:
        response = reply(401, ("Uploads need an API token: use __token__ as the username and "
                               "the token as the password.",))
        response["WWW-Authenticate"] = 'Basic realm="wheelhouse"'
        return response
    if organisation is None:
        return reply(404, (f"There is no organisation '{org}' here; check the upload URL "
                           "(/ORG/legacy/).",))
    try:
        received = multipart.form_read(request, max_file_size=limits.stream_limit(organisation))
    except multipart.FormError as exc:
        return reply(exc.status, (exc.message,))
    try:
        return _receive(organisation, principal, received)
    finally:
        received.close()  # the temporary file, unless staging moved it


def _receive(org, principal, received: multipart.Form):
    fields = {**received.fields, validation.FILE_FIELDS_KEY: received.file_fields}
    if received.too_large:
        limit = limits.stream_limit(org) / (1024 * 1024)
        return reply(413, (f"File too large. Limit is {limit:g} MiB.",))
    form = validation.check_form(fields)
    if any(p.field == ":action" for p in form.problems):  # not an upload: nothing else matters
        status = 410 if any(p.code in GONE_CODES for p in form.problems) else 400
        return reply(status, [p.message for p in form.problems])
    content = received.content
    # Every problem the request itself shows, in one answer; the archive's own are the
    # worker's, once the request is sound.
    problems = list(form.problems)
    if content is not None:
        problems += validation.check_filename(received.filename, filetype=form.filetype,
                                              name=form.name, version=form.version)
        problems += _digest_problems(form.digests, content.digests)
    if problems:
        return reply(400, [p.message for p in problems])
    if content is None:
        return reply(400, ("Upload payload does not have a file.",))
    return _authorised(org, principal, form, content, received)


def _digest_problems(sent: dict, computed: dict) -> list[validation.Problem]:
    return [validation.Problem(
        "digest-mismatch", f"The {algorithm} digest supplied does not match a digest "
        "calculated from the uploaded file.", algorithm)
        for algorithm, digest in sent.items() if digest != computed[algorithm]]


def _authorised(org, principal, form, content, received):
    normalized = canonicalize_name(form.name)
    # The project, and what the org knows of the filename (asked before it is staged), in
    # one round trip (accounts.statements.pipeline).
    with statements.pipeline() as pipe:
        named = project_named_later(pipe, org.pk, normalized)
        history = replays.earlier_of_later(pipe, org_id=org.pk, filename=received.filename,
                                           blake2_256=content.digests["blake2_256"])
    project, known = named.value, history.value
    if project is not None:
        project.org = org
    refusal = _project_refusal(org, principal, project, form.name)
    if refusal is None and project is None:
        refusal = _creation_refusal(org, principal, form.name)
    if refusal is not None:
        return refusal
    return _checked(org, principal, form, content, received, project, known)


def _project_refusal(org, principal, project, name: str) -> HttpResponse | None:
    """Why the token may not upload to ``project`` (None: no project has the name), if it
    may not. A project it cannot see is answered as a name that does not exist, and both
    questions are asked either way, so that the two take the same reads."""
    normalized = canonicalize_name(name)
    creatable = can_create_project(principal, org, normalized)
    held = project_capabilities(principal, project or _unseen(org, normalized))
    if project is None:
        return None if creatable else reply(403, (services.not_allowed_message(name),))
    if Capability.PROJECT_READ not in held:
        return reply(403, (services.not_allowed_message(name),))
    if Capability.PROJECT_UPLOAD not in held:
        return reply(403, (f"The token is not allowed to upload to project '{name}'.",))
    if project.status == ProjectStatus.ARCHIVED:
        return reply(400, (f"Project '{project.name}' is archived and accepts no new "
                           "uploads; an org admin can unarchive it.",))
    return None


def _unseen(org, normalized: str) -> Project:
    """A stand-in for a name no project has, decided on (and the answer dropped) only so that
    it costs what deciding on a project that exists does. No row has the id 0."""
    return Project(pk=0, org=org, name=normalized, normalized_name=normalized,
                   visibility=org.default_visibility)


def _creation_refusal(org, principal, name: str) -> HttpResponse | None:
    """Why the upload may not create project ``name``, if it may not."""
    try:
        rate_hit("project_create", principal.cache_key)
    except RateLimited as exc:
        return reply(429, (f"Too many new projects; retry in {exc.retry_after} seconds.",),
                     retry_after=exc.retry_after)
    problems = registry_services.project_name_problems(org=org, name=name, principal=principal)
    return reply(400, [p.message for p in problems]) if problems else None


def _checked(org, principal, form, content, received, project, known):
    if content.size > limits.max_file_size(org, project):
        limit = limits.max_file_size(org, project) / (1024 * 1024)
        return reply(413, (f"File too large. Limit for project '{form.name}' is "
                           f"{limit:g} MiB.",))
    # The size totals and the one-sdist rule are checked by the worker, under the org lock,
    # where they are exact.
    return _staged(org, principal, form, content, received, project, received.filename,
                   content.digests, known)


def _staged(org, principal, form, content, received, project, filename, digests, known):
    replay, earlier = services.upload_known(known=known, filename=filename,
                                            blake2_256=digests["blake2_256"])
    if replay is not None:
        return reply(replay.status, replay.messages)
    if earlier is not None:
        takeover.upload_resume(earlier)  # its worker may be gone: sent again if so
        return _waited(earlier)
    retry_after = settings.UPLOAD_RETRY_AFTER_SECONDS
    if (down := dependencies.upload_unavailable()) is not None:
        return reply(503, (f"{down} Retry in {retry_after} seconds.",), retry_after=retry_after)
    try:
        upload = services.upload_stage(
            org=org, principal=principal, project_name=project.name if project else form.name,
            create_project=project is None, form=form, filename=filename,
            python_version=(received.fields.get("pyversion") or [""])[-1],
            content=content, size=content.size, digests=digests)
    except services.StagingFailed:
        return reply(503, ("The registry could not store the upload just now; nothing was "
                           f"kept. Retry in {retry_after} seconds.",), retry_after=retry_after)
    return _waited(upload)


def _waited(upload):
    retry_after = settings.UPLOAD_RETRY_AFTER_SECONDS
    upload = services.upload_wait(upload, seconds=settings.UPLOAD_WAIT_SECONDS)
    if upload.status in (UploadStatus.PUBLISHED, UploadStatus.EXISTED):
        return reply(200)
    if upload.status == UploadStatus.PENDING:
        return reply(503, (f"The upload is still being validated after "
                           f"{settings.UPLOAD_WAIT_SECONDS} seconds; retry the same upload in "
                           f"{retry_after} seconds (it answers 200 once published).",),
                     retry_after=retry_after)
    status = 500 if upload.status == UploadStatus.FAILED else 400
    return reply(status, [p["message"] for p in upload.problems])
