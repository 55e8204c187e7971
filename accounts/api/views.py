"""The caller's own invitations, across orgs.

Nothing here decides about an org's objects: org-scoped endpoints live in ``registry.api``,
where the one capability decision is (``me/tokens/`` too, as a token sees only its org's).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from accounts import invitations, selectors
from accounts.api.common import ApiView, SessionUserOnly, TokenNeedsAdminToManage, principal_of
from accounts.api.serializers import (
    InvitationAnswerSerializer,
    InvitationSerializer,
    MemberSerializer,
)
from accounts.models import InvitationStatus

USER_ONLY = [SessionUserOnly, TokenNeedsAdminToManage]


class MyInvitationsView(ApiView):
    permission_classes = USER_ONLY

    @extend_schema(
        operation_id="my_invitations_list", responses=InvitationSerializer(many=True),
        parameters=[OpenApiParameter("state", str, enum=["pending", "all"],
                                     description="Only pending ones (the default) or all.")],
        summary="Invitations addressed to you (by username or email address)")
    def get(self, request):
        found = selectors.invitations_for(principal_of(request).user)
        if request.query_params.get("state", "pending") == "pending":
            found = [i for i in found.filter(status=InvitationStatus.PENDING)
                     if i.state == "pending"]
        return self.paged(found, InvitationSerializer)


def _invitation(request, invitation_id: int, key: str):
    user = principal_of(request).user
    found = invitations.invitation_for_key(key) if key else \
        selectors.invitations_for(user).filter(pk=invitation_id).first()
    if found is None or found.pk != invitation_id:
        raise Http404("No such invitation.")
    return found


class InvitationAcceptView(ApiView):
    permission_classes = USER_ONLY

    @extend_schema(operation_id="my_invitations_accept", request=InvitationAnswerSerializer,
                   responses=MemberSerializer, summary="Accept an invitation: join the org")
    def post(self, request, invitation_id: int):
        key = self.parsed(InvitationAnswerSerializer)["key"]
        principal = principal_of(request)
        membership = invitations.invitation_accept(
            invitation=_invitation(request, invitation_id, key), user=principal.user,
            principal=principal)
        return Response(MemberSerializer(membership).data)


class InvitationDeclineView(ApiView):
    permission_classes = USER_ONLY

    @extend_schema(operation_id="my_invitations_decline", request=InvitationAnswerSerializer,
                   responses=InvitationSerializer, summary="Decline an invitation")
    def post(self, request, invitation_id: int):
        key = self.parsed(InvitationAnswerSerializer)["key"]
        principal = principal_of(request)
        invitation = _invitation(request, invitation_id, key)
        invitations.invitation_decline(invitation=invitation, user=principal.user,
                                       principal=principal)
        return Response(InvitationSerializer(invitation).data)
