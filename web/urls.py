"""The web UI's routes. ``config/urls.py`` includes ``urlpatterns`` at the site root and
``org_urlpatterns`` under ``<org:org>/`` (after the index, file and upload routes).

Org pages for members and admins live under ``<org>/-/`` (``-`` is never an org or project
name); a project's pages under ``<org>/project/<project>/``.
"""

from django.urls import path

from web.views import (
    account,
    actions,
    audit,
    home,
    invitations,
    members,
    my_tokens,
    org,
    project,
    projects,
    settings,
    teams,
    tokens,
    upstreams,
)

urlpatterns = [
    path("", home.home, name="home"),
]

# --- a person's own pages, under /accounts/ ---------------------------------------------------
account_urlpatterns = [
    path("signup/", account.signup, name="signup"),
    path("verify/<str:token>/", account.verify, name="verify-email"),
    path("settings/", account.account_settings, name="account-settings"),
    path("tokens/", my_tokens.MyTokensPage.as_view(), name="my-tokens"),
    path("tokens/new/", my_tokens.TokenCreatePage.as_view(), name="token-new"),
    path("tokens/<str:key_id>/revoke/", my_tokens.TokenRevokePage.as_view(),
         name="token-revoke"),
    path("invitations/<int:invitation_id>/accept/", invitations.accept,
         name="invitation-accept"),
    path("invitations/<int:invitation_id>/decline/", invitations.decline,
         name="invitation-decline"),
    path("invitations/<str:key>/", invitations.invitation, name="invitation"),
    path("invitations/<str:key>/signup/", account.signup, name="invitation-signup"),
]
# --- end of a person's own pages ----------------------------------------------------------------

RELEASE = "project/<str:project>/<str:version>/"
SETTINGS = "project/<str:project>/settings/"

org_urlpatterns = [
    path("", org.org_home, name="org-home"),
    path("-/search/", org.OrgSearchView.as_view(), name="org-search"),
    path("project/<str:project>/", project.ProjectPage.as_view(), name="project"),
    path("project/<str:project>/delete/", actions.ProjectDeleteView.as_view(),
         name="project-delete"),
    # Project and org administration (web.views.projects, web.views.settings). The project
    # settings routes come before RELEASE, which would take "settings" for a version.
    path("-/projects/new/", projects.ProjectCreateView.as_view(), name="project-new"),
    path(SETTINGS, projects.ProjectSettingsView.as_view(), name="project-settings"),
    path(SETTINGS + "status/", projects.ProjectStatusView.as_view(), name="project-status"),
    path(SETTINGS + "grants/team/", projects.GrantAddView.as_view(kind="team"),
         name="project-grant-team"),
    path(SETTINGS + "grants/user/", projects.GrantAddView.as_view(kind="user"),
         name="project-grant-user"),
    path(SETTINGS + "grants/<int:grant_id>/", projects.GrantChangeView.as_view(),
         name="project-grant"),
    path(SETTINGS + "grants/<int:grant_id>/remove/", projects.GrantRemoveView.as_view(),
         name="project-grant-remove"),
    path("-/settings/", settings.OrgSettingsView.as_view(), name="org-settings"),
    path("-/settings/delete/", settings.OrgDeleteView.as_view(), name="org-delete"),
    # End of project and org administration.
    path(RELEASE, project.ReleasePage.as_view(), name="release"),
    path(RELEASE + "yank/", actions.YankView.as_view(), name="release-yank"),
    path(RELEASE + "unyank/", actions.UnyankView.as_view(), name="release-unyank"),
    path(RELEASE + "delete/", actions.ReleaseDeleteView.as_view(), name="release-delete"),
    path(RELEASE + "files/<str:filename>/delete/", actions.FileDeleteView.as_view(),
         name="file-delete"),
]

# Org administration: members and invitations, teams, tokens, the audit log.
MEMBER = "-/members/<str:username>/"
INVITATION = "-/members/invitations/<int:invitation_id>/"
TEAM = "-/teams/<str:team>/"
org_urlpatterns += [
    path("-/members/", members.MembersPage.as_view(), name="org-members"),
    path("-/members/invite/", members.InviteView.as_view(), name="org-invite"),
    path(INVITATION + "resend/", members.InvitationResendView.as_view(),
         name="org-invitation-resend"),
    path(INVITATION + "cancel/", members.InvitationCancelView.as_view(),
         name="org-invitation-cancel"),
    path(MEMBER + "role/", members.RoleView.as_view(), name="org-member-role"),
    path(MEMBER + "remove/", members.MemberRemoveView.as_view(), name="org-member-remove"),
    path("-/teams/", teams.TeamsPage.as_view(), name="org-teams"),
    path(TEAM, teams.TeamPage.as_view(), name="org-team"),
    path(TEAM + "members/", teams.TeamMemberAddView.as_view(), name="org-team-members"),
    path(TEAM + "members/<str:username>/remove/", teams.TeamMemberRemoveView.as_view(),
         name="org-team-member-remove"),
    path(TEAM + "delete/", teams.TeamDeleteView.as_view(), name="org-team-delete"),
    path("-/tokens/", tokens.TokensPage.as_view(), name="org-tokens"),
    path("-/tokens/<str:key_id>/revoke/", tokens.TokenRevokeView.as_view(),
         name="org-token-revoke"),
    path("-/audit/", audit.AuditLogPage.as_view(), name="org-audit"),
]

# Upstream indexes (web.views.upstreams).
org_urlpatterns += [
    path("-/upstreams/", upstreams.UpstreamsPage.as_view(), name="org-upstreams"),
    path("-/upstreams/<int:upstream_id>/remove/", upstreams.UpstreamRemoveView.as_view(),
         name="org-upstream-remove"),
    path("-/upstreams/patterns/<int:pattern_id>/remove/", upstreams.PatternRemoveView.as_view(),
         name="org-upstream-pattern-remove"),
]
