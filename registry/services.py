"""Writes for projects, releases and files. Each writes an audit event."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Func, OuterRef, Value
from django.db.models.functions import Replace
from packaging.utils import canonicalize_name, canonicalize_version

from accounts import services as account_services
from accounts.audit import audit_record
from accounts.capabilities import Capability, OrgRole, Permission
from accounts.models import Membership, Organization, Team, User
from accounts.principals import Principal
from accounts.selectors import membership_role
from registry import cache as index_cache
from registry import names, usage
from registry.models import (
    File,
    FilenameRecord,
    PackageType,
    ProhibitedName,
    Project,
    ProjectGrant,
    ProjectStatus,
    Release,
)
from registry.permissions import can
from registry.storage import METADATA_SUFFIX, blob_folders_prune, distributions
from registry.upstream import services as upstream_services


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


def project_bump(project: Project, *, added_bytes: int = 0) -> None:
    """Count one more change of the project (its serial) and drop its cached pages.

    ``added_bytes`` moves the project's size counter (``registry.usage``) in the same
    statement: a file added, or removed (negative). ``project`` holds the new values after."""
    Project.objects.filter(pk=project.pk).update(
        last_serial=F("last_serial") + 1, used_bytes=F("used_bytes") + added_bytes)
    project.refresh_from_db(fields=["last_serial", "used_bytes"])
    index_cache.invalidate(project)


def _skeleton(field: str) -> Func:
    """``name_skeleton`` of a normalised name column (separators are single dashes there)."""
    expression = Replace(F(field), Value("-"), Value(""))
    for confusable, folded in names.CONFUSABLES.items():
        expression = Replace(expression, Value(confusable), Value(folded))
    return expression


def project_name_problems(*, org: Organization, name: str,
                          principal: Principal | None = None) -> tuple[names.NameProblem, ...]:
    """Why ``name`` may not become a new project of ``org``: the one set of name rules
    (``registry.names``), fed only the rows that can matter (the org's projects with the
    same skeleton, the name's own prohibition), so the cost does not grow with the org.

    A look-alike is named only to a ``principal`` who may read it."""
    normalized = canonicalize_name(name)
    lookalikes = list(
        Project.objects.filter(org=org).alias(skeleton=_skeleton("normalized_name"))
        .filter(skeleton=names.name_skeleton(normalized))
        .only("org_id", "name", "normalized_name", "visibility", "restricted", "status"))
    for project in lookalikes:
        project.org = org
    prohibited = ProhibitedName.objects.filter(normalized_name=normalized).exists()
    readable = [p.normalized_name for p in lookalikes if principal is not None
                and p.normalized_name != normalized and can(principal, Capability.PROJECT_READ, p)]
    return names.new_name_problems(
        name, existing_normalized=[p.normalized_name for p in lookalikes],
        prohibited_normalized=[normalized] if prohibited else [],
        shown_normalized=readable)


def _creator(principal: Principal | None, org: Organization) -> User | None:
    """The person creating a project who needs a grant to manage it: a member (in a session
    or with their own token) whose org role does not already give admin on every project.
    An org's own token creates for the org: nobody gets a grant."""
    if principal is None or principal.user is None:
        return None
    if principal.token is not None and principal.token.user_id is None:
        return None
    role = membership_role(org, principal.user)
    return principal.user if role not in (None, OrgRole.OWNER, OrgRole.ADMIN) else None


@transaction.atomic
def project_create(*, org: Organization, name: str, principal: Principal | None = None,
                   visibility: str | None = None) -> Project:
    """Create a project, if ``name`` passes the rules for a new name (ValidationError else).

    A member who creates a project gets admin on it (a user grant), as its maintainer."""
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
    index_cache.invalidate(project)  # the org's root pages list it; its name may be cached
    # The name is the org's for ever: never proxied again, and what was proxied is dropped,
    # now and once more after commit (a proxied page may be stored meanwhile).
    upstream_services.name_held(org_id=org.pk, normalized=project.normalized_name)
    transaction.on_commit(lambda: upstream_services.name_held(
        org_id=org.pk, normalized=project.normalized_name))
    audit_record(action="project.create", org=org, principal=principal, target=project.name,
                 data={"visibility": project.visibility})
    creator = _creator(principal, org)
    if creator is not None:
        grant_set(project=project, permission=Permission.ADMIN, principal=principal,
                  user=creator)
    return project


def _release_for(project: Project, new: NewFile) -> Release:
    """The release a file joins: found by canonical version (1.0 and 1.0.0 are one), or
    created. Raises ValidationError for a second sdist of a release (one sdist per release)."""
    canonical = canonicalize_version(new.version)
    sdists = File.objects.filter(release=OuterRef("pk"), packagetype=PackageType.SDIST)
    release = (Release.objects.filter(project=project, canonical_version=canonical)
               .annotate(has_sdist=Exists(sdists)).first())
    if release is not None:
        if new.packagetype == PackageType.SDIST and release.has_sdist:
            raise ValidationError(sdist_message(project.name, new.version))
        release.project = project
        return release
    meta = new.metadata
    return Release.objects.create(
        project=project, version=new.version, canonical_version=canonical, metadata=meta,
        requires_python=meta.get("requires_python") or "",
        description=meta.get("description") or "",
        description_content_type=meta.get("description_content_type") or "",
    )


def sdist_message(project_name: str, version: str) -> str:
    return (f"Only one sdist may be uploaded per release: '{project_name}' {version} already "
            "has one. Upload it under a new version.")


# Inside the caller's transaction, without a savepoint of its own: any failure here fails
# the whole publication (the upload worker's transaction holds the org lock around it).
@transaction.atomic(savepoint=False)
def file_publish(*, project: Project, new: NewFile, principal: Principal) -> File:
    """Record an already stored file in the index, in one transaction: its filename, its
    release (if new), the file, the size counters, the project's serial, the cached pages
    dropped, an audit event.

    Raises FileExists when the org has used the filename before, whatever its bytes were
    (telling a replay of the same file from a refusal is the caller's part), and
    ValidationError for a second sdist of a release.
    """
    try:
        FilenameRecord.objects.create(org_id=project.org_id, filename=new.filename,
                                      sha256_digest=new.sha256,
                                      blake2_256_digest=new.blake2_256)
    except IntegrityError as exc:  # (org, filename) is unique: the name was used before
        raise FileExists(new.filename) from exc
    release = _release_for(project, new)
    file = File.objects.create(
        org=project.org, release=release, filename=new.filename,
        packagetype=new.packagetype, python_version=new.python_version,
        requires_python=release.requires_python, size=new.size, md5_digest=new.md5,
        sha256_digest=new.sha256, blake2_256_digest=new.blake2_256, path=new.path,
        metadata_sha256=new.metadata_sha256, uploader=principal.user,
        uploaded_with=principal.token,
    )
    usage.org_add(org_id=project.org_id, delta=file.size)
    project_bump(project, added_bytes=file.size)
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


PROJECT_SETTINGS = ("visibility", "restricted", "max_file_size", "status", "status_reason")
# The PEP 792 statuses an org's admins set; quarantine is the moderators' (registry.moderation).
SETTABLE_STATUSES = (ProjectStatus.ACTIVE, ProjectStatus.ARCHIVED, ProjectStatus.DEPRECATED)
QUARANTINE_IS_MODERATORS = ("Only the instance's moderators quarantine a project or lift a "
                            "quarantine.")


def project_register(*, org: Organization, name: str, principal: Principal,
                     visibility: str | None = None, restricted: bool = False) -> Project:
    """Create a project from the management API (``project_create`` checks the name)."""
    with transaction.atomic():
        project = project_create(org=org, name=name, principal=principal, visibility=visibility)
        if restricted:
            project_update(project=project, principal=principal, restricted=True)
    return project


def _project_clean(project: Project, changes: dict, status_before: str) -> None:
    account_services.file_size_limit_check(project.max_file_size)
    quarantine = ProjectStatus.QUARANTINED in (status_before, project.status)
    if quarantine and {"status", "status_reason"} & set(changes):
        raise ValidationError({"status": [QUARANTINE_IS_MODERATORS]})
    project.full_clean(exclude=["org"], validate_unique=False)


@transaction.atomic
def project_update(*, project: Project, principal: Principal, **changes) -> Project:
    """Change a project's settings: visibility, whether it is restricted to named teams and
    users, its own per-file size limit (None: the org's applies) and its PEP 792 status
    (active, archived or deprecated, with a reason; back to active drops the reason)."""
    if changes.get("status") == ProjectStatus.ACTIVE:
        changes.setdefault("status_reason", "")
    status_before = project.status
    diff = account_services.settings_apply(
        project, changes, PROJECT_SETTINGS, "project",
        lambda: _project_clean(project, changes, status_before))
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


def _delete_files(files, project: Project) -> tuple[list[str], int]:
    """Delete file rows (their names stay used), move the org's size counter and, after
    commit, remove their blobs. Returns the filenames and the bytes they held."""
    rows = list(files.values_list("filename", "path", "size"))
    files.delete()
    removed = sum(size for _, _, size in rows)
    usage.org_add(org_id=project.org_id, delta=-removed)
    paths = [path for _, path, _ in rows]
    transaction.on_commit(lambda: _forget_blobs(paths))
    return [filename for filename, _, _ in rows], removed


@transaction.atomic
def file_delete(*, file: File, principal: Principal) -> None:
    """Delete one file; its filename can never be uploaded again in this org."""
    project = file.release.project
    _names, removed = _delete_files(File.objects.filter(pk=file.pk), project)
    project_bump(project, added_bytes=-removed)
    audit_record(action="file.delete", org=project.org, principal=principal,
                 target=f"{project.name} {file.release.version} {file.filename}",
                 data={"sha256": file.sha256_digest})


@transaction.atomic
def release_delete(*, release: Release, principal: Principal) -> list[str]:
    """Delete a release and its files; returns the filenames, which stay used."""
    project = release.project
    names, removed = _delete_files(File.objects.filter(release=release), project)
    release.delete()
    project_bump(project, added_bytes=-removed)
    audit_record(action="release.delete", org=project.org, principal=principal,
                 target=f"{project.name} {release.version}", data={"files": names})
    return names


@transaction.atomic
def project_delete(*, project: Project, principal: Principal) -> list[str]:
    """Delete a project with its releases, files and grants; its filenames stay used."""
    names, _removed = _delete_files(File.objects.filter(release__project=project), project)
    org = project.org
    audit_record(action="project.delete", org=org, principal=principal, target=project.name,
                 data={"files": names, "visibility": project.visibility})
    index_cache.invalidate(project)
    project.delete()
    return names


@transaction.atomic
def org_delete(*, org: Organization, principal: Principal) -> None:
    """Delete an org and everything in it (``accounts.services.org_delete``), and drop the
    cached pages of its projects: the pages are found by the org's slug, which a new org
    may take."""
    names = list(org.projects.values_list("normalized_name", flat=True))
    account_services.org_delete(org=org, principal=principal)
    index_cache.invalidate_org(org.slug, projects=names)


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
