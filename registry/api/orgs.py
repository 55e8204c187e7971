"""Orgs, members and invitations of the management API."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from accounts import invitations, selectors, services
from accounts.api.common import ApiView, deleted, principal_of, refuse_field, require
from accounts.api.serializers import (
    DetailSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    OrgCreateSerializer,
    OrgSerializer,
    OrgUpdateSerializer,
)
from accounts.capabilities import Capability, OrgRole
from accounts.models import Organization
from registry import services as registry_services
from registry.api.common import org_or_404
from registry.permissions import can_create_org, org_capabilities, token_in_force

ROLE_FILTER = OpenApiParameter("role", str, enum=[r.value for r in OrgRole])


class OrgListView(ApiView):
    @extend_schema(operation_id="orgs_list", responses=OrgSerializer(many=True),
                   summary="The orgs you belong to (a token: its own org)")
    def get(self, request):
        principal = principal_of(request)
        token = principal.token
        if token is not None:
            orgs = Organization.objects.filter(pk=token.org_id) \
                if token_in_force(token, token.org) else Organization.objects.none()
        else:
            orgs = selectors.orgs_of(principal.user)
        return self.paged(orgs, OrgSerializer)

    @extend_schema(operation_id="orgs_create", request=OrgCreateSerializer,
                   responses={201: OrgSerializer},
                   summary="Create an org; you become its owner (members of an org and "
                           "moderators only)")
    def post(self, request):
        data = self.parsed(OrgCreateSerializer)
        principal = principal_of(request)
        require(can_create_org(principal),
                "Organisations are created by signed-in members of an organisation of this "
                "instance (or its moderators), not with tokens.")
        org = services.org_create(slug=data["slug"], name=data["name"],
                                  visibility=data["default_visibility"], principal=principal,
                                  owner=principal.user)
        return Response(OrgSerializer(org).data, status=status.HTTP_201_CREATED)


class OrgDetailView(ApiView):
    @extend_schema(operation_id="orgs_retrieve", responses=OrgSerializer)
    def get(self, request, org: str):
        return Response(OrgSerializer(org_or_404(request, org)).data)

    @extend_schema(operation_id="orgs_update", request=OrgUpdateSerializer,
                   responses=OrgSerializer, summary="Change the org's settings")
    def patch(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_SETTINGS)
        changes = self.parsed(OrgUpdateSerializer, partial=True)
        services.org_update(org=organisation, principal=principal_of(request), **changes)
        return Response(OrgSerializer(organisation).data)

    @extend_schema(operation_id="orgs_destroy", responses={200: DetailSerializer},
                   summary="Delete the org and everything in it (owners only)")
    def delete(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_DELETE)
        registry_services.org_delete(org=organisation, principal=principal_of(request))
        return deleted(f"Organisation '{org}' and all its projects, files and tokens are "
                       "deleted.")


def _may_set_role(request, org, current: str | None, wanted: str | None) -> None:
    caps = org_capabilities(principal_of(request), org)
    require(Capability.ORG_MEMBERS in caps, "Only owners and admins manage members.")
    if OrgRole.OWNER in (current, wanted):
        require(Capability.ORG_OWNERS in caps, "Only owners add, change or remove owners.")


def _membership_or_404(org, username: str):
    found = selectors.members_of(org).filter(user__username=username).first()
    if found is None:
        raise Http404("No such member.")
    return found


class MemberListView(ApiView):
    @extend_schema(operation_id="members_list", parameters=[ROLE_FILTER],
                   responses=MemberSerializer(many=True))
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS_READ)
        role = request.query_params.get("role")
        if role not in {r.value for r in OrgRole}:
            role = None
        return self.paged(selectors.members_of(organisation, role), MemberSerializer)

    @extend_schema(operation_id="members_add", request=MemberAddSerializer,
                   responses={201: MemberSerializer},
                   summary="Add an existing user directly (or change their role)")
    def post(self, request, org: str):
        # The permission first: who may not manage members learns nothing about usernames.
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS)
        data = self.parsed(MemberAddSerializer)
        user = selectors.user_get(data["username"])
        if user is None:
            refuse_field("username", f"There is no active user '{data['username']}'.")
        _may_set_role(request, organisation, selectors.membership_role(organisation, user),
                      data["role"])
        membership = services.membership_set(org=organisation, user=user, role=data["role"],
                                             principal=principal_of(request))
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(ApiView):
    @extend_schema(operation_id="members_retrieve", responses=MemberSerializer)
    def get(self, request, org: str, username: str):
        return Response(MemberSerializer(_membership_or_404(
            org_or_404(request, org, Capability.ORG_MEMBERS_READ), username)).data)

    @extend_schema(operation_id="members_update", request=MemberRoleSerializer,
                   responses=MemberSerializer, summary="Change a member's role")
    def patch(self, request, org: str, username: str):
        # The permission first: who may not manage members learns nothing about usernames.
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS)
        membership = _membership_or_404(organisation, username)
        role = self.parsed(MemberRoleSerializer)["role"]
        _may_set_role(request, organisation, membership.role, role)
        membership = services.membership_set(org=organisation, user=membership.user, role=role,
                                             principal=principal_of(request))
        return Response(MemberSerializer(membership).data)

    @extend_schema(operation_id="members_remove", responses={200: DetailSerializer},
                   summary="Remove a member: their access and their tokens' end at once")
    def delete(self, request, org: str, username: str):
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS)
        membership = _membership_or_404(organisation, username)
        _may_set_role(request, organisation, membership.role, None)
        registry_services.member_remove(org=organisation, user=membership.user,
                                        principal=principal_of(request))
        return deleted(f"{username} is no longer a member of {org}; their tokens for {org} "
                       "are revoked and their grants withdrawn.")


class MailUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The mail server is unavailable."


class OrgInvitationListView(ApiView):
    @extend_schema(operation_id="invitations_list", responses=InvitationSerializer(many=True))
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS)
        return self.paged(selectors.invitations_of(organisation), InvitationSerializer)

    @extend_schema(operation_id="invitations_create", request=InvitationCreateSerializer,
                   responses={201: InvitationSerializer, 503: DetailSerializer},
                   summary="Invite a user by username or email; the email has the accept link")
    def post(self, request, org: str):
        organisation = org_or_404(request, org)
        data = self.parsed(InvitationCreateSerializer)
        _may_set_role(request, organisation, None, data["role"])
        invitee = selectors.user_get(data["username"]) if data["username"] else None
        if data["username"] and invitee is None:
            refuse_field("username", f"There is no active user '{data['username']}'.")
        try:
            invitation, _key = invitations.invitation_create(
                org=organisation, role=data["role"], invitee=invitee, email=data["email"],
                principal=principal_of(request))
        except invitations.EmailFailed as exc:
            raise MailUnavailable(str(exc)) from exc
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class OrgInvitationDetailView(ApiView):
    @extend_schema(operation_id="invitations_cancel", responses={200: InvitationSerializer},
                   summary="Withdraw a pending invitation")
    def delete(self, request, org: str, invitation_id: int):
        organisation = org_or_404(request, org, Capability.ORG_MEMBERS)
        invitation = selectors.invitations_of(organisation).filter(pk=invitation_id).first()
        if invitation is None:
            raise Http404("No such invitation.")
        invitations.invitation_cancel(invitation=invitation, principal=principal_of(request))
        return Response(InvitationSerializer(invitation).data)
