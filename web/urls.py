"""The web UI's routes. ``config/urls.py`` includes ``urlpatterns`` at the site root and
``org_urlpatterns`` under ``<org:org>/`` (after the index, file and upload routes).

Org pages for members and admins live under ``<org>/-/`` (``-`` is never an org or project
name); a project's pages under ``<org>/project/<project>/``.
"""

from django.urls import path

from web.views import account, actions, home, invitations, my_tokens, org, project

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

org_urlpatterns = [
    path("", org.org_home, name="org-home"),
    path("-/search/", org.OrgSearchView.as_view(), name="org-search"),
    path("project/<str:project>/", project.ProjectPage.as_view(), name="project"),
    path("project/<str:project>/delete/", actions.ProjectDeleteView.as_view(),
         name="project-delete"),
    path(RELEASE, project.ReleasePage.as_view(), name="release"),
    path(RELEASE + "yank/", actions.YankView.as_view(), name="release-yank"),
    path(RELEASE + "unyank/", actions.UnyankView.as_view(), name="release-unyank"),
    path(RELEASE + "delete/", actions.ReleaseDeleteView.as_view(), name="release-delete"),
    path(RELEASE + "files/<str:filename>/delete/", actions.FileDeleteView.as_view(),
         name="file-delete"),
]
