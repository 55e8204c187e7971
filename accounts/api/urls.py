"""The caller's own invitations under /api/v1/me/ (``me/tokens/`` is in ``registry.api``)."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("me/invitations/", views.MyInvitationsView.as_view(), name="api-my-invitations"),
    path("me/invitations/<int:invitation_id>/accept/", views.InvitationAcceptView.as_view(),
         name="api-invitation-accept"),
    path("me/invitations/<int:invitation_id>/decline/", views.InvitationDeclineView.as_view(),
         name="api-invitation-decline"),
]
