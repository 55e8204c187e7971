"""Bytes of distribution files per project and per org, kept as counters for the quota.

Every upload checks the project's and the org's totals; summing every file of a big org each
time would cost more as the org grows. The services that add or delete file rows move the
counters themselves, in the same transaction, with atomic ``F()`` updates: ``file_publish``
and the deletions in ``registry.services`` (the project's counter moves with its serial, in
``project_bump``). Nothing else creates or deletes files: the admin deletes through those
services. The publishing worker reads the counters under the org lock.
"""

from django.db.models import F

from accounts.models import Organization
from registry.models import Project


def org_add(*, org_id: int, delta: int) -> None:
    """Move the org's counter by ``delta`` bytes."""
    if delta:
        Organization.objects.filter(pk=org_id).update(used_bytes=F("used_bytes") + delta)


def project_add(*, project_id: int, delta: int) -> None:
    """Move the project's counter by ``delta`` bytes (``project_bump`` does it with the serial)."""
    if delta:
        Project.objects.filter(pk=project_id).update(used_bytes=F("used_bytes") + delta)

