"""The one capability decision: may this principal do X to this project / in this org?

Every view (web, API, simple index, file download, upload) asks here. It reads the pure
tables in ``accounts.capabilities`` and the grants, which this app owns. The rules:

- A token acts only in its own org, only while it is active, only within its scope and,
  for a user's token, only while that user is still a member. Outside that it is worth
  what an anonymous caller gets. A token never exceeds its owner nor its permission.
- Org owners and admins hold every project capability; members read unrestricted
  projects and hold what their user and team grants give; former members hold nothing.
- Visibility adds read: ``public`` for anyone, ``internal`` for signed-in users who belong
  to at least one org of this instance (GitLab keeps internal projects from external users;
  someone who merely signed up is an outsider). A user's token counts as its owner, in
  its own org only.
- A quarantined project is visible only to the org's owners and admins, in a session.
"""

from collections.abc import Callable
from typing import Protocol

from django.db.models import Q

from accounts.capabilities import (
    ORG_CAPABILITIES,
    PERMISSION_CAPABILITIES,
    PERMISSION_ORDER,
    PROJECT_CAPABILITIES,
    ROLE_CAPABILITIES,
    SCOPED_TOKEN_ORG_CAPABILITIES,
    TOKEN_CAPABILITIES,
    Capability,
    OrgRole,
    Permission,
    Visibility,
    strongest,
)
from accounts.models import ApiToken, Organization
from accounts.principals import ANONYMOUS, Principal
from accounts.selectors import belongs_to_an_org, membership_role, team_ids
from registry.models import Project, ProjectGrant, ProjectStatus

NOTHING: frozenset[Capability] = frozenset()
READ_ONLY = frozenset({Capability.PROJECT_READ})
MANAGERS = (OrgRole.OWNER, OrgRole.ADMIN)


def token_in_force(token: ApiToken, org: Organization) -> bool:
    """Whether ``token`` may act in ``org`` at all (its own org, active, owner still a member)."""
    return _in_force(token, org.pk, lambda: membership_role(org, token.user))


def _in_force(token: ApiToken, org_id: int, owner_role: Callable[[], str | None]) -> bool:
    if token.org_id != org_id or not token.is_active:
        return False
    return token.user_id is None or owner_role() is not None


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


class ProjectFacts(Protocol):
    """What the decision reads of a project: a Project, or its cached ``registry.cache.Route``."""

    org_id: int
    normalized_name: str
    visibility: str
    status: str
    restricted: bool


def decide(project: ProjectFacts, *, token: ApiToken | None, has_user: bool,
           role: Callable[[], str | None],
           granted: Callable[[], frozenset[Capability]],
           insider: Callable[[], bool]) -> frozenset[Capability]:
    """The rules, over plain facts. ``role`` (the user's org role), ``granted`` (what the
    user's and their teams' grants give) and ``insider`` (whether the user belongs to any org
    of the instance) are looked up only when a rule needs them: never for anonymous callers
    nor for org-owned tokens, whose rights follow from the token and the project alone."""
    if token is not None:  # a user's token acts for its owner: ``role`` is the owner's
        in_force = _in_force(token, project.org_id, role)
        if not in_force or not token.covers(project.normalized_name):
            token, has_user = None, False  # worth what an anonymous caller gets
    if project.status == ProjectStatus.QUARANTINED:
        if token is None and has_user and role() in MANAGERS:
            return PROJECT_CAPABILITIES
        return NOTHING
    return (_held(project, token, has_user, role, granted)
            | _visibility_capabilities(project.visibility, has_user, insider))


def _held(project: ProjectFacts, token: ApiToken | None, has_user: bool, role,
          granted) -> frozenset[Capability]:
    if token is not None and token.user_id is None:
        return PERMISSION_CAPABILITIES[token.permission]
    caps = _user_capabilities(project, role(), granted) if has_user else NOTHING
    return caps & TOKEN_CAPABILITIES[token.permission] if token is not None else caps


def _user_capabilities(project: ProjectFacts, role: str | None, granted) -> frozenset[Capability]:
    if role in MANAGERS:
        return ROLE_CAPABILITIES[OrgRole(role)] & PROJECT_CAPABILITIES
    if role is None:
        return NOTHING  # a former member keeps no grants
    caps = granted()
    return caps if project.restricted else caps | READ_ONLY


def _visibility_capabilities(visibility: str, has_user: bool,
                             insider: Callable[[], bool]) -> frozenset[Capability]:
    if visibility == Visibility.PUBLIC:
        return READ_ONLY
    if visibility == Visibility.INTERNAL and has_user and insider():
        return READ_ONLY
    return NOTHING


def permission_held(user, org: Organization, projects: list[Project] | None = None,
                    ) -> Permission | None:
    """The strongest permission ``user`` holds in ``org``: on one of ``projects`` when given,
    else anywhere in the org. The most a token of theirs there may be given (None: not a
    member, or nothing held on those projects).

    Owners and admins hold admin. A member holds read, what their own and their teams'
    grants give, and upload where the org lets members create projects (an upload token
    creates a project by uploading to a new name). A token acts within its scope and never
    beyond its owner anyway; this keeps a token from claiming more than its owner holds.
    """
    role = membership_role(org, user)
    if role is None:
        return None
    if role in MANAGERS:
        return Permission.ADMIN
    if projects is not None:
        principal = Principal(user=user)
        return strongest(permission for project in projects
                         if (permission := _as_permission(project_capabilities(principal,
                                                                                project))))
    granted = ProjectGrant.objects.filter(project__org=org).filter(
        Q(user=user) | Q(team_id__in=team_ids(org, user))).values_list("permission", flat=True)
    floor = Permission.UPLOAD if org.members_can_create_projects else Permission.READ
    return strongest([floor, *granted])


def _as_permission(capabilities: frozenset[Capability]) -> Permission | None:
    """The strongest project permission whose capabilities are all in ``capabilities``."""
    for permission in reversed(PERMISSION_ORDER):
        if PERMISSION_CAPABILITIES[permission] <= capabilities:
            return permission
    return None


def is_insider(user, org: Organization) -> bool:
    """Whether ``user`` is one of those "internal" is for: a member of some org here.
    A member of ``org`` is, without a second look-up."""
    return membership_role(org, user) is not None or belongs_to_an_org(user)


def project_capabilities(principal: Principal, project: ProjectFacts) -> frozenset[Capability]:
    """Everything ``principal`` may do to ``project``.

    ``project`` is a Project, or for anonymous callers and org-owned tokens (whose decision
    never looks up a role or a grant) its cached facts.
    """
    user = principal.user
    return decide(project, token=principal.token, has_user=user is not None,
                  role=lambda: membership_role(project.org, user),
                  granted=lambda: _grant_capabilities(user, project),
                  insider=lambda: is_insider(user, project.org))


def can(principal: Principal, capability: Capability, project: ProjectFacts) -> bool:
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


def can_create_org(principal: Principal) -> bool:
    """Whether ``principal`` may create an organisation (and so become its owner): a person,
    not a token, who already belongs to an org here, or an instance moderator. Someone who
    merely signed up may not, or creating an org would let them read every internal project
    (GitHub Enterprise lets only its owners create orgs; GitLab's external users create no
    groups)."""
    user = principal.user
    if principal.token is not None or user is None or not user.is_active:
        return False
    return user.is_staff or belongs_to_an_org(user)
