"""Administering projects: create one (``/{org}/-/projects/new/``) and a project's settings
page (``/{org}/project/{project}/settings/``) with the forms posted from it: visibility,
restriction and file size limit; the PEP 792 status; grants to teams and users.

Each form posts to its own URL, whose view declares the capability the API needs for the
same change (``PROJECT_MANAGE`` for settings and status, ``PROJECT_GRANTS`` for grants,
``ORG_CREATE_PROJECT`` to create); ``web.mixins`` decides before the handler runs. The
services decide the rest, and a form they refuse comes back on the settings page with the
reason beside the field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin, View
from packaging.utils import canonicalize_name

from accounts.capabilities import Capability
from accounts.ratelimit import RateLimited, rate_hit
from accounts.selectors import teams_of
from registry import selectors, services
from registry.models import ProjectGrant, ProjectStatus
from registry.permissions import can, can_create_project
from web.forms_projects import (
    GrantPermissionForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    ProjectStatusForm,
    TeamGrantForm,
    UserGrantForm,
    changed_settings,
    report,
)
from web.mixins import OrgPageMixin, ProjectPageMixin, forbidden

STATUS_DONE = {
    ProjectStatus.ACTIVE: "{name} is active again.",
    ProjectStatus.ARCHIVED: "{name} is archived: it accepts no new uploads, and installers see "
                            "its status.",
    ProjectStatus.DEPRECATED: "{name} is deprecated: installers see its status.",
}


def grantee(grant: ProjectGrant) -> str:
    """Who a grant is to, in words: "team backend", "user ada"."""
    return f"team {grant.team.slug}" if grant.team_id else f"user {grant.user.username}"


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def granted(grant: ProjectGrant, project_name: str) -> str:
    """The message after a grant is set: "Team backend now has upload on billing."."""
    return f"{first_upper(grantee(grant))} now has {grant.permission} on {project_name}."


class ProjectCreateView(OrgPageMixin, FormView):
    """A new, empty project; its first upload may follow at once."""

    template_name = "web/projects/new.html"
    form_class = ProjectCreateForm
    view_capability = post_capability = Capability.ORG_CREATE_PROJECT
    nav_section = "projects"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "default_visibility": self.org.default_visibility}

    def form_valid(self, form):
        name = form.cleaned_data["name"]
        if not can_create_project(self.principal, self.org, canonicalize_name(name)):
            return forbidden(self.request, f"You may not create a project called {name} in "
                                           f"{self.org.slug}. Nothing was changed.", self.org)
        try:
            rate_hit("project_create", self.principal.cache_key)
            project = services.project_register(
                org=self.org, name=name, principal=self.principal,
                visibility=form.cleaned_data["visibility"],
                restricted=form.cleaned_data["restricted"])
        except RateLimited as exc:
            form.add_error(None, f"Too many new projects; retry in {exc.retry_after} seconds.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        except ValidationError as exc:
            report(form, exc, "name")
            return self.form_invalid(form)
        messages.success(self.request, f"{project.name} is created.")
        page = "project-settings" if can(self.principal, Capability.PROJECT_MANAGE, project) \
            else "project"
        return HttpResponseRedirect(reverse(page, args=[self.org.slug, project.normalized_name]))


class SettingsPageMixin(ProjectPageMixin, TemplateResponseMixin, ContextMixin):
    """The settings page and every form posted from it: ``page(**bound)`` renders the page
    with each form in its place, a bound one (with its errors) instead of a fresh one."""

    template_name = "web/projects/settings.html"
    view_capability = Capability.PROJECT_MANAGE

    def settings_url(self) -> str:
        return reverse("project-settings", args=[self.org.slug, self.project.normalized_name])

    def page(self, **bound):
        self.project.refresh_from_db()  # as stored, whatever a refused change set on it
        forms = {
            "settings_form": ProjectSettingsForm(project=self.project),
            "status_form": ProjectStatusForm(initial={
                "status": self.project.status, "status_reason": self.project.status_reason}),
            "team_grant_form": TeamGrantForm(teams=teams_of(self.org)),
            "user_grant_form": UserGrantForm(),
            **bound,
        }
        grants = sorted(selectors.grants_of(self.project), key=grantee)
        return self.render_to_response(self.get_context_data(
            grants=[(grant, grantee(grant)) for grant in grants],
            quarantined=self.project.status == ProjectStatus.QUARANTINED,
            permissions=GrantPermissionForm.base_fields["permission"].choices, **forms))

    def done(self, message: str) -> HttpResponseRedirect:
        messages.success(self.request, message)
        return HttpResponseRedirect(self.settings_url())


class ProjectSettingsView(SettingsPageMixin, View):
    """The page, and its first form: visibility, restriction, the file size limit."""

    post_capability = Capability.PROJECT_MANAGE

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        form = ProjectSettingsForm(request.POST, project=self.project)
        if form.is_valid():
            try:
                services.project_update(project=self.project, principal=self.principal,
                                        **changed_settings(form))
            except ValidationError as exc:
                report(form, exc)
            else:
                return self.done(f"The settings of {self.project.name} are saved.")
        return self.page(settings_form=form)


class ProjectStatusView(SettingsPageMixin, View):
    """The PEP 792 status: active, archived (no new uploads) or deprecated, with a reason."""

    post_capability = Capability.PROJECT_MANAGE

    def post(self, request, *args, **kwargs):
        form = ProjectStatusForm(request.POST)
        if form.is_valid():
            try:
                services.project_update(project=self.project, principal=self.principal,
                                        **form.cleaned_data)
            except ValidationError as exc:
                report(form, exc)
            else:
                done = STATUS_DONE[form.cleaned_data["status"]]
                return self.done(done.format(name=self.project.name))
        return self.page(status_form=form)


class GrantAddView(SettingsPageMixin, View):
    """Grant a team (``kind="team"``) or an org member (``kind="user"``) read, upload or
    admin on the project, replacing what they had."""

    post_capability = Capability.PROJECT_GRANTS
    kind = "team"

    def post(self, request, *args, **kwargs):
        if self.kind == "team":
            form = TeamGrantForm(request.POST, teams=teams_of(self.org))
        else:
            form = UserGrantForm(request.POST)
        if form.is_valid():
            grantee_of = self.grantee_of(form)
            if grantee_of is not None:
                try:
                    grant = services.grant_set(project=self.project, principal=self.principal,
                                               permission=form.cleaned_data["permission"],
                                               **grantee_of)
                except ValidationError as exc:
                    report(form, exc)
                else:
                    return self.done(granted(grant, self.project.name))
        return self.page(**{f"{self.kind}_grant_form": form})

    def grantee_of(self, form) -> dict | None:
        if self.kind == "team":
            return {"team": form.cleaned_data["team"]}
        username = form.cleaned_data["username"]
        user = selectors.member_named(self.org, username)
        if user is None:  # the API's words, for every kind of non-member alike
            form.add_error("username", f"'{username}' is not a member of {self.org.slug}.")
            return None
        return {"user": user}


class GrantMixin(SettingsPageMixin):
    """A page about one of the project's grants (URL keyword ``grant_id``)."""

    view_capability = post_capability = Capability.PROJECT_GRANTS
    grant: ProjectGrant

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.grant_get(self.project, kwargs["grant_id"])
        if found is None:
            raise Http404("No such grant.")
        self.grant = found


class GrantChangeView(GrantMixin, View):
    """Change the permission of a grant (from its row in the grants table)."""

    def post(self, request, *args, **kwargs):
        form = GrantPermissionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose read, upload or admin.")
            return HttpResponseRedirect(self.settings_url())
        try:
            grant = services.grant_set(project=self.project, team=self.grant.team,
                                       user=self.grant.user, principal=self.principal,
                                       permission=form.cleaned_data["permission"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.settings_url())
        return self.done(granted(grant, self.project.name))


class GrantRemoveView(GrantMixin, TemplateView):
    """Withdraw a grant, after a confirmation page."""

    template_name = "web/projects/grant_remove.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(grant=self.grant, grantee=grantee(self.grant),
                                        settings_url=self.settings_url(), **kwargs)

    def post(self, request, *args, **kwargs):
        services.grant_remove(grant=self.grant, principal=self.principal)
        return self.done(f"{first_upper(grantee(self.grant))} no longer has "
                         f"{self.grant.permission} on {self.project.name}.")
