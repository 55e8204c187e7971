"""Teams and team members of the management API."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.common import ApiView, deleted, principal_of, refuse_field
from accounts.api.serializers import (
    DetailSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
    UsernameSerializer,
)
from accounts.capabilities import Capability
from registry.api.common import member_or_400, org_or_404


def _team_or_404(org, slug: str):
    team = selectors.team_get(org, slug)
    if team is None:
        raise Http404("No such team.")
    return team


class TeamListView(ApiView):
    @extend_schema(operation_id="teams_list", responses=TeamSerializer(many=True))
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS_READ)
        return self.paged(selectors.teams_of(organisation), TeamSerializer)

    @extend_schema(operation_id="teams_create", request=TeamCreateSerializer,
                   responses={201: TeamSerializer})
    def post(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_TEAMS)
        data = self.parsed(TeamCreateSerializer)
        if selectors.team_get(organisation, data["slug"]) is not None:
            refuse_field("slug", f"A team with the slug '{data['slug']}' exists in {org}.")
        team = services.team_create(org=organisation, slug=data["slug"], name=data["name"],
                                    principal=principal_of(request))
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailView(ApiView):
    @extend_schema(operation_id="teams_retrieve", responses=TeamSerializer)
    def get(self, request, org: str, team: str):
        found = _team_or_404(org_or_404(request, org, Capability.ORG_MEMBERS_READ), team)
        return Response(TeamSerializer(found).data)

    @extend_schema(operation_id="teams_update", request=TeamUpdateSerializer,
                   responses=TeamSerializer)
    def patch(self, request, org: str, team: str):
        found = _team_or_404(org_or_404(request, org, Capability.ORG_TEAMS), team)
        services.team_update(team=found, name=self.parsed(TeamUpdateSerializer)["name"],
                             principal=principal_of(request))
        return Response(TeamSerializer(found).data)

    @extend_schema(operation_id="teams_destroy", responses={200: DetailSerializer})
    def delete(self, request, org: str, team: str):
        found = _team_or_404(org_or_404(request, org, Capability.ORG_TEAMS), team)
        services.team_delete(team=found, principal=principal_of(request))
        return deleted(f"Team '{team}' is deleted; its grants are withdrawn.")


class TeamMemberListView(ApiView):
    @extend_schema(operation_id="team_members_add", request=UsernameSerializer,
                   responses={201: TeamSerializer}, summary="Add an org member to the team")
    def post(self, request, org: str, team: str):
        organisation = org_or_404(request, org, Capability.ORG_TEAMS)
        found = _team_or_404(organisation, team)
        user = member_or_400(organisation, self.parsed(UsernameSerializer)["username"])
        services.team_member_add(team=found, user=user, principal=principal_of(request))
        return Response(TeamSerializer(found).data, status=status.HTTP_201_CREATED)


class TeamMemberDetailView(ApiView):
    @extend_schema(operation_id="team_members_remove", responses={200: TeamSerializer})
    def delete(self, request, org: str, team: str, username: str):
        organisation = org_or_404(request, org, Capability.ORG_TEAMS)
        found = _team_or_404(organisation, team)
        user = found.members.filter(username=username).first()
        if user is None:
            raise Http404("No such team member.")
        services.team_member_remove(team=found, user=user, principal=principal_of(request))
        return Response(TeamSerializer(found).data)
