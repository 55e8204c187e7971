"""Routes of the management API under /api/v1/ (filled by the accounts and registry APIs)."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("registry.api.urls")),
]
