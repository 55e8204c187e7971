"""Projects, grants and the tokens that can touch a project, in the management API."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from packaging.utils import canonicalize_name
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.api.common import (
    CAPABILITY_DECIDES,
    ApiView,
    deleted,
    principal_of,
    refuse_field,
    require,
)
from accounts.api.serializers import VISIBILITIES, DetailSerializer, TokenSerializer
from accounts.capabilities import Capability
from accounts.ratelimit import RateLimited, rate_hit
from registry import selectors, services
from registry.api.common import member_or_400, org_or_404, project_or_404
from registry.api.serializers import (
    DeletedFilesSerializer,
    GrantCreateSerializer,
    GrantSerializer,
    GrantUpdateSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
)
from registry.api.tokens import visible_tokens
from registry.permissions import can_create_project, org_can

FILENAME_RULE = ("Deleting never frees a filename: the same filenames can never be uploaded "
                 "again in this organisation, even with the same content; use a new version.")


class ProjectListView(ApiView):
    permission_classes = CAPABILITY_DECIDES  # reads, and can_create_project for creating

    @extend_schema(
        operation_id="projects_list", responses=ProjectSerializer(many=True),
        parameters=[OpenApiParameter("visibility", str, enum=VISIBILITIES),
                    OpenApiParameter("q", str, description="Part of the project name.")],
        summary="The org's projects you may read")
    def get(self, request, org: str):
        organisation = org_or_404(request, org)
        projects = selectors.projects_readable(principal_of(request), organisation,
                                               include_quarantined=True).select_related("org")
        if request.query_params.get("visibility") in VISIBILITIES:
            projects = projects.filter(visibility=request.query_params["visibility"])
        if request.query_params.get("q"):
            projects = projects.filter(normalized_name__contains=canonicalize_name(
                request.query_params["q"]))
        return self.paged(projects, ProjectSerializer)

    @extend_schema(operation_id="projects_create", request=ProjectCreateSerializer,
                   responses={201: ProjectSerializer})
    def post(self, request, org: str):
        organisation = org_or_404(request, org)
        data = self.parsed(ProjectCreateSerializer)
        principal = principal_of(request)
        require(can_create_project(principal, organisation, canonicalize_name(data["name"])),
                f"You may not create projects in {org}, or not with this name.")
        try:
            rate_hit("project_create", principal.cache_key)
        except RateLimited as exc:
            raise Throttled(wait=exc.retry_after, detail=str(exc)) from exc
        project = services.project_register(
            org=organisation, name=data["name"], principal=principal,
            visibility=data.get("visibility"), restricted=data["restricted"])
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(ApiView):
    @extend_schema(operation_id="projects_retrieve", responses=ProjectSerializer)
    def get(self, request, org: str, project: str):
        return Response(ProjectSerializer(project_or_404(request, org, project)).data)

    @extend_schema(operation_id="projects_update", request=ProjectUpdateSerializer,
                   responses=ProjectSerializer, summary="Change visibility or restriction")
    def patch(self, request, org: str, project: str):
        found = project_or_404(request, org, project, Capability.PROJECT_MANAGE)
        services.project_update(project=found, principal=principal_of(request),
                                **self.parsed(ProjectUpdateSerializer, partial=True))
        return Response(ProjectSerializer(found).data)

    @extend_schema(operation_id="projects_destroy", responses={200: DeletedFilesSerializer},
                   summary="Delete the project, its releases and files")
    def delete(self, request, org: str, project: str):
        found = project_or_404(request, org, project, Capability.PROJECT_DELETE)
        names = services.project_delete(project=found, principal=principal_of(request))
        return Response({"detail": f"Project '{found.name}' is deleted. {FILENAME_RULE}",
                         "filenames": names})


class GrantListView(ApiView):
    @extend_schema(operation_id="grants_list", responses=GrantSerializer(many=True))
    def get(self, request, org: str, project: str):
        found = project_or_404(request, org, project, Capability.PROJECT_GRANTS)
        return self.paged(selectors.grants_of(found), GrantSerializer)

    @extend_schema(operation_id="grants_set", request=GrantCreateSerializer,
                   responses={201: GrantSerializer},
                   summary="Grant a team or user read, upload or admin (replaces their grant)")
    def post(self, request, org: str, project: str):
        found = project_or_404(request, org, project, Capability.PROJECT_GRANTS)
        data = self.parsed(GrantCreateSerializer)
        team = account_selectors.team_get(found.org, data["team"]) if data["team"] else None
        if data["team"] and team is None:
            refuse_field("team", f"There is no team '{data['team']}' in {org}.")
        user = member_or_400(found.org, data["user"], "user") if data["user"] else None
        grant = services.grant_set(project=found, team=team, user=user,
                                   permission=data["permission"],
                                   principal=principal_of(request))
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class GrantDetailView(ApiView):
    def _grant(self, request, org, project, grant_id):
        found = project_or_404(request, org, project, Capability.PROJECT_GRANTS)
        grant = selectors.grants_of(found).filter(pk=grant_id).first()
        if grant is None:
            raise Http404("No such grant.")
        return grant

    @extend_schema(operation_id="grants_update", request=GrantUpdateSerializer,
                   responses=GrantSerializer)
    def patch(self, request, org: str, project: str, grant_id: int):
        grant = self._grant(request, org, project, grant_id)
        grant = services.grant_set(project=grant.project, team=grant.team, user=grant.user,
                                   permission=self.parsed(GrantUpdateSerializer)["permission"],
                                   principal=principal_of(request))
        return Response(GrantSerializer(grant).data)

    @extend_schema(operation_id="grants_remove", responses={200: DetailSerializer})
    def delete(self, request, org: str, project: str, grant_id: int):
        grant = self._grant(request, org, project, grant_id)
        services.grant_remove(grant=grant, principal=principal_of(request))
        return deleted("The grant is withdrawn.")


class ProjectTokenListView(ApiView):
    @extend_schema(operation_id="project_tokens_list", responses=TokenSerializer(many=True),
                   summary="Which active tokens can touch this project")
    def get(self, request, org: str, project: str):
        found = project_or_404(request, org, project, Capability.PROJECT_MANAGE)
        principal, touching = principal_of(request), selectors.tokens_touching(found)
        if not org_can(principal, Capability.ORG_MEMBERS_READ, found.org):
            # A token scoped to projects: the other tokens are org-wide facts.
            seen = set(visible_tokens(principal, found.org).values_list("pk", flat=True))
            touching = [token for token in touching if token.pk in seen]
        return self.paged(touching, TokenSerializer)
