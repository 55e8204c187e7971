"""The one capability decision: may this principal do X to this project / in this org?

Every view (web, API, simple index, file download, upload) asks here. It reads the pure
tables in ``accounts.capabilities`` and the grants, which this app owns.
"""

from accounts.capabilities import (
    PERMISSION_CAPABILITIES,
    ROLE_CAPABILITIES,
    TOKEN_CAPABILITIES,
    Capability,
    OrgRole,
    Visibility,
    strongest,
)
from accounts.models import Organization
from accounts.principals import Principal
from accounts.selectors import membership_role, team_ids
from registry.models import Project, ProjectGrant, ProjectStatus

NOTHING: frozenset[Capability] = frozenset()
READ_ONLY = frozenset({Capability.PROJECT_READ})


def _user_project_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    user = principal.user
    role = membership_role(project.org, user)
    if role in (OrgRole.OWNER, OrgRole.ADMIN):
        return ROLE_CAPABILITIES[OrgRole(role)]
    if role is None:
        return NOTHING  # a former member keeps no grants
    granted = ProjectGrant.objects.filter(project=project).filter(
        _grant_filter(user, team_ids(project.org, user))
    ).values_list("permission", flat=True)
    permission = strongest(granted)
    caps = PERMISSION_CAPABILITIES[permission] if permission else NOTHING
    if not project.restricted:
        caps = caps | READ_ONLY
    return caps


def _grant_filter(user, teams):
    from django.db.models import Q

    return Q(user=user) | Q(team_id__in=teams)


def _visibility_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    if project.visibility == Visibility.PUBLIC:
        return READ_ONLY
    if project.visibility == Visibility.INTERNAL and principal.user is not None:
        return READ_ONLY
    return NOTHING


def project_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    """Everything ``principal`` may do to ``project``."""
    token = principal.token
    if token is not None and (token.org_id != project.org_id
                              or not token.covers(project.normalized_name)):
        # A token outside its org or scope is worth what an anonymous caller gets.
        return _visibility_capabilities(Principal(), project)
    if token is not None and token.user is None:
        caps = TOKEN_CAPABILITIES[token.permission] & (
            PERMISSION_CAPABILITIES[token.permission])
    else:
        caps = _user_project_capabilities(principal, project) if principal.user else NOTHING
        if token is not None:
            caps = caps & TOKEN_CAPABILITIES[token.permission]
    caps = caps | _visibility_capabilities(principal, project)
    if project.status == ProjectStatus.QUARANTINED:
        role = membership_role(project.org, principal.user) if token is None else None
        return caps if role in (OrgRole.OWNER, OrgRole.ADMIN) else NOTHING
    return caps


def can(principal: Principal, capability: Capability, project: Project) -> bool:
    return capability in project_capabilities(principal, project)


def org_capabilities(principal: Principal, org: Organization) -> frozenset[Capability]:
    """Org-level capabilities (listing, creating projects, managing members...)."""
    token = principal.token
    if token is not None and token.org_id != org.pk:
        return NOTHING
    if token is not None and token.user is None:
        return TOKEN_CAPABILITIES[token.permission] - {
            c for c in Capability if c.value.startswith("project:")}
    role = membership_role(org, principal.user)
    if role is None:
        return NOTHING
    caps = ROLE_CAPABILITIES[OrgRole(role)]
    if role == OrgRole.MEMBER and org.members_can_create_projects:
        caps = caps | {Capability.ORG_CREATE_PROJECT}
    if token is not None:
        caps = caps & TOKEN_CAPABILITIES[token.permission]
    return caps - {c for c in Capability if c.value.startswith("project:")}


def can_create_project(principal: Principal, org: Organization, normalized_name: str) -> bool:
    if principal.token is not None and not principal.token.covers(normalized_name):
        return False
    return Capability.ORG_CREATE_PROJECT in org_capabilities(principal, org)
