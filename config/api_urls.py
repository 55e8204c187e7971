"""Routes of the management API under /api/v1/ (filled by the accounts and registry APIs)."""

urlpatterns: list = []
