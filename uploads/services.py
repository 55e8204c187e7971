"""The upload pipeline, web side: what to answer an upload (``upload_receive``), replays,
staging, waiting; and the clean-up of stale uploads.

The worker side (validate, store, record) is ``uploads.publish``.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from packaging.utils import canonicalize_name

from accounts.capabilities import Capability
from accounts.models import Organization
from accounts.principals import Principal
from registry import services as registry_services
from registry.models import Project, ProjectStatus
from registry.permissions import can_create_project, project_capabilities
from registry.selectors import project_named
from registry.storage import staging
from uploads import dependencies, limits, notify, replays, takeover, validation
from uploads.models import Upload, UploadStatus
from uploads.publish import (
    CONFLICT,
    finish,
    not_allowed_message,
    upload_inputs,
    upload_process,
)

__all__ = ["Answer", "Received", "StagingFailed", "not_allowed_message", "stale_after",
           "upload_admit", "upload_earlier", "upload_expire", "upload_fail", "upload_known",
           "upload_process", "upload_receive", "upload_stage", "upload_wait"]

log = logging.getLogger(__name__)
GONE_CODES = {"action-gone"}
AUTH_HINT = ("Uploads need an API token: use __token__ as the username and the token as the "
             "password.")


@dataclass(frozen=True)
class Received:
    """What an upload request carried: the form's text fields, the names of its file parts,
    and the ``content`` file (``size`` and ``digests`` set) under the name the client sent."""

    fields: dict[str, list[str]]
    file_fields: tuple[str, ...] = ()
    filename: str | None = None
    content: UploadedFile | None = None
    too_large: bool = False  # a file passed the org's largest limit; its bytes were dropped


@dataclass(frozen=True)
class Answer:
    """What to tell the client: a status, the problems (most important first), when to
    retry, and whether to ask for credentials (``WWW-Authenticate``)."""

    status: int
    messages: tuple[str, ...] = ()
    retry_after: int | None = None
    challenge: bool = False


def upload_admit(*, slug: str, principal: Principal,
                 content_length: int | None) -> tuple[Organization | None, Answer | None]:
    """The org to upload to, or why the request is refused before its body is read: no
    token, no such org, or a body (``Content-Length``) longer than any form within the
    org's limits can be."""
    if principal.token is None:
        return None, Answer(401, (AUTH_HINT,), challenge=True)
    org = limits.org_for_upload(slug)
    if org is None:
        return None, Answer(404, (f"There is no organisation '{slug}' here; check the upload "
                                  "URL (/ORG/legacy/).",))
    most = limits.most_body_bytes(limits.stream_limit(org))
    if content_length is not None and most is not None and content_length > most:
        return None, Answer(413, (
            f"File too large. Limit is {limits.stream_limit(org) / limits.MIB:g} MiB; this "
            f"upload sends {content_length / limits.MIB:.1f} MiB.",))
    return org, None


def upload_receive(*, org: Organization, principal: Principal, received: Received) -> Answer:
    """Check what was received, stage it and wait for the worker's verdict: the answer."""
    if received.too_large:
        limit = limits.stream_limit(org) / limits.MIB
        return Answer(413, (f"File too large. Limit is {limit:g} MiB.",))
    form = validation.check_form({**received.fields,
                                  validation.FILE_FIELDS_KEY: list(received.file_fields)})
    if any(p.field == ":action" for p in form.problems):  # not an upload: nothing else matters
        status = 410 if any(p.code in GONE_CODES for p in form.problems) else 400
        return Answer(status, tuple(p.message for p in form.problems))
    content = received.content
    # Every problem the request itself shows, in one answer; the archive's own are the
    # worker's, once the request is sound.
    problems = list(form.problems)
    if content is not None:
        problems += validation.check_filename(received.filename, filetype=form.filetype,
                                              name=form.name, version=form.version)
        problems += _digest_problems(form.digests, content.digests)
    if problems:
        return Answer(400, tuple(p.message for p in problems))
    if content is None:
        return Answer(400, ("Upload payload does not have a file.",))
    return _authorised(org, principal, form, received)


def _digest_problems(sent: dict, computed: dict) -> list[validation.Problem]:
    return [validation.Problem(
        "digest-mismatch", f"The {algorithm} digest supplied does not match a digest "
        "calculated from the uploaded file.", algorithm)
        for algorithm, digest in sent.items() if digest != computed[algorithm]]


def _authorised(org: Organization, principal: Principal, form: validation.FormResult,
                received: Received) -> Answer:
    # The project, and what the org knows of the filename (asked before it is staged).
    project = project_named(org, canonicalize_name(form.name))
    known = replays.earlier_of(org_id=org.pk, filename=received.filename,
                               blake2_256=received.content.digests["blake2_256"])
    refusal = _project_refusal(org, principal, project, form.name)
    if refusal is None and project is None:
        refusal = _creation_refusal(org, principal, form.name)
    if refusal is not None:
        return refusal
    limit = limits.max_file_size(org, project)
    if received.content.size > limit:
        return Answer(413, (f"File too large. Limit for project '{form.name}' is "
                            f"{limit / limits.MIB:g} MiB.",))
    # The size totals and the one-sdist rule are checked by the worker, under the org lock,
    # where they are exact.
    return _staged(org, principal, form, received, project, known)


def _project_refusal(org: Organization, principal: Principal, project: Project | None,
                     name: str) -> Answer | None:
    """Why the token may not upload to ``project`` (None: no project has the name), if it
    may not. A project it cannot see is answered as a name that does not exist, and both
    questions are asked either way, so that the two take the same reads."""
    normalized = canonicalize_name(name)
    creatable = can_create_project(principal, org, normalized)
    held = project_capabilities(principal, project or _unseen(org, normalized))
    if project is None:
        return None if creatable else Answer(403, (not_allowed_message(name),))
    if Capability.PROJECT_READ not in held:
        return Answer(403, (not_allowed_message(name),))
    if Capability.PROJECT_UPLOAD not in held:
        return Answer(403, (f"The token is not allowed to upload to project '{name}'.",))
    if project.status == ProjectStatus.ARCHIVED:
        return Answer(400, (f"Project '{project.name}' is archived and accepts no new "
                            "uploads; an org admin can unarchive it.",))
    return None


def _unseen(org: Organization, normalized: str) -> Project:
    """A stand-in for a name no project has, decided on (and the answer dropped) only so that
    it costs what deciding on a project that exists does. No row has the id 0."""
    return Project(pk=0, org=org, name=normalized, normalized_name=normalized,
                   visibility=org.default_visibility)


def _creation_refusal(org: Organization, principal: Principal, name: str) -> Answer | None:
    """Why the upload may not create project ``name``, if it may not. (The limit on new
    projects counts only those created: the publishing worker counts, and refuses.)"""
    problems = registry_services.project_name_problems(org=org, name=name, principal=principal)
    return Answer(400, tuple(p.message for p in problems)) if problems else None


def _staged(org: Organization, principal: Principal, form: validation.FormResult,
            received: Received, project: Project | None, known: replays.Earlier) -> Answer:
    content, filename = received.content, received.filename
    replay, earlier = upload_known(known=known, filename=filename,
                                   blake2_256=content.digests["blake2_256"])
    if replay is not None:
        return Answer(replay.status, replay.messages)
    if earlier is not None:
        takeover.upload_resume(earlier)  # its worker may be gone: sent again if so
        return _waited(earlier)
    retry_after = settings.UPLOAD_RETRY_AFTER_SECONDS
    if (down := dependencies.upload_unavailable()) is not None:
        return Answer(503, (f"{down} Retry in {retry_after} seconds.",), retry_after=retry_after)
    try:
        upload = upload_stage(
            org=org, principal=principal, project_name=project.name if project else form.name,
            create_project=project is None, form=form, filename=filename,
            python_version=(received.fields.get("pyversion") or [""])[-1],
            content=content, size=content.size, digests=content.digests)
    except StagingFailed:
        return Answer(503, ("The registry could not store the upload just now; nothing was "
                            f"kept. Retry in {retry_after} seconds.",), retry_after=retry_after)
    return _waited(upload)


def _waited(upload: Upload) -> Answer:
    retry_after = settings.UPLOAD_RETRY_AFTER_SECONDS
    upload = upload_wait(upload, seconds=settings.UPLOAD_WAIT_SECONDS)
    if upload.status in (UploadStatus.PUBLISHED, UploadStatus.EXISTED):
        return Answer(200)
    if upload.status == UploadStatus.PENDING:
        return Answer(503, (f"The upload is still being validated after "
                            f"{settings.UPLOAD_WAIT_SECONDS} seconds; retry the same upload in "
                            f"{retry_after} seconds (it answers 200 once published).",),
                      retry_after=retry_after)
    messages = tuple(p["message"] for p in upload.problems)
    if upload.status == UploadStatus.FAILED:
        return Answer(500, messages)
    retry_after = max((p.get("retry_after") or 0 for p in upload.problems), default=0)
    if retry_after:  # refused by a rate limit (only the worker knows a project was made)
        return Answer(429, messages, retry_after=retry_after)
    return Answer(400, messages)


class StagingFailed(Exception):
    """The file could not be staged or recorded; nothing was kept."""


def upload_known(*, known: replays.Earlier, filename: str,
                 blake2_256: str) -> tuple[replays.Outcome | None, Upload | None]:
    """A replay's answer, or an earlier attempt to wait for; (None, None) for a new upload.

    ``known`` is what the org knows of the filename (``replays.earlier_of``)."""
    outcome = replays.filename_outcome(known, filename=filename, blake2_256=blake2_256)
    if outcome is not None:
        return outcome, None
    return None, upload_earlier(known)


def upload_earlier(earlier: replays.Earlier) -> Upload | None:
    """The same bytes uploaded recently and still being validated, or refused by validation.

    A client retrying after a 503 then waits for the first attempt instead of starting
    another, and sees why it was refused even if validation outlasted its wait.
    """
    if earlier.attempt_id is None:
        return None
    upload = Upload.objects.filter(pk=earlier.attempt_id).first()
    if upload is None or (upload.status == UploadStatus.REJECTED and (
            not upload.problems or any(p["code"] == CONFLICT for p in upload.problems))):
        return None
    return upload


def upload_stage(*, org, principal: Principal, project_name: str, create_project: bool,
                 form: validation.FormResult, filename: str, python_version: str,
                 content, size: int, digests: dict) -> Upload:
    """Move the received file to staging and record the upload; the task runs on commit.

    Raises StagingFailed, having removed the staged copy, when storage or the database fails.
    """
    # A random name with the file's kind: the filename itself is on the row, and a staged
    # name must fit where the longest accepted filename would not beside a prefix.
    staged_name = uuid.uuid4().hex + (".whl" if form.filetype == "bdist_wheel" else ".tar.gz")
    try:
        # The received temporary file itself: a local disk moves it into place.
        staged_name = staging().save(staged_name, content)
        # Committed on its own (outside a request's transaction, if any): the row exists
        # before the task that reads it is queued.
        upload = Upload.objects.create(
            org=org, project_name=project_name, create_project=create_project,
            version=form.version, filename=filename, filetype=form.filetype,
            python_version=python_version, size=size, md5_digest=digests["md5"],
            sha256_digest=digests["sha256"], blake2_256_digest=digests["blake2_256"],
            staged_name=staged_name, user=principal.user, token=principal.token,
            ip=principal.ip)
    except Exception as exc:
        log.exception("staging %s failed", filename)
        _unstage(staged_name)
        raise StagingFailed(filename) from exc
    transaction.on_commit(lambda: _enqueue(upload), robust=True)
    return upload


def _enqueue(upload: Upload) -> None:
    """Queue the validation; if the broker cannot take it, fail the upload at once (the
    waiting request answers with the reason, and a retry starts afresh)."""
    from uploads.tasks import validate_upload

    try:
        validate_upload.delay(upload.pk, upload_inputs(upload))
    except OperationalError:  # kombu's: the broker is unreachable
        log.exception("could not queue the validation of upload %s", upload.pk)
        upload_fail(upload.pk, "The upload could not be queued for validation; nothing was "
                               "published. Please retry.")


def _unstage(name: str) -> None:
    try:
        staging().delete(name)
    except Exception:  # the original failure is what the caller reports
        log.exception("could not remove staged file %s", name)


def upload_wait(upload: Upload, *, seconds: float) -> Upload:
    """Wait until the upload's status is final or ``seconds`` pass.

    With Redis the worker's announcement wakes the request at once; without it (or if an
    announcement is lost) the status row is polled, often at first, then backing off.
    """
    deadline = time.monotonic() + seconds
    announced = notify.available()
    pause = notify.FALLBACK_SECONDS if announced else 0.005
    # With announcements, the row the caller has just written or read is waited on at once:
    # an announcement made before the request listens waits in its list.
    current = announced
    while True:
        if not current:
            upload.refresh_from_db(fields=["status", "problems", "file"])
        remaining = deadline - time.monotonic()
        if upload.status != UploadStatus.PENDING or remaining <= 0:
            return upload
        heard = notify.upload_listen(upload.pk, min(pause, remaining))
        if heard in (UploadStatus.PUBLISHED, UploadStatus.EXISTED):
            upload.status = heard  # committed before it was announced; nothing else to read
            return upload
        current = False  # a refusal's reasons, or no announcement: read the row
        pause = min(pause * 1.3, notify.FALLBACK_SECONDS)


def upload_fail(upload_id: int, reason: str) -> None:
    """Mark an upload failed after the task gave up, and remove its staged file."""
    upload = Upload.objects.filter(pk=upload_id, status=UploadStatus.PENDING).first()
    if upload is None:
        return
    staging().delete(upload.staged_name)
    finish(upload, UploadStatus.FAILED, [{"code": "internal", "message": reason,
                                          "field": None}])


def stale_after() -> timedelta:
    """When a pending upload's worker must have stopped: an hour, or longer if a task may
    wait in the queue for the request's whole wait and then run to its hard time limit."""
    return timedelta(seconds=max(3600, settings.CELERY_TASK_TIME_LIMIT
                                 + settings.UPLOAD_WAIT_SECONDS))


def upload_expire(*, older_than: timedelta) -> int:
    """Fail uploads still pending after ``older_than`` (their worker died); returns how many.

    A worker killed by its hard time limit or by the kernel cannot clean up after itself.
    """
    cutoff = timezone.now() - older_than
    stale = Upload.objects.filter(status=UploadStatus.PENDING, created_at__lt=cutoff)
    count = 0
    for upload_id in stale.values_list("pk", flat=True):
        upload_fail(upload_id, "Validation did not finish (the worker stopped); nothing was "
                               "published. Please retry.")
        count += 1
    return count
