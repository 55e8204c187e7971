"""Account pages under /accounts/ next to Django's log in, log out and password reset."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("invitations/<str:key>/", views.invitation, name="invitation"),
]
