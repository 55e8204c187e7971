"""What the registry already knows about an uploaded filename: a replay, a reuse, an attempt.

Every upload asks (in one query); the publishing worker asks again when its own claim of the
filename finds it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Organization
from registry.models import File, FilenameRecord
from uploads.models import Upload, UploadStatus


@dataclass(frozen=True)
class Outcome:
    """What the client is told: an HTTP status and the problems, most important first."""

    status: int
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Earlier:
    """The filename's history in the org."""

    record_digest: str | None  # the blake2 digest the filename was first used with
    live: bool  # a file row with that filename exists (it was not deleted)
    attempt_id: int | None  # the latest recent attempt with the same bytes, pending or refused


def earlier_of(*, org_id: int, filename: str, blake2_256: str) -> Earlier:
    """The filename's record, whether its file is live, and a recent attempt with the same
    bytes (one that may still be validated, or was refused within that time)."""
    since = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT
                                       + settings.UPLOAD_WAIT_SECONDS)
    record = FilenameRecord.objects.filter(org=OuterRef("pk"), filename=filename)
    attempt = Upload.objects.filter(
        org=OuterRef("pk"), filename=filename, blake2_256_digest=blake2_256,
        created_at__gte=since, status__in=(UploadStatus.PENDING, UploadStatus.REJECTED),
    ).order_by("-created_at")
    # The org's row carries the three answers, so that they cost one query.
    row = Organization.objects.filter(pk=org_id).values_list(
        Subquery(record.values("blake2_256_digest")[:1]),
        Exists(File.objects.filter(org=OuterRef("pk"), filename=filename)),
        Subquery(attempt.values("pk")[:1]),
    ).first()
    if row is None:  # the org has gone: nothing is known
        return Earlier(None, False, None)
    record_digest, live, attempt_id = row
    return Earlier(record_digest, bool(live), attempt_id)


def name_taken_message(filename: str) -> str:
    """The refusal of a filename this org already used for other bytes."""
    return (f"File already exists ('{filename}', with different content). A filename can be "
            "used only once, even after deletion; use a new version.")


def filename_outcome(earlier: Earlier, *, filename: str, blake2_256: str) -> Outcome | None:
    """Replays: the same file again is 200; the same name with other content, or a deleted
    file's name, is refused; None when the filename is new to the org."""
    if earlier.record_digest is None:
        return None
    if earlier.record_digest != blake2_256:
        return Outcome(400, (name_taken_message(filename),))
    if earlier.live:
        return Outcome(200)
    return Outcome(400, (f"File already exists ('{filename}' was uploaded before and has "
                         "since been deleted). A filename can never be reused; "
                         "use a new version.",))
