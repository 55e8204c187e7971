"""Size limits checked before an upload is accepted.

The web process checks the per-file size, so such an upload is refused at once; the worker
checks the project and org totals (and the registry's one-sdist rule) inside the publishing
transaction, where the org row is locked, so that concurrent uploads cannot together pass a
limit that each alone would pass.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery

from accounts.models import Organization
from registry.models import Project

MIB = 1024 * 1024


def max_file_size(org: Organization, project: Project | None) -> int:
    """The per-file limit: the project's, else the org's, else the default; always capped."""
    limit = (project and project.max_file_size) or org.max_file_size \
        or settings.UPLOAD_MAX_FILE_SIZE
    return min(limit, settings.UPLOAD_MAX_FILE_SIZE_CAP)


def org_for_upload(slug: str) -> Organization | None:
    """The org, with the largest file limit any of its projects has (for ``stream_limit``)."""
    largest = (Project.objects.filter(org=OuterRef("pk")).order_by().values("org")
               .annotate(largest=Max("max_file_size")).values("largest"))
    return (Organization.objects.filter(slug=slug)
            .annotate(largest_project_limit=Subquery(largest)).first())


def stream_limit(org: Organization) -> int:
    """The most any file of ``org`` (from ``org_for_upload``) may be, before the form says
    which project."""
    largest = org.largest_project_limit or 0
    return min(max(max_file_size(org, None), largest), settings.UPLOAD_MAX_FILE_SIZE_CAP)


# Each part of a form costs at most this much beside its value: the delimiter line (Django's
# parser takes a boundary of up to 200 characters) and the part's headers (which it reads up
# to MAX_TOTAL_HEADER_SIZE, 1,024 bytes).
PART_OVERHEAD = 2 * 1024


def most_body_bytes(max_file_size: int) -> int | None:
    """The longest body an upload form within the limits can have (None when Django's form
    limits are off): the files, the text fields, and each part's delimiter and headers."""
    fields, files = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, settings.DATA_UPLOAD_MAX_NUMBER_FILES
    text = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if fields is None or files is None or text is None:
        return None
    return max_file_size + text + (fields + files + 2) * PART_OVERHEAD


def _size(value: int) -> str:
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value} bytes"


def quota_problems(*, org: Organization, project: Project | None, project_name: str,
                   size: int) -> list[str]:
    """Why adding ``size`` bytes would pass the project's or the org's total size limit.

    Reads the counters (``registry.usage``) of the rows given: the publishing worker passes
    the org it locked and the project it read after taking the lock.
    """
    problems = []
    if project is not None:
        used = project.used_bytes
        if used + size > settings.UPLOAD_MAX_PROJECT_SIZE:
            problems.append(
                f"Project size limit exceeded: project '{project_name}' already uses "
                f"{_size(used)} of its {_size(settings.UPLOAD_MAX_PROJECT_SIZE)} limit and "
                f"this file is {_size(size)}. Delete old releases or ask the instance "
                "administrator to raise the limit.")
    used = org.used_bytes
    if used + size > settings.UPLOAD_MAX_ORG_SIZE:
        problems.append(
            f"Organisation size limit exceeded: '{org.slug}' already uses {_size(used)} of its "
            f"{_size(settings.UPLOAD_MAX_ORG_SIZE)} limit and this file is {_size(size)}. "
            "Delete old releases or ask the instance administrator to raise the limit.")
    return problems
