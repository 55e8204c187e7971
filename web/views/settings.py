"""An org's settings (``/{org}/-/settings/``): its name, the visibility of new projects, who
may create projects, its own file size limit, and where its bytes go against the limits;
and, for owners, deleting the org (``/{org}/-/settings/delete/``).

The settings need ``Capability.ORG_SETTINGS`` (owners and admins), deleting
``Capability.ORG_DELETE`` (owners), as in the API; ``web.mixins`` decides before the handler
runs, ``accounts.services`` does the work.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from accounts import services
from accounts.capabilities import Capability
from registry import services as registry_services
from registry.selectors import projects_by_size
from web.forms_projects import changed_settings, report
from web.forms_settings import ConfirmSlugForm, OrgSettingsForm
from web.mixins import OrgPageMixin

PROJECTS_A_PAGE = 50


def share(used: int, limit: int) -> str:
    """``used`` as a share of ``limit``, for a person: "0.4%", "less than 0.1%"."""
    if used == 0:
        return "0%"
    percent = 100 * used / limit
    return "less than 0.1%" if percent < 0.1 else f"{percent:.1f}%"


class OrgSettingsView(OrgPageMixin, FormView):
    template_name = "web/settings/org.html"
    form_class = OrgSettingsForm
    view_capability = post_capability = Capability.ORG_SETTINGS
    nav_section = "settings"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.org}

    def get_context_data(self, **kwargs):
        org_limit, project_limit = settings.UPLOAD_MAX_ORG_SIZE, settings.UPLOAD_MAX_PROJECT_SIZE
        page = Paginator(projects_by_size(self.principal, self.org), PROJECTS_A_PAGE) \
            .get_page(self.request.GET.get("page"))
        return super().get_context_data(
            org_limit=org_limit, org_share=share(self.org.used_bytes, org_limit),
            project_limit=project_limit, page_obj=page,
            projects=[(project, share(project.used_bytes, project_limit)) for project in page],
            default_file_limit=settings.UPLOAD_MAX_FILE_SIZE,
            file_limit_cap=settings.UPLOAD_MAX_FILE_SIZE_CAP, **kwargs)

    def form_valid(self, form):
        try:
            services.org_update(org=self.org, principal=self.principal,
                                **changed_settings(form))
        except ValidationError as exc:
            self.org.refresh_from_db()  # the page shows the org as stored
            report(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"The settings of {self.org.slug} are saved.")
        return HttpResponseRedirect(reverse("org-settings", args=[self.org.slug]))


class OrgDeleteView(OrgPageMixin, FormView):
    """Delete the org with every project, file, team and token; the slug typed to confirm."""

    template_name = "web/settings/org_delete.html"
    form_class = ConfirmSlugForm
    view_capability = post_capability = Capability.ORG_DELETE
    nav_section = "settings"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "expected": self.org.slug}

    def form_valid(self, form):
        slug = self.org.slug
        registry_services.org_delete(org=self.org, principal=self.principal)
        messages.success(self.request, f"The organisation {slug} is deleted, with its projects, "
                                       "files, teams and tokens.")
        return HttpResponseRedirect(reverse("home"))
