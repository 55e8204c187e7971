"""Reads of projects, releases and files, scoped by principal, in one place.

``projects_readable`` mirrors ``registry.permissions.project_capabilities`` for
PROJECT_READ as one query; tests check that the two agree on every case.
"""

from django.db.models import Q, QuerySet

from accounts.capabilities import OrgRole, Visibility
from accounts.models import Organization
from accounts.principals import Principal
from accounts.selectors import membership_role, team_ids
from registry.models import File, Project, ProjectStatus


def _public_or_internal(principal: Principal) -> Q:
    visible = [Visibility.PUBLIC]
    if principal.user is not None:
        visible.append(Visibility.INTERNAL)
    return Q(visibility__in=visible)


def _member_readable(principal: Principal, org: Organization) -> Q:
    role = membership_role(org, principal.user)
    if role in (OrgRole.OWNER, OrgRole.ADMIN):
        return Q()
    if role is None:
        return Q(pk__in=[])
    granted = Q(grants__user=principal.user) | Q(grants__team_id__in=team_ids(org, principal.user))
    return Q(restricted=False) | Q(pk__in=Project.objects.filter(org=org).filter(granted)
                                   .values("pk"))


def projects_readable(principal: Principal, org: Organization) -> QuerySet[Project]:
    """The org's projects the principal may read, quarantined ones excluded."""
    token = principal.token
    base = Project.objects.filter(org=org).exclude(status=ProjectStatus.QUARANTINED)
    if token is not None and token.org_id != org.pk:
        return base.filter(_public_or_internal(Principal()))
    if token is not None:
        scope = Q(normalized_name__in=token.projects) if token.projects else Q()
        own = scope if token.user is None else scope & _member_readable(principal, org)
        return base.filter(own | _public_or_internal(Principal(user=principal.user)))
    if principal.user is None:
        return base.filter(_public_or_internal(principal))
    return base.filter(_member_readable(principal, org) | _public_or_internal(principal))


def project_get(org: Organization, normalized_name: str) -> Project | None:
    return Project.objects.select_related("org").filter(
        org=org, normalized_name=normalized_name).first()


def files_published(project: Project) -> QuerySet[File]:
    """The project's files that the index shows (quarantined files excluded)."""
    return (
        File.objects.filter(release__project=project, quarantined=False)
        .select_related("release")
        .order_by("filename")
    )
