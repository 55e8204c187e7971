"""An org's pages: its home (the projects the caller may read) and search within it."""

from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from accounts.authentication import AuthenticationFailed
from registry.permissions import org_capabilities
from registry.selectors import projects_readable, projects_search
from registry.views.common import auth_error, resolve
from web.mixins import OrgPageMixin, capability_flags


@require_safe
def org_home(request, org):
    try:
        organisation, principal = resolve(request, org)
    except AuthenticationFailed as exc:
        return auth_error(exc)
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
