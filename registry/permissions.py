"""The one capability decision: may this principal do X to this project / in this org?

Every view (web, API, simple index, file download, upload) asks here. It reads the pure
tables in ``accounts.capabilities`` and the grants, which this app owns. The rules:

- A token acts only in its own org, only while it is active, only within its scope and,
  for a user's token, only while that user is still a member. Outside that it is worth
  what an anonymous caller gets. A token never exceeds its owner nor its permission.
- Org owners and admins hold every project capability; members read unrestricted
  projects and hold what their user and team grants give; former members hold nothing.
- Visibility adds read: ``public`` for anyone, ``internal`` for any signed-in user.
- A quarantined project is visible only to the org's owners and admins, in a session.
"""

from django.db.models import Q

from accounts.capabilities import (
    ORG_CAPABILITIES,
    PERMISSION_CAPABILITIES,
    PROJECT_CAPABILITIES,
    ROLE_CAPABILITIES,
    SCOPED_TOKEN_ORG_CAPABILITIES,
    TOKEN_CAPABILITIES,
    Capability,
    OrgRole,
    Visibility,
    strongest,
)
from accounts.models import ApiToken, Organization
from accounts.principals import ANONYMOUS, Principal
from accounts.selectors import membership_role, team_ids
from registry.models import Project, ProjectGrant, ProjectStatus

NOTHING: frozenset[Capability] = frozenset()
READ_ONLY = frozenset({Capability.PROJECT_READ})
MANAGERS = (OrgRole.OWNER, OrgRole.ADMIN)


def token_in_force(token: ApiToken, org: Organization) -> bool:
    """Whether ``token`` may act in ``org`` at all (its own org, active, owner still a member)."""
    if token.org_id != org.pk or not token.is_active:
        return False
    return token.user is None or membership_role(org, token.user) is not None


def effective_principal(principal: Principal, org: Organization) -> Principal:
    """The principal as it counts in ``org``: a token not in force counts as anonymous."""
    if principal.token is not None and not token_in_force(principal.token, org):
        return ANONYMOUS
    return principal


def _grant_capabilities(user, project: Project) -> frozenset[Capability]:
    teams = team_ids(project.org, user)
    granted = ProjectGrant.objects.filter(project=project).filter(
        Q(user=user) | Q(team_id__in=teams)
    ).values_list("permission", flat=True)
    permission = strongest(granted)
    return PERMISSION_CAPABILITIES[permission] if permission else NOTHING


def _user_project_capabilities(user, project: Project) -> frozenset[Capability]:
    role = membership_role(project.org, user)
    if role in MANAGERS:
        return ROLE_CAPABILITIES[OrgRole(role)] & PROJECT_CAPABILITIES
    if role is None:
        return NOTHING  # a former member keeps no grants
    caps = _grant_capabilities(user, project)
    return caps if project.restricted else caps | READ_ONLY


def _held_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    token = principal.token
    if token is not None and token.user is None:
        return PERMISSION_CAPABILITIES[token.permission]
    caps = _user_project_capabilities(principal.user, project) if principal.user else NOTHING
    return caps & TOKEN_CAPABILITIES[token.permission] if token is not None else caps


def _visibility_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    if project.visibility == Visibility.PUBLIC:
        return READ_ONLY
    if project.visibility == Visibility.INTERNAL and principal.user is not None:
        return READ_ONLY
    return NOTHING


def project_capabilities(principal: Principal, project: Project) -> frozenset[Capability]:
    """Everything ``principal`` may do to ``project``."""
    principal = effective_principal(principal, project.org)
    token = principal.token
    if token is not None and not token.covers(project.normalized_name):
        principal = ANONYMOUS
    if project.status == ProjectStatus.QUARANTINED:
        if principal.token is None and membership_role(project.org, principal.user) in MANAGERS:
            return PROJECT_CAPABILITIES
        return NOTHING
    return _held_capabilities(principal, project) | _visibility_capabilities(principal, project)


def can(principal: Principal, capability: Capability, project: Project) -> bool:
    """Whether ``principal`` holds ``capability`` on ``project``."""
    return capability in project_capabilities(principal, project)


def org_capabilities(principal: Principal, org: Organization) -> frozenset[Capability]:
    """Org-level capabilities (listing, creating projects, managing members...)."""
    principal = effective_principal(principal, org)
    token = principal.token
    if token is not None and token.user is None:
        caps = TOKEN_CAPABILITIES[token.permission]
    else:
        role = membership_role(org, principal.user)
        if role is None:
            return NOTHING
        caps = ROLE_CAPABILITIES[OrgRole(role)]
        if role == OrgRole.MEMBER and org.members_can_create_projects:
            caps = caps | {Capability.ORG_CREATE_PROJECT}
        if token is not None:
            caps = caps & TOKEN_CAPABILITIES[token.permission]
    if token is not None and token.projects:
        caps = caps & SCOPED_TOKEN_ORG_CAPABILITIES
    return caps & ORG_CAPABILITIES


def org_can(principal: Principal, capability: Capability, org: Organization) -> bool:
    """Whether ``principal`` holds the org-level ``capability`` in ``org``."""
    return capability in org_capabilities(principal, org)


def can_create_project(principal: Principal, org: Organization, normalized_name: str) -> bool:
    """Whether ``principal`` may create a project called ``normalized_name`` in ``org``."""
    if principal.token is not None and not principal.token.covers(normalized_name):
        return False
    return Capability.ORG_CREATE_PROJECT in org_capabilities(principal, org)
