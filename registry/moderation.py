"""Moderation writes: quarantine and release projects and files.

Each bumps the project's serial, so the index, the JSON API and the cached pages drop (or
show again) the project or file at once, and each writes an audit event.
"""

from django.db import transaction

from accounts.audit import audit_record
from accounts.principals import Principal
from registry.models import File, Project, ProjectStatus
from registry.services import project_bump


@transaction.atomic
def project_quarantine(*, project: Project, reason: str = "",
                       principal: Principal | None = None) -> Project:
    before = project.status
    project.status = ProjectStatus.QUARANTINED
    project.status_reason = reason
    project.save(update_fields=["status", "status_reason"])
    project_bump(project)
    audit_record(action="project.quarantine", org=project.org, principal=principal,
                 target=project.name, data={"before": before, "reason": reason})
    return project


@transaction.atomic
def project_unquarantine(*, project: Project, principal: Principal | None = None) -> Project:
    project.status = ProjectStatus.ACTIVE
    project.status_reason = ""
    project.save(update_fields=["status", "status_reason"])
    project_bump(project)
    audit_record(action="project.unquarantine", org=project.org, principal=principal,
                 target=project.name)
    return project


def _file_set(file: File, quarantined: bool, reason: str, principal: Principal | None) -> File:
    file.quarantined = quarantined
    file.save(update_fields=["quarantined"])
    project = file.release.project
    project_bump(project)
    action = "file.quarantine" if quarantined else "file.unquarantine"
    audit_record(action=action, org=project.org, principal=principal,
                 target=f"{project.name} {file.release.version} {file.filename}",
                 data={"reason": reason} if reason else {})
    return file


@transaction.atomic
def file_quarantine(*, file: File, reason: str = "", principal: Principal | None = None) -> File:
    return _file_set(file, True, reason, principal)


@transaction.atomic
def file_unquarantine(*, file: File, principal: Principal | None = None) -> File:
    return _file_set(file, False, "", principal)
