"""Routes of the management API under /api/v1/ (filled by the accounts and registry APIs)."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def not_found(request, rest=""):
    """Anything else under /api/v1/ answers with the API's JSON error body, not a web page."""
    return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)


urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("registry.api.urls")),
    re_path(r"^(?P<rest>.*)$", not_found),
]
