"""What the registry already knows about an uploaded filename: a replay, a reuse, an attempt.

Every upload asks, so the web process asks in one statement; the publishing worker asks
again when its own insert of the filename finds it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts import statements
from uploads.models import UploadStatus


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


# Every upload asks this; as one plain statement it costs a fraction of what compiling the
# equivalent annotated queryset did. SELECT without FROM works on Postgres and SQLite.
_EARLIER_SQL = (
    "SELECT (SELECT r.blake2_256_digest FROM registry_filenamerecord r"
    "        WHERE r.org_id = %s AND r.filename = %s),"
    " EXISTS (SELECT 1 FROM registry_file f WHERE f.org_id = %s AND f.filename = %s),"
    " (SELECT u.id FROM uploads_upload u WHERE u.org_id = %s AND u.filename = %s"
    "  AND u.blake2_256_digest = %s AND u.created_at >= %s AND u.status IN (%s, %s)"
    "  ORDER BY u.created_at DESC LIMIT 1)")


def earlier_of(*, org_id: int, filename: str, blake2_256: str) -> Earlier:
    """The filename's record, whether its file is live, and a recent attempt with the same
    bytes (one that may still be validated, or was refused within that time)."""
    with connection.cursor() as cursor:
        cursor.execute(_EARLIER_SQL, _earlier_params(org_id, filename, blake2_256))
        return _earlier(cursor.fetchone())


def earlier_of_later(pipe: statements.Pipeline, *, org_id: int, filename: str,
                     blake2_256: str) -> statements.Pending:
    """``earlier_of`` through a pipeline (the web process sends it with its project read)."""
    return pipe.send(_EARLIER_SQL, _earlier_params(org_id, filename, blake2_256),
                     then=_earlier)


def _earlier_params(org_id: int, filename: str, blake2_256: str) -> list:
    since = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT
                                       + settings.UPLOAD_WAIT_SECONDS)
    return [org_id, filename, org_id, filename, org_id, filename, blake2_256,
            connection.ops.adapt_datetimefield_value(since),
            UploadStatus.PENDING.value, UploadStatus.REJECTED.value]


def _earlier(row: tuple) -> Earlier:
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
