"""An org's teams: ``/{org}/-/teams/`` and ``/{org}/-/teams/{team}/``.

Every member may read the teams and who is in them (``Capability.ORG_MEMBERS_READ``, as in
the API); creating, renaming and deleting a team and changing its members need
``Capability.ORG_TEAMS``. Only members of the org can join a team, and whoever is not one
(no such user, a disabled one, someone of another org) gets one and the same message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from accounts import selectors, services
from accounts.capabilities import Capability
from accounts.models import Team
from registry.selectors import grants_to_team, projects_readable
from web.forms_orgadmin import TeamCreateForm, TeamMemberForm, TeamRenameForm
from web.mixins import OrgPageMixin


class TeamsMixin(OrgPageMixin):
    nav_section = "teams"
    view_capability = Capability.ORG_MEMBERS_READ
    post_capability = Capability.ORG_TEAMS

    def teams_url(self) -> str:
        return reverse("org-teams", args=[self.org.slug])

    def crumbs(self, *more) -> list[tuple[str, str]]:
        return [("Teams", self.teams_url()), *more]


class TeamsPage(TeamsMixin, FormView):
    """The teams; for who manages teams, the form that creates one."""

    template_name = "web/org/teams.html"
    form_class = TeamCreateForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(teams=selectors.teams_of(self.org), **kwargs)

    def form_valid(self, form):
        slug = form.cleaned_data["slug"]
        if selectors.team_get(self.org, slug) is not None:
            form.add_error("slug", f"There is already a team “{slug}” in {self.org.slug}.")
            return self.form_invalid(form)
        try:
            team = services.team_create(org=self.org, slug=slug, name=form.cleaned_data["name"],
                                        principal=self.principal)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"The team {team.name} is created; add its members "
                                       "here.")
        return HttpResponseRedirect(reverse("org-team", args=[self.org.slug, team.slug]))


class TeamMixin(TeamsMixin):
    """A page of one team (URL keyword ``team``, its slug): 404 for an unknown one."""

    team: Team
    template_name = "web/org/team.html"

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.team_get(self.org, kwargs["team"])
        if found is None:
            raise Http404("No such team.")
        self.team = found

    def team_url(self) -> str:
        return reverse("org-team", args=[self.org.slug, self.team.slug])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("rename_form", TeamRenameForm(initial={"name": self.team.name}))
        kwargs.setdefault("member_form", TeamMemberForm(org=self.org))
        kwargs.setdefault("crumbs", self.crumbs((self.team.name, "")))
        kwargs.setdefault("grants", self.grants())
        kwargs.update(team=self.team, members=self.team.members.order_by("username"))
        return super().get_context_data(**kwargs)

    def grants(self):
        """The team's grants on the projects the caller may read: a member who may not read
        a restricted project does not learn its name here either."""
        readable = projects_readable(self.principal, self.org, include_quarantined=True)
        return grants_to_team(self.team).filter(project__in=readable)

    def team_crumbs(self, page: str) -> list[tuple[str, str]]:
        return self.crumbs((self.team.name, self.team_url()), (page, ""))


class TeamPage(TeamMixin, FormView):
    """A team and its members; for who manages teams, renaming it (the POST here), adding
    and removing members, and deleting it."""

    form_class = TeamRenameForm

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(rename_form=form))

    def form_valid(self, form):
        before = self.team.name
        services.team_update(team=self.team, name=form.cleaned_data["name"],
                             principal=self.principal)
        messages.success(self.request, f"The team {before} is now called {self.team.name}.")
        return HttpResponseRedirect(self.team_url())


class TeamMemberAddView(TeamMixin, FormView):
    """Add a member of the org to the team (the form is on the team's page)."""

    form_class = TeamMemberForm
    view_capability = Capability.ORG_TEAMS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.org}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(member_form=form))

    def form_valid(self, form):
        user = form.cleaned_data["username"]
        if self.team.members.filter(pk=user.pk).exists():
            messages.info(self.request, f"{user.username} is already in {self.team.name}.")
        else:
            services.team_member_add(team=self.team, user=user, principal=self.principal)
            messages.success(self.request, f"{user.username} is now in {self.team.name}.")
        return HttpResponseRedirect(self.team_url())


class TeamMemberRemoveView(TeamMixin, TemplateView):
    """Take someone out of the team, after a confirmation page."""

    template_name = "web/org/team_member_remove.html"
    view_capability = Capability.ORG_TEAMS

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = self.team.members.filter(username=kwargs["username"]).first()
        if found is None:
            raise Http404("No such team member.")
        self.member = found

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            member=self.member, crumbs=self.team_crumbs(f"Remove {self.member.username}"), **kwargs)

    def post(self, request, *args, **kwargs):
        services.team_member_remove(team=self.team, user=self.member, principal=self.principal)
        messages.success(request, f"{self.member.username} is no longer in {self.team.name}.")
        return HttpResponseRedirect(self.team_url())


class TeamDeleteView(TeamMixin, TemplateView):
    """Delete the team after a page that shows its members and the grants that go with it."""

    template_name = "web/org/team_delete.html"
    view_capability = Capability.ORG_TEAMS

    def get_context_data(self, **kwargs):
        return super().get_context_data(crumbs=self.team_crumbs("Delete"), **kwargs)

    def post(self, request, *args, **kwargs):
        name = self.team.name
        services.team_delete(team=self.team, principal=self.principal)
        messages.success(request, f"The team {name} is deleted; its grants are withdrawn.")
        return HttpResponseRedirect(self.teams_url())
