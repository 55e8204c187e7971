"""Routes of the upstream management API under /api/v1/orgs/{org}/."""

from django.urls import path

from registry.upstream import api

ORG = "orgs/<org:org>/"

urlpatterns = [
    path(ORG + "upstreams/", api.UpstreamListView.as_view(), name="api-upstreams"),
    path(ORG + "upstreams/<int:upstream_id>/", api.UpstreamDetailView.as_view(),
         name="api-upstream"),
    path(ORG + "upstream-patterns/", api.PatternListView.as_view(), name="api-upstream-patterns"),
    path(ORG + "upstream-patterns/<int:pattern_id>/", api.PatternDetailView.as_view(),
         name="api-upstream-pattern"),
    path(ORG + "upstream-policy/", api.PolicyView.as_view(), name="api-upstream-policy"),
    path(ORG + "upstream-cache/<str:project>/", api.CachedNameView.as_view(),
         name="api-upstream-cache"),
]
