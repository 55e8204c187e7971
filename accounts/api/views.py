"""The caller's own invitations, across orgs.

Nothing here decides about an org's objects: org-scoped endpoints live in ``registry.api``,
where the one capability decision is (``me/tokens/`` too, as a token sees only its org's).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from accounts import invitations, selectors
from accounts.api.common import (
    ApiView,
    ErrorSerializer,
    SessionUserOnly,
    TokenNeedsAdminToManage,
    principal_of,
)
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
        summary="Invitations addressed to you (by username, or to your verified address)")
    def get(self, request):
        found = selectors.invitations_for(principal_of(request).user)
        if request.query_params.get("state", "pending") == "pending":
            found = [i for i in found.filter(status=InvitationStatus.PENDING)
                     if i.state == "pending"]
        return self.paged(found, InvitationSerializer)


def _invitation(request, invitation_id: int):
    """One of the caller's invitations; any other is 404, whatever key comes with it."""
    found = selectors.invitations_for(principal_of(request).user).filter(
        pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation.")
    return found


ANSWER_403 = OpenApiResponse(ErrorSerializer, description=(
    "Your address is not verified, or the key is missing or wrong (accepting an invitation "
    "sent to an email address needs the key from the email's link; declining needs none, "
    "but a key sent must be the right one)."))


class InvitationAcceptView(ApiView):
    permission_classes = USER_ONLY

    @extend_schema(operation_id="my_invitations_accept", request=InvitationAnswerSerializer,
                   responses={200: MemberSerializer, 403: ANSWER_403},
                   summary="Accept an invitation: join the org")
    def post(self, request, invitation_id: int):
        key = self.parsed(InvitationAnswerSerializer)["key"]
        principal = principal_of(request)
        membership = invitations.invitation_accept(
            invitation=_invitation(request, invitation_id), user=principal.user, key=key,
            principal=principal)
        return Response(MemberSerializer(membership).data)


class InvitationDeclineView(ApiView):
    permission_classes = USER_ONLY

    @extend_schema(operation_id="my_invitations_decline", request=InvitationAnswerSerializer,
                   responses={200: InvitationSerializer, 403: ANSWER_403},
                   summary="Decline an invitation (the key is not needed)")
    def post(self, request, invitation_id: int):
        key = self.parsed(InvitationAnswerSerializer)["key"]
        principal = principal_of(request)
        invitation = _invitation(request, invitation_id)
        if key:
            invitations.invitation_decline(invitation=invitation, user=principal.user,
                                           key=key, principal=principal)
        else:
            invitations.invitation_decline_listed(invitation=invitation, user=principal.user,
                                                  principal=principal)
        return Response(InvitationSerializer(invitation).data)
