"""Routes of the management API under /api/v1/ (filled by the accounts and registry APIs)."""

import re

from django.http import JsonResponse
from django.urls import URLResolver, include, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView


@csrf_exempt
def not_found(request, rest=""):
    """Anything else under /api/v1/ answers with the API's JSON error body, not a web page."""
    return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)


def _routes(patterns, prefix: str = "") -> dict[str, str]:
    """Each named route's path under /api/v1/, its parameters as ``{name}``."""
    found = {}
    for pattern in patterns:
        route = prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            found.update(_routes(pattern.url_patterns, route))
        elif pattern.name and pattern.name != "api-root":
            found[pattern.name.removeprefix("api-")] = route
    return found


class ApiRootView(APIView):
    """What the API offers: its schema, its docs and every resource's URL."""

    permission_classes = [permissions.AllowAny]  # the schema is public: this says no more

    @extend_schema(responses=inline_serializer("ApiRoot", {
        "schema": serializers.URLField(), "docs": serializers.URLField(),
        "resources": serializers.DictField(child=serializers.CharField()),
    }))
    def get(self, request):
        base = request.build_absolute_uri(reverse("api-root"))
        return Response({
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "docs": request.build_absolute_uri(reverse("api-docs")),
            "resources": {name: base + route for name, route in _routes(urlpatterns).items()},
        })


urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("accounts.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("registry.upstream.api_urls")),
    re_path(r"^(?P<rest>.*)$", not_found),
]
