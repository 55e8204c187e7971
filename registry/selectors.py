"""Reads of projects, releases and files, scoped by principal, in one place.

``projects_readable`` mirrors ``registry.permissions.project_capabilities`` for
PROJECT_READ as one query; tests check that the two agree on every case.
"""


from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum, TextField
from django.db.models.fields.json import KeyTextTransform
from packaging.utils import canonicalize_name, canonicalize_version

from accounts.capabilities import OrgRole, Visibility
from accounts.models import ApiToken, Organization, User
from accounts.principals import ANONYMOUS, Principal
from accounts.selectors import membership_role, orgs_of, team_ids, tokens_of_org, user_get
from registry.models import File, Project, ProjectGrant, ProjectStatus, Release
from registry.permissions import effective_principal, is_insider
from registry.simple import version_key

# Q() is "no condition", which vanishes when OR-ed with another Q: "every row" is spelt out.
EVERY = Q(pk__isnull=False)


def _visible(principal: Principal, org: Organization) -> Q:
    visible = [Visibility.PUBLIC]
    if principal.user is not None and is_insider(principal.user, org):
        visible.append(Visibility.INTERNAL)
    return Q(visibility__in=visible)


def _member_readable(principal: Principal, org: Organization) -> Q:
    role = membership_role(org, principal.user)
    if role in (OrgRole.OWNER, OrgRole.ADMIN):
        return EVERY
    if role is None:
        return Q(pk__in=[])
    granted = Q(grants__user=principal.user) | Q(grants__team_id__in=team_ids(org, principal.user))
    return Q(restricted=False) | Q(pk__in=Project.objects.filter(org=org).filter(granted)
                                   .values("pk"))


def _readable(principal: Principal, org: Organization) -> Q:
    token = principal.token
    if token is None:
        return _member_readable(principal, org) | _visible(principal, org)
    scope = Q(normalized_name__in=token.projects) if token.projects else EVERY
    held = EVERY if token.user is None else _member_readable(principal, org)
    return (scope & (held | _visible(principal, org))) | _visible(ANONYMOUS, org)


def _quarantine(principal: Principal, org: Organization, include: bool) -> Q:
    not_quarantined = ~Q(status=ProjectStatus.QUARANTINED)
    managers = (OrgRole.OWNER, OrgRole.ADMIN)
    if include and principal.token is None and membership_role(org, principal.user) in managers:
        return EVERY
    return not_quarantined


def projects_readable(principal: Principal, org: Organization, *,
                      include_quarantined: bool = False) -> QuerySet[Project]:
    """The org's projects the principal may read.

    The index never lists quarantined projects; ``include_quarantined`` adds those the
    principal may still read (owners and admins in a session), so that the result agrees
    with ``can(principal, PROJECT_READ, project)`` for every project.
    """
    effective = effective_principal(principal, org)
    readable = _readable(effective, org)
    return Project.objects.filter(org=org).filter(
        readable, _quarantine(effective, org, include_quarantined)
    )


def projects_public(org_slug: str) -> QuerySet[Project]:
    """What ``projects_readable`` gives an anonymous caller, by the org's slug: one query,
    the same for an unknown org (nothing) as for an org with nothing public."""
    return Project.objects.filter(org__slug=org_slug, visibility=Visibility.PUBLIC).filter(
        ~Q(status=ProjectStatus.QUARANTINED))


def project_get(org: Organization, normalized_name: str) -> Project | None:
    return Project.objects.select_related("org").filter(
        org=org, normalized_name=normalized_name).first()


def project_at(org_slug: str, normalized_name: str) -> Project | None:
    """The project with its org, by org slug and normalised name: one query."""
    return Project.objects.select_related("org").filter(
        org__slug=org_slug, normalized_name=normalized_name).first()


def org_with_state(slug: str) -> tuple[Organization | None, str]:
    """The org, and in the same query a fingerprint of its projects that changes with every
    write to any of them (each write bumps a serial; creating and deleting change the count
    or the highest id)."""
    org = Organization.objects.filter(slug=slug).annotate(
        count=Count("projects"), top=Max("projects__pk"),
        serials=Sum("projects__last_serial")).first()
    return (org, f"{org.count}-{org.top}-{org.serials}") if org else (None, "")


def files_published(project: Project) -> QuerySet[File]:
    """The project's files that the index shows (quarantined files excluded)."""
    return (
        File.objects.filter(release__project=project, quarantined=False)
        .select_related("release")
        .order_by("filename")
    )


def releases_of(project: Project) -> QuerySet[Release]:
    """A project's releases, newest first, with their files."""
    return Release.objects.filter(project=project).prefetch_related("files")


def release_history(project: Project) -> list[Release]:
    """A project's releases without their files, the highest version (PEP 440) first."""
    return sorted(Release.objects.filter(project=project),
                  key=lambda release: version_key(release.version), reverse=True)


def release_files(release: Release, *, include_quarantined: bool = False) -> QuerySet[File]:
    """A release's files with who uploaded them; quarantined ones only when asked (for the
    project's admins)."""
    found = File.objects.filter(release=release).select_related("uploader", "uploaded_with")
    if not include_quarantined:
        found = found.filter(quarantined=False)
    return found.order_by("filename")


def projects_search(principal: Principal, org: Organization, text: str = "") -> QuerySet[Project]:
    """The org's projects the principal may read (``projects_readable``, in the same query)
    whose name or summary contains ``text``, by name. Each has ``summary``: its newest
    release's."""
    newest = Release.objects.filter(project=OuterRef("pk")).order_by("-created_at", "-pk")
    summary = newest.annotate(text=KeyTextTransform("summary", "metadata")).values("text")[:1]
    found = projects_readable(principal, org, include_quarantined=True).annotate(
        summary=Subquery(summary, output_field=TextField()))
    text = text.strip()
    if text:
        found = found.filter(Q(name__icontains=text) | Q(summary__icontains=text)
                             | Q(normalized_name__icontains=canonicalize_name(text)))
    return found.order_by("normalized_name")


def files_uploaded_by(principal: Principal, *, limit: int = 10) -> list[File]:
    """The newest files ``principal``'s user uploaded, among those they may still read."""
    user = principal.user
    if user is None:
        return []
    readable = Q(pk__in=[])
    for org in orgs_of(user):
        readable |= Q(release__project__in=projects_readable(principal, org).values("pk"))
    return list(File.objects.filter(readable, uploader=user, quarantined=False)
                .select_related("release__project__org").order_by("-uploaded_at")[:limit])


def _canonical(version: str) -> str:
    """``version`` as releases store it (1.0.0 -> 1); text that is no version stays as is."""
    try:
        return canonicalize_version(version)
    except ValueError:  # a number too long for int(): no release has it
        return version


def release_get(project: Project, version: str) -> Release | None:
    """The release ``version`` names: exactly, else by PEP 440 equality (1.0 is 1.0.0), as
    uploads match them."""
    found = releases_of(project).filter(version=version).first()
    if found is None:
        found = releases_of(project).filter(
            canonical_version=_canonical(version)).first()
    return found


def files_of(project: Project, version: str | None = None) -> QuerySet[File]:
    """Every file of a project (quarantined ones too: this is the management view)."""
    found = File.objects.filter(release__project=project).select_related("release", "org")
    if version:
        return found.filter(release__canonical_version=_canonical(version))
    return found.order_by("filename")


def file_get(project: Project, filename: str) -> File | None:
    """The project's file of that name, quarantined or not."""
    return files_of(project).filter(filename=filename).first()


def grants_of(project: Project) -> QuerySet[ProjectGrant]:
    return ProjectGrant.objects.filter(project=project).select_related("team", "user")


def grant_get(project: Project, grant_id: int) -> ProjectGrant | None:
    """One of the project's grants (a grant of another project is None)."""
    return grants_of(project).filter(pk=grant_id).first()


def member_named(org: Organization, username: str) -> User | None:
    """The active member of ``org`` called ``username`` (to grant a project to, to add to a
    team); None alike for no such user, a disabled one and one outside the org, so that
    whoever asks learns nothing about accounts elsewhere."""
    user = user_get(username)
    return user if user is not None and membership_role(org, user) is not None else None


def projects_by_size(principal: Principal, org: Organization) -> QuerySet[Project]:
    """The org's projects ``principal`` may read (quarantined ones too, for its admins), the
    largest first: where the org's bytes go."""
    return projects_readable(principal, org, include_quarantined=True).order_by(
        "-used_bytes", "normalized_name")


def grants_to_user(org: Organization, user) -> QuerySet[ProjectGrant]:
    """The grants made to ``user`` themselves (not to their teams) on ``org``'s projects."""
    return ProjectGrant.objects.filter(project__org=org, user=user).select_related(
        "project").order_by("project__normalized_name")


def grants_to_team(team) -> QuerySet[ProjectGrant]:
    """The grants made to ``team`` on its org's projects."""
    return ProjectGrant.objects.filter(team=team).select_related("project").order_by(
        "project__normalized_name")


def tokens_touching(project: Project) -> list[ApiToken]:
    """The active tokens that can act on this project: in its org, in scope, owner an active
    member (what ``token_in_force`` says of each, in one query)."""
    org = project.org
    in_force = tokens_of_org(org, active=True).filter(
        Q(user__isnull=True) | Q(user__is_active=True, user__memberships__org=org))
    return [token for token in in_force if token.covers(project.normalized_name)]


def project_named(org: Organization, normalized_name: str) -> Project | None:
    """The org's project with that normalised name, ``org`` attached, or None."""
    project = Project.objects.filter(org=org, normalized_name=normalized_name).first()
    if project is not None:
        project.org = org
    return project
