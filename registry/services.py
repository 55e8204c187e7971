"""Writes for projects, releases and files. Each writes an audit event."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from packaging.utils import canonicalize_name, canonicalize_version

from accounts import services as account_services
from accounts import statements
from accounts.audit import audit_record
from accounts.capabilities import Capability, Permission
from accounts.models import Membership, Organization, Team, User
from accounts.principals import Principal
from registry import cache as index_cache
from registry import names, usage
from registry.models import (
    File,
    FilenameRecord,
    PackageType,
    Project,
    ProjectGrant,
    Release,
)
from registry.permissions import can
from registry.storage import METADATA_SUFFIX, blob_folders_prune, distributions


class FileExists(Exception):
    """The filename was used in this org before."""


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


_BUMP_SQL = ("UPDATE registry_project SET last_serial = last_serial + 1, "
             "used_bytes = used_bytes + %s WHERE id = %s RETURNING last_serial")


def project_bump(project: Project, *, added_bytes: int = 0,
                 pipe: statements.Pipeline | None = None) -> None:
    """Count one more change of the project (its serial) and drop its cached pages.

    ``added_bytes`` moves the project's size counter in the same statement (a new file).
    Through ``pipe``, ``project.last_serial`` is set when the pipeline ends."""
    # One statement that also returns the new serial (Postgres and SQLite >= 3.35).
    def bumped(row: tuple) -> None:
        project.last_serial = row[0]

    statements.execute(_BUMP_SQL, [added_bytes, project.pk], then=bumped, pipe=pipe)
    index_cache.invalidate(project)


def _skeleton_sql() -> str:
    """``name_skeleton`` of a normalised name (separators are already single dashes), in SQL
    that Postgres and SQLite share."""
    expression = "REPLACE(normalized_name, '-', '')"
    for confusable, folded in names.CONFUSABLES.items():
        expression = f"REPLACE({expression}, '{confusable}', '{folded}')"
    return expression


# Every new project asks; one plain statement (see accounts.statements). The skeleton
# expression is built from constant letters; the values are parameters.
_LOOKALIKES_SQL = (
    "SELECT id, name, normalized_name, visibility, restricted, status, 0 "  # noqa: S608
    f"FROM registry_project WHERE org_id = %s AND {_skeleton_sql()} = %s UNION ALL "
    "SELECT NULL, NULL, normalized_name, NULL, NULL, NULL, 1 FROM registry_prohibitedname "
    "WHERE normalized_name = %s")


def project_name_problems(*, org: Organization, name: str,
                          principal: Principal | None = None) -> tuple[names.NameProblem, ...]:
    """Why ``name`` may not become a new project of ``org``: the one set of name rules
    (``registry.names``), fed only the rows that can matter (the org's projects with the
    same skeleton, the name's own prohibition), so the cost does not grow with the org.

    A look-alike is named only to a ``principal`` who may read it."""
    normalized = canonicalize_name(name)
    with connection.cursor() as cursor:
        cursor.execute(_LOOKALIKES_SQL, [org.pk, names.name_skeleton(normalized), normalized])
        rows = cursor.fetchall()
    lookalikes = [Project(pk=pk, org=org, name=shown, normalized_name=n, visibility=visibility,
                          restricted=restricted, status=status)
                  for pk, shown, n, visibility, restricted, status, prohibited in rows
                  if not prohibited]
    readable = [p.normalized_name for p in lookalikes if principal is not None
                and p.normalized_name != normalized and can(principal, Capability.PROJECT_READ, p)]
    return names.new_name_problems(
        name, existing_normalized=[p.normalized_name for p in lookalikes],
        prohibited_normalized=[n for _, _, n, *_, prohibited in rows if prohibited],
        shown_normalized=readable)


@transaction.atomic
def project_create(*, org: Organization, name: str, principal: Principal | None = None,
                   visibility: str | None = None) -> Project:
    """Create a project, if ``name`` passes the rules for a new name (ValidationError else)."""
    problems = project_name_problems(org=org, name=name, principal=principal)
    if problems:
        raise ValidationError([problem.message for problem in problems])
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


_RELEASE_SQL = ("SELECT r.*, EXISTS (SELECT 1 FROM registry_file f WHERE f.release_id = r.id "
                "AND f.packagetype = %s) AS has_sdist FROM registry_release r "
                "WHERE r.project_id = %s AND r.canonical_version = %s")


def _release_for(project: Project, new: NewFile, release: Release | None,
                 canonical: str) -> Release:
    """The release a file joins, ``release`` as read by ``_RELEASE_SQL`` (found by canonical
    version, so 1.0 and 1.0.0 are one), or a new one, unsaved: ``file_publish`` inserts it
    with the file.

    Raises ValidationError for a second sdist of a release (one sdist per release)."""
    meta = new.metadata
    if release is not None:
        if new.packagetype == PackageType.SDIST and release.has_sdist:
            raise ValidationError(sdist_message(project.name, new.version))
        release.project = project
        return release
    return Release(
        project=project, version=new.version, canonical_version=canonical, metadata=meta,
        requires_python=meta.get("requires_python") or "",
        description=meta.get("description") or "",
        description_content_type=meta.get("description_content_type") or "",
    )


# A file's release inserted just before it in the same pipeline; (project, version) is
# unique.
_NEW_RELEASE_ID_SQL = ("(SELECT r.id FROM registry_release r "
                       "WHERE r.project_id = %s AND r.version = %s)")


def sdist_message(project_name: str, version: str) -> str:
    return (f"Only one sdist may be uploaded per release: '{project_name}' {version} already "
            "has one. Upload it under a new version.")


# Inside the caller's transaction, without a savepoint of its own: any failure here fails
# the whole publication (the upload worker's transaction holds the org lock around it).
@transaction.atomic(savepoint=False)
def file_publish(*, project: Project, new: NewFile, principal: Principal,
                 also: Callable[[statements.Pipeline, File], None] | None = None) -> File:
    """Record an already stored file in the index.

    Raises FileExists when the org has used the filename before, whatever its bytes were
    (telling a replay of the same file from a refusal is the caller's part), and
    ValidationError for a second sdist of a release. ``also`` sends the caller's own
    statements with the file's insert (the file has its id only once the pipeline ends).
    """
    # Pipelined (accounts.statements): the statements whose answers nothing sent after them
    # needs travel together, so an upload's publication costs a few round trips, not ten.
    canonical = canonicalize_version(new.version)
    try:
        with statements.pipeline() as pipe:
            statements.insert(FilenameRecord(org_id=project.org_id, filename=new.filename,
                                             sha256_digest=new.sha256,
                                             blake2_256_digest=new.blake2_256), pipe)
            existing = pipe.first(Release, _RELEASE_SQL,
                                  [PackageType.SDIST.value, project.pk, canonical])
    except IntegrityError as exc:  # (org, filename) is unique: the name was used before
        raise FileExists(new.filename) from exc
    release = _release_for(project, new, existing.value, canonical)
    # Inserted without save receivers: the size counters (registry.usage) move here, the
    # project's in the same statement as its serial. A new release too (the cache's
    # receivers ignore new rows: the bump below invalidates), sent with its first file.
    with statements.pipeline() as pipe:
        computed = None
        if release.pk is None:
            statements.insert(release, pipe)
            computed = {"release_id": (_NEW_RELEASE_ID_SQL, [project.pk, release.version])}
        file = statements.insert(File(
            org=project.org, release=release, filename=new.filename,
            packagetype=new.packagetype, python_version=new.python_version,
            requires_python=release.requires_python, size=new.size, md5_digest=new.md5,
            sha256_digest=new.sha256, blake2_256_digest=new.blake2_256, path=new.path,
            metadata_sha256=new.metadata_sha256, uploader=principal.user,
            uploaded_with=principal.token,
        ), pipe, computed=computed)
        usage.org_add(project.org_id, file.size, pipe)
        project_bump(project, added_bytes=file.size, pipe=pipe)
        audit_record(action="file.upload", org=project.org, principal=principal,
                     target=f"{project.name} {release.version} {file.filename}",
                     data={"sha256": file.sha256_digest, "size": file.size}, pipe=pipe)
        if also is not None:
            also(pipe, file)
    file.release = release  # its id is known now
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


PROJECT_SETTINGS = ("visibility", "restricted")


def project_register(*, org: Organization, name: str, principal: Principal,
                     visibility: str | None = None, restricted: bool = False) -> Project:
    """Create a project from the management API (``project_create`` checks the name)."""
    with transaction.atomic():
        project = project_create(org=org, name=name, principal=principal, visibility=visibility)
        if restricted:
            project_update(project=project, principal=principal, restricted=True)
    return project


@transaction.atomic
def project_update(*, project: Project, principal: Principal, **changes) -> Project:
    """Change a project's visibility or whether it is restricted to named teams and users."""
    diff = account_services.settings_apply(
        project, changes, PROJECT_SETTINGS, "project",
        lambda: project.full_clean(exclude=["org"], validate_unique=False))
    if diff:
        project_bump(project)
        audit_record(action="project.update", org=project.org, principal=principal,
                     target=project.name, data=diff)
    return project


def _forget_blobs(paths: list[str]) -> None:
    store = distributions()
    for path in paths:
        for name in (path, path + METADATA_SUFFIX):
            if store.exists(name):
                store.delete(name)
        blob_folders_prune(path)


def _delete_files(files, project: Project) -> list[str]:
    """Delete file rows (their names stay used) and, after commit, their blobs."""
    rows = list(files.values_list("filename", "path"))
    files.delete()
    paths = [path for _, path in rows]
    transaction.on_commit(lambda: _forget_blobs(paths))
    return [filename for filename, _ in rows]


@transaction.atomic
def file_delete(*, file: File, principal: Principal) -> None:
    """Delete one file; its filename can never be uploaded again in this org."""
    project = file.release.project
    _delete_files(File.objects.filter(pk=file.pk), project)
    project_bump(project)
    audit_record(action="file.delete", org=project.org, principal=principal,
                 target=f"{project.name} {file.release.version} {file.filename}",
                 data={"sha256": file.sha256_digest})


@transaction.atomic
def release_delete(*, release: Release, principal: Principal) -> list[str]:
    """Delete a release and its files; returns the filenames, which stay used."""
    project = release.project
    names = _delete_files(File.objects.filter(release=release), project)
    release.delete()
    project_bump(project)
    audit_record(action="release.delete", org=project.org, principal=principal,
                 target=f"{project.name} {release.version}", data={"files": names})
    return names


@transaction.atomic
def project_delete(*, project: Project, principal: Principal) -> list[str]:
    """Delete a project with its releases, files and grants; its filenames stay used."""
    names = _delete_files(File.objects.filter(release__project=project), project)
    org = project.org
    audit_record(action="project.delete", org=org, principal=principal, target=project.name,
                 data={"files": names, "visibility": project.visibility})
    project.delete()  # the delete signal drops the project's cached pages
    return names


@transaction.atomic
def grant_set(*, project: Project, permission: str, principal: Principal,
              team: Team | None = None, user: User | None = None) -> ProjectGrant:
    """Grant a team or a user read, upload or admin on a project (replacing their grant)."""
    if (team is None) == (user is None):
        raise ValidationError("Grant to exactly one team or one user.")
    if team is not None and team.org_id != project.org_id:
        raise ValidationError("The team belongs to another organisation.")
    if user is not None and not Membership.objects.filter(org=project.org, user=user).exists():
        raise ValidationError(f"{user.username} is not a member of {project.org.slug}.")
    grant, created = ProjectGrant.objects.get_or_create(
        project=project, team=team, user=user, defaults={"permission": Permission(permission)})
    before = None if created else grant.permission
    if grant.permission != permission:
        grant.permission = Permission(permission)
        grant.save(update_fields=["permission"])
    if before != grant.permission:
        audit_record(action="grant.set", org=project.org, principal=principal,
                     target=f"{project.name} {_grantee(grant)}",
                     data={"before": before, "after": grant.permission})
    return grant


def _grantee(grant: ProjectGrant) -> str:
    return f"team:{grant.team.slug}" if grant.team_id else f"user:{grant.user.username}"


@transaction.atomic
def grant_remove(*, grant: ProjectGrant, principal: Principal) -> None:
    """Withdraw a grant."""
    audit_record(action="grant.remove", org=grant.project.org, principal=principal,
                 target=f"{grant.project.name} {_grantee(grant)}",
                 data={"before": grant.permission, "after": None})
    grant.delete()


@transaction.atomic
def member_remove(*, org: Organization, user: User, principal: Principal) -> None:
    """Remove a member: role, teams, tokens of the org and their own grants, all at once."""
    account_services.membership_remove(org=org, user=user, principal=principal)
    ProjectGrant.objects.filter(project__org=org, user=user).delete()
