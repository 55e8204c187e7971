"""The conventions of every page of the web UI: who is asking and what they may do there.

Every view of ``web`` that shows an org's or a project's objects is a class-based view with
one of these mixins first among its bases. Before any handler runs, the mixin resolves the
principal (``accounts.authentication.principal_from_request``: the session user, or a token
the request presents) and the org or project, and asks the ONE decision
(``registry.permissions.org_capabilities`` / ``project_capabilities``):

``OrgPageMixin``, for pages under ``/{org}/-/`` (URL keyword ``org``)
    Whoever may not read the org (``Capability.ORG_READ``: anonymous callers, non-members,
    members of another org) gets 404 "No such organisation.", exactly as for an unknown org.

``ProjectPageMixin``, for pages under ``/{org}/project/{project}/`` (URL keywords ``org``
and ``project``)
    Whoever may not read the project gets 404 "No such project.", exactly as for an unknown
    project or org.

Then the capability the page itself needs, declared on the class separately for reading
and for writing::

    class MembersPage(OrgPageMixin, TemplateView):
        view_capability = Capability.ORG_MEMBERS   # GET and HEAD
        post_capability = Capability.ORG_MEMBERS   # POST
        nav_section = "members"                    # highlighted in the org sub-navigation

Someone who may read but lacks that capability gets 403 with a short page
(``web/forbidden.html``) and the handler never runs, so a forged POST changes nothing. A view
that defines ``post`` must declare ``post_capability`` (ImproperlyConfigured otherwise): no
form is left open by omission. Other methods have no handler and answer 405.

After dispatch the view has ``self.principal``, ``self.org``, ``self.capabilities`` (the
frozenset of Capability held: org-level, plus project-level on project pages) and on project
pages ``self.project``. The template context gets ``org``, ``project`` (project pages),
``principal``, ``nav_section`` and ``can``, a dict from every ``Capability`` name to a bool,
so that a template shows a control only to whoever may use it::

    {% if can.PROJECT_YANK %}<form method="post" action="...">...</form>{% endif %}

A template only hides; the view behind the control decides again. Writes go through the
services of ``registry`` and ``accounts`` with ``principal=self.principal``, then add a
message (``django.contrib.messages``; ``base.html`` shows them) and redirect.

Function views that cannot use a mixin (the org home) put ``capability_flags(...)`` in their
context under ``can`` themselves.
"""

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.shortcuts import render
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Capability
from accounts.models import Organization
from accounts.principals import Principal
from accounts.selectors import org_get
from registry.models import Project
from registry.permissions import NOTHING, org_capabilities, project_capabilities
from registry.selectors import project_get
from registry.views.common import auth_error

SAFE_METHODS = ("GET", "HEAD")


def capability_flags(*held: frozenset[Capability]) -> dict[str, bool]:
    """``{"PROJECT_YANK": True, "ORG_MEMBERS": False, ...}`` for every Capability."""
    caps = frozenset().union(*held)
    return {capability.name: capability in caps for capability in Capability}


def forbidden(request, message: str, org: Organization | None = None) -> HttpResponse:
    """The 403 page: what was refused, in words; nothing was changed."""
    return render(request, "web/forbidden.html", {"message": message, "org": org},
                  status=403)


class _PageMixin:
    """What both mixins share: the principal, the declared capabilities, the context."""

    view_capability: Capability | None = None
    post_capability: Capability | None = None
    nav_section = ""

    principal: Principal
    org: Organization
    capabilities: frozenset[Capability] = NOTHING

    def dispatch(self, request, *args, **kwargs):
        try:
            self.principal = principal_from_request(request)
        except AuthenticationFailed as exc:
            return auth_error(exc)
        self.resolve(**kwargs)
        needed = self.needed_capability(request.method)
        if needed is not None and needed not in self.capabilities:
            return forbidden(request, self.forbidden_message(needed), self.org)
        return super().dispatch(request, *args, **kwargs)

    def resolve(self, **kwargs) -> None:
        """Set ``self.org`` (and more) and ``self.capabilities``, or raise Http404."""
        raise NotImplementedError

    def needed_capability(self, method: str) -> Capability | None:
        if method in SAFE_METHODS:
            return self.view_capability
        if method == "POST" and hasattr(self, "post"):
            if self.post_capability is None:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} handles POST but declares no post_capability.")
            return self.post_capability
        return None  # no handler: the view answers 405

    def forbidden_message(self, capability: Capability) -> str:
        return (f"Your role in {self.org.slug} does not allow this "
                f"(it needs '{capability.value}'). Nothing was changed.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(org=self.org, principal=self.principal, nav_section=self.nav_section,
                       can=capability_flags(self.capabilities))
        return context


class OrgPageMixin(_PageMixin):
    """A page of one org (``/{org}/-/...``): 404 to whoever may not read the org."""

    view_capability = Capability.ORG_READ

    def resolve(self, *, org: str, **kwargs) -> None:
        found = org_get(org)
        caps = org_capabilities(self.principal, found) if found is not None else NOTHING
        if found is None or Capability.ORG_READ not in caps:
            raise Http404("No such organisation.")
        self.org, self.capabilities = found, caps


class ProjectPageMixin(_PageMixin):
    """A page of one project (``/{org}/project/{project}/...``): 404 to whoever may not read
    it. ``self.capabilities`` holds the project's capabilities and the org's."""

    view_capability = Capability.PROJECT_READ
    project: Project

    def resolve(self, *, org: str, project: str, **kwargs) -> None:
        found_org = org_get(org)
        found = project_get(found_org, canonicalize_name(project)) if found_org else None
        caps = project_capabilities(self.principal, found) if found is not None else NOTHING
        if found is None or Capability.PROJECT_READ not in caps:
            raise Http404("No such project.")
        self.org, self.project = found_org, found
        self.capabilities = caps | org_capabilities(self.principal, found_org)

    def forbidden_message(self, capability: Capability) -> str:
        return (f"Your role, grants or token do not allow this on {self.project.name} "
                f"(it needs '{capability.value}'). Nothing was changed.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = self.project
        return context
