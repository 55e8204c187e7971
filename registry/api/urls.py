"""Org-scoped routes of the management API under /api/v1/orgs/."""

from django.urls import path

from registry.api import orgs, projects, releases, teams, tokens

P = "orgs/<org:org>/projects/<str:project>/"

urlpatterns = [
    path("me/tokens/", tokens.MyTokensView.as_view(), name="api-my-tokens"),
    path("orgs/", orgs.OrgListView.as_view(), name="api-orgs"),
    path("orgs/<org:org>/", orgs.OrgDetailView.as_view(), name="api-org"),
    path("orgs/<org:org>/members/", orgs.MemberListView.as_view(), name="api-members"),
    path("orgs/<org:org>/members/<str:username>/", orgs.MemberDetailView.as_view(),
         name="api-member"),
    path("orgs/<org:org>/invitations/", orgs.OrgInvitationListView.as_view(),
         name="api-invitations"),
    path("orgs/<org:org>/invitations/<int:invitation_id>/",
         orgs.OrgInvitationDetailView.as_view(), name="api-invitation"),
    path("orgs/<org:org>/teams/", teams.TeamListView.as_view(), name="api-teams"),
    path("orgs/<org:org>/teams/<str:team>/", teams.TeamDetailView.as_view(), name="api-team"),
    path("orgs/<org:org>/teams/<str:team>/members/", teams.TeamMemberListView.as_view(),
         name="api-team-members"),
    path("orgs/<org:org>/teams/<str:team>/members/<str:username>/",
         teams.TeamMemberDetailView.as_view(), name="api-team-member"),
    path("orgs/<org:org>/tokens/", tokens.OrgTokenListView.as_view(), name="api-tokens"),
    path("orgs/<org:org>/tokens/<str:key_id>/", tokens.OrgTokenDetailView.as_view(),
         name="api-token"),
    path("orgs/<org:org>/audit-events/", tokens.AuditEventListView.as_view(),
         name="api-audit-events"),
    path("orgs/<org:org>/projects/", projects.ProjectListView.as_view(), name="api-projects"),
    path(P, projects.ProjectDetailView.as_view(), name="api-project"),
    path(P + "grants/", projects.GrantListView.as_view(), name="api-grants"),
    path(P + "grants/<int:grant_id>/", projects.GrantDetailView.as_view(), name="api-grant"),
    path(P + "tokens/", projects.ProjectTokenListView.as_view(), name="api-project-tokens"),
    path(P + "releases/", releases.ReleaseListView.as_view(), name="api-releases"),
    path(P + "releases/<str:version>/", releases.ReleaseDetailView.as_view(),
         name="api-release"),
    path(P + "releases/<str:version>/yank/", releases.ReleaseYankView.as_view(),
         name="api-release-yank"),
    path(P + "releases/<str:version>/unyank/", releases.ReleaseUnyankView.as_view(),
         name="api-release-unyank"),
    path(P + "files/", releases.FileListView.as_view(), name="api-files"),
    path(P + "files/<str:filename>/", releases.FileDetailView.as_view(), name="api-file"),
]
