"""Bytes of distribution files per project and per org, kept as counters for the quota.

Every upload checks the project's and the org's totals; summing every file of a big org each
time would cost more as the org grows. The counters move with every File row created or
deleted, by atomic UPDATEs: through signals for saves and deletes (so deletes by the admin and
by cascades count too), and in ``file_publish`` itself for uploaded files, which it inserts
without signals and counts in the statement that bumps the project's serial. The publishing
worker reads them under the org lock.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from accounts import statements
from accounts.models import Organization
from registry.models import File, Project

_ADD_SQL = "UPDATE {table} SET used_bytes = used_bytes + %s WHERE id = %s"


def _add(model, pk: int, delta: int, pipe: statements.Pipeline | None = None) -> None:
    statements.execute(_ADD_SQL.format(table=model._meta.db_table), [delta, pk], pipe=pipe)


def org_add(org_id: int, delta: int, pipe: statements.Pipeline | None = None) -> None:
    _add(Organization, org_id, delta, pipe)


def _move(file: File, delta: int) -> None:
    org_add(file.org_id, delta)
    if File.release.is_cached(file):
        _add(Project, file.release.project_id, delta)
        return
    # A cascade: the release row is still there (files go first).
    Project.objects.filter(releases=file.release_id).update(used_bytes=F("used_bytes") + delta)


def _file_saved(sender, instance: File, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _move(instance, instance.size)


def _file_deleted(sender, instance: File, **kwargs) -> None:
    _move(instance, -instance.size)


post_save.connect(_file_saved, sender=File, dispatch_uid="registry.usage.file_saved")
post_delete.connect(_file_deleted, sender=File, dispatch_uid="registry.usage.file_deleted")
