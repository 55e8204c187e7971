"""The upload pipeline, web side: replays, staging, waiting; and the clean-up of stale uploads.

The worker side (validate, store, record) is ``uploads.publish``.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.principals import Principal
from registry.storage import staging
from uploads import notify, replays, validation
from uploads.models import Upload, UploadStatus
from uploads.publish import (
    CONFLICT,
    finish,
    not_allowed_message,
    upload_inputs,
    upload_process,
)

__all__ = ["StagingFailed", "not_allowed_message", "stale_after", "upload_earlier",
           "upload_expire", "upload_fail", "upload_known", "upload_process", "upload_stage",
           "upload_wait"]

log = logging.getLogger(__name__)


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
