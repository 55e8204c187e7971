"""An org's pages: its home (the projects the caller may read) and search within it."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.selectors import org_get
from registry.permissions import org_capabilities
from registry.selectors import projects_public, projects_readable, projects_search
from registry.views.common import auth_error
from web.mixins import OrgPageMixin, capability_flags


@require_safe
def org_home(request, org):
    try:
        principal = principal_from_request(request)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    if principal.is_anonymous:
        # One query either way, and an org with nothing public answers as no org at all.
        projects = list(projects_public(org).select_related("org").order_by("normalized_name"))
        if not projects:
            raise Http404("No such organisation.")
        organisation = projects[0].org
    else:
        organisation = org_get(org)
        if organisation is None:
            raise Http404("No such organisation.")
        projects = projects_readable(principal, organisation).order_by("normalized_name")
    return render(request, "web/org.html", {
        "org": organisation, "projects": projects, "nav_section": "projects",
        "can": capability_flags(org_capabilities(principal, organisation))})


class OrgSearchView(OrgPageMixin, ListView):
    """``/{org}/-/search/?q=``: the org's projects whose name or summary matches, among those
    the caller may read (the filter is part of the query), a page at a time."""

    template_name = "web/search.html"
    context_object_name = "projects"
    paginate_by = 25
    nav_section = "search"

    def get_queryset(self):
        return projects_search(self.principal, self.org, self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.request.GET.get("q", "").strip(), **kwargs)
