"""Finding an org's objects for the management API, through the one capability decision.

Whoever may not read an object gets 404 (no existence oracle); whoever may read it but not
change it gets 403 with the reason.
"""

from django.http import Http404
from packaging.utils import canonicalize_name

from accounts.api.common import principal_of, refuse_field, require
from accounts.capabilities import Capability
from accounts.models import Organization, User
from accounts.selectors import membership_role, org_get, user_get
from registry.models import Project
from registry.permissions import org_capabilities, project_capabilities
from registry.selectors import project_get


def org_or_404(request, slug: str, capability: Capability | None = None) -> Organization:
    """The org when the caller belongs to it (else 404); 403 without ``capability``."""
    org = org_get(slug)
    caps = org_capabilities(principal_of(request), org) if org is not None else frozenset()
    if org is None or Capability.ORG_READ not in caps:
        raise Http404("No such organisation.")
    if capability is not None:
        require(capability in caps,
                f"Your role or token does not allow '{capability.value}' in {org.slug}.")
    return org


def project_or_404(request, org_slug: str, name: str,
                   capability: Capability = Capability.PROJECT_READ) -> Project:
    """The project when the caller may read it (else 404); 403 without ``capability``."""
    org = org_get(org_slug)
    project = project_get(org, canonicalize_name(name)) if org is not None else None
    caps = project_capabilities(principal_of(request), project) if project else frozenset()
    if project is None or Capability.PROJECT_READ not in caps:
        raise Http404("No such project.")
    require(capability in caps,
            f"Your role, grants or token do not allow '{capability.value}' on {project.name}.")
    return project


def member_or_400(org: Organization, username: str, field: str = "username") -> User:
    """The active member of ``org`` called ``username``; else 400 on ``field``, with one
    message whether no such user exists, is disabled or belongs elsewhere (no oracle)."""
    user = user_get(username)
    if user is None or membership_role(org, user) is None:
        refuse_field(field, f"'{username}' is not a member of {org.slug}.")
    return user
