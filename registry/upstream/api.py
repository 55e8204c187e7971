"""The management API of an org's upstreams, reserved/allow/deny patterns, policy and proxy
cache, under /api/v1/orgs/{org}/. Reading and changing both need the org's settings capability
(owners, admins and their admin tokens): upstream URLs and usernames are an admin's business.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from packaging.utils import canonicalize_name
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.common import ApiView, deleted, principal_of, refuse_field
from accounts.api.serializers import DetailSerializer
from accounts.capabilities import Capability
from registry.api.common import org_or_404
from registry.models import Upstream, UpstreamPattern, UpstreamPatternKind
from registry.upstream import selectors, services


class UpstreamSerializer(serializers.ModelSerializer):
    has_password = serializers.SerializerMethodField()

    class Meta:
        model = Upstream
        fields = ["id", "url", "position", "username", "has_password", "created_at"]

    def get_has_password(self, upstream) -> bool:
        return bool(upstream.password_encrypted)


class UpstreamCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    username = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    password = serializers.CharField(max_length=500, required=False, default="", allow_blank=True,
                                     write_only=True, style={"input_type": "password"})


class PatternSerializer(serializers.ModelSerializer):
    class Meta:
        model = UpstreamPattern
        fields = ["id", "kind", "pattern", "created_at"]


class PatternCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=UpstreamPatternKind.choices)
    pattern = serializers.CharField(max_length=200)


class PolicySerializer(serializers.Serializer):
    allow_list_only = serializers.BooleanField()
    refusals = serializers.IntegerField(read_only=True)
    cached_bytes = serializers.IntegerField(read_only=True)


def _field_error(field: str, exc: ValidationError):
    refuse_field(field, "; ".join(exc.messages))


class UpstreamListView(ApiView):
    @extend_schema(operation_id="upstreams_list", responses=UpstreamSerializer(many=True))
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        return self.paged(selectors.upstreams_of(organisation), UpstreamSerializer)

    @extend_schema(operation_id="upstreams_create", request=UpstreamCreateSerializer,
                   responses={201: UpstreamSerializer})
    def post(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        data = self.parsed(UpstreamCreateSerializer)
        try:
            upstream = services.upstream_add(org=organisation, principal=principal_of(request),
                                             **data)
        except ValidationError as exc:
            _field_error("url", exc)
        return Response(UpstreamSerializer(upstream).data, status=status.HTTP_201_CREATED)


class UpstreamDetailView(ApiView):
    @extend_schema(operation_id="upstreams_destroy", responses={200: DetailSerializer})
    def delete(self, request, org: str, upstream_id: int):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        upstream = selectors.upstreams_of(organisation).filter(pk=upstream_id).first()
        if upstream is None:
            raise Http404("No such upstream.")
        services.upstream_remove(upstream=upstream, principal=principal_of(request))
        return deleted(f"{upstream.url} is no longer an upstream of {org}.")


class PatternListView(ApiView):
    @extend_schema(operation_id="upstream_patterns_list", responses=PatternSerializer(many=True))
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        return self.paged(selectors.patterns_of(organisation), PatternSerializer)

    @extend_schema(operation_id="upstream_patterns_create", request=PatternCreateSerializer,
                   responses={201: PatternSerializer})
    def post(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        data = self.parsed(PatternCreateSerializer)
        try:
            pattern = services.pattern_add(org=organisation, principal=principal_of(request),
                                           **data)
        except ValidationError as exc:
            _field_error("pattern", exc)
        return Response(PatternSerializer(pattern).data, status=status.HTTP_201_CREATED)


class PatternDetailView(ApiView):
    @extend_schema(operation_id="upstream_patterns_destroy", responses={200: DetailSerializer})
    def delete(self, request, org: str, pattern_id: int):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        pattern = selectors.patterns_of(organisation).filter(pk=pattern_id).first()
        if pattern is None:
            raise Http404("No such pattern.")
        services.pattern_remove(pattern=pattern, principal=principal_of(request))
        return deleted(f"The {pattern.kind} pattern '{pattern.pattern}' is removed.")


def _policy(organisation) -> dict:
    policy = selectors.policy_of(organisation)
    return {"allow_list_only": policy.allow_list_only, "refusals": policy.refusals,
            "cached_bytes": selectors.cache_size(organisation)}


class PolicyView(ApiView):
    @extend_schema(operation_id="upstream_policy_retrieve", responses=PolicySerializer)
    def get(self, request, org: str):
        return Response(_policy(org_or_404(request, org, Capability.ORG_SETTINGS)))

    @extend_schema(operation_id="upstream_policy_update", request=PolicySerializer,
                   responses=PolicySerializer)
    def patch(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        data = self.parsed(PolicySerializer)
        services.policy_update(org=organisation, principal=principal_of(request), **data)
        return Response(_policy(organisation))


class CachedNameView(ApiView):
    @extend_schema(operation_id="upstream_cache_purge", responses={200: DetailSerializer})
    def delete(self, request, org: str, project: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        name = canonicalize_name(project)
        dropped = services.name_purge(org=organisation, name=name,
                                      principal=principal_of(request))
        return deleted(f"Dropped the cached upstream page and {dropped} files of {name}.")
