"""Account pages under /accounts/ next to Django's log in, log out and password reset."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("verify/<str:token>/", views.verify, name="verify-email"),
    path("settings/", views.account_settings, name="account-settings"),
    path("invitations/<str:key>/", views.invitation, name="invitation"),
    path("invitations/<str:key>/signup/", views.signup, name="invitation-signup"),
]
