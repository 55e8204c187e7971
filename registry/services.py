"""Writes for projects, releases and files. Each writes an audit event."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from packaging.utils import canonicalize_name

from accounts.audit import audit_record
from accounts.models import Organization
from accounts.principals import Principal
from registry import cache as index_cache
from registry.models import File, FilenameRecord, PackageType, Project, Release


class FileExists(Exception):
    """The filename was used in this org before, with other content."""


@dataclass(frozen=True)
class NewFile:
    filename: str
    packagetype: str
    python_version: str
    size: int
    md5: str
    sha256: str
    blake2_256: str
    path: str
    metadata_sha256: str = ""
    version: str = ""
    project_name: str = ""
    metadata: dict = field(default_factory=dict)


def project_bump(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(last_serial=F("last_serial") + 1)
    project.refresh_from_db(fields=["last_serial"])
    transaction.on_commit(lambda: index_cache.invalidate(project))


@transaction.atomic
def project_create(*, org: Organization, name: str, principal: Principal | None = None,
                   visibility: str | None = None) -> Project:
    project = Project(org=org, name=name, normalized_name=canonicalize_name(name),
                      visibility=visibility or org.default_visibility)
    project.full_clean(exclude=["org"], validate_unique=False)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        raise ValidationError(f"A project named '{name}' already exists.") from exc
    audit_record(action="project.create", org=org, principal=principal, target=project.name,
                 data={"visibility": project.visibility})
    return project


def _release_for(project: Project, new: NewFile) -> Release:
    meta = new.metadata
    release, created = Release.objects.get_or_create(
        project=project, version=new.version,
        defaults={
            "metadata": meta,
            "requires_python": meta.get("requires_python") or "",
            "description": meta.get("description") or "",
            "description_content_type": meta.get("description_content_type") or "",
        },
    )
    return release


@transaction.atomic
def file_publish(*, project: Project, new: NewFile, principal: Principal) -> File:
    """Record an already stored file in the index. Raises FileExists on a reused name."""
    previous = FilenameRecord.objects.filter(org=project.org, filename=new.filename).first()
    if previous is not None and previous.blake2_256_digest != new.blake2_256:
        raise FileExists(new.filename)
    if previous is None:
        FilenameRecord.objects.create(org=project.org, filename=new.filename,
                                      sha256_digest=new.sha256,
                                      blake2_256_digest=new.blake2_256)
    if new.packagetype == PackageType.SDIST and File.objects.filter(
            release__project=project, release__version=new.version,
            packagetype=PackageType.SDIST).exists():
        raise ValidationError("Only one sdist may be uploaded per release.")
    release = _release_for(project, new)
    file = File.objects.create(
        org=project.org, release=release, filename=new.filename,
        packagetype=new.packagetype, python_version=new.python_version,
        requires_python=release.requires_python, size=new.size, md5_digest=new.md5,
        sha256_digest=new.sha256, blake2_256_digest=new.blake2_256, path=new.path,
        metadata_sha256=new.metadata_sha256, uploader=principal.user,
        uploaded_with=principal.token,
    )
    project_bump(project)
    audit_record(action="file.upload", org=project.org, principal=principal,
                 target=f"{project.name} {release.version} {file.filename}",
                 data={"sha256": file.sha256_digest, "size": file.size})
    return file


@transaction.atomic
def release_yank(*, release: Release, reason: str = "", undo: bool = False,
                 principal: Principal | None = None) -> Release:
    before = {"yanked": release.yanked, "reason": release.yanked_reason}
    release.yanked = not undo
    release.yanked_reason = "" if undo else reason
    release.save(update_fields=["yanked", "yanked_reason"])
    project_bump(release.project)
    audit_record(action="release.unyank" if undo else "release.yank", org=release.project.org,
                 principal=principal, target=f"{release.project.name} {release.version}",
                 data={"before": before, "reason": release.yanked_reason})
    return release
