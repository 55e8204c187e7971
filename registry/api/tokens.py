"""Tokens and the audit log of an org, and the caller's own tokens, in the management API."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.common import (
    ApiView,
    SessionUserOnly,
    TokenNeedsAdminToManage,
    principal_of,
    require,
)
from accounts.api.serializers import (
    AuditEventSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from accounts.capabilities import Capability
from accounts.principals import Principal
from registry.api.common import org_or_404
from registry.permissions import org_can, permission_held, token_in_force

TOKEN_FILTERS = [
    OpenApiParameter("owner", str, description="A username, or 'org' for service tokens."),
    OpenApiParameter("active", bool, description="Only active (true) or inactive (false)."),
]


def visible_tokens(principal: Principal, org, active: bool | None = None):
    """The org's tokens ``principal`` may see: owners and admins every one, members their
    own; a token scoped to projects (or with no member behind it) only itself and the
    tokens created with it, as the owner's other tokens are org-wide facts."""
    tokens = selectors.tokens_of_org(org, active=active)
    if org_can(principal, Capability.ORG_TOKENS, org):
        return tokens
    if principal.user is not None and org_can(principal, Capability.ORG_MEMBERS_READ, org):
        return tokens.filter(user=principal.user)
    token = principal.token
    if token is None or not token_in_force(token, org):
        return tokens.none()
    return tokens.filter(pk__in=[token.pk, *(t.pk for t in selectors.token_descendants(token))])


def _filtered(tokens, owner: str | None):
    if owner == "org":
        return tokens.filter(user__isnull=True)
    return tokens.filter(user__username=owner) if owner else tokens


class OrgTokenListView(ApiView):
    @extend_schema(operation_id="tokens_list", parameters=TOKEN_FILTERS,
                   responses=TokenSerializer(many=True),
                   summary="The org's tokens (admins: all; members: their own)")
    def get(self, request, org: str):
        organisation = org_or_404(request, org)
        params = request.query_params
        active = {"true": True, "false": False}.get(params.get("active"))
        return self.paged(_filtered(visible_tokens(principal_of(request), organisation, active),
                                    params.get("owner")), TokenSerializer)

    @extend_schema(operation_id="tokens_create", request=TokenCreateSerializer,
                   responses={201: TokenCreatedSerializer},
                   summary="Create a token; the answer holds the token, shown only this once")
    def post(self, request, org: str):
        organisation = org_or_404(request, org)
        data = self.parsed(TokenCreateSerializer)
        principal = principal_of(request)
        if data["owner"] == "org":
            require(org_can(principal, Capability.ORG_TOKENS, organisation),
                    "Only owners and admins create org service tokens.")
        require(data["owner"] == "org" or principal.user is not None,
                "An org service token has no user to own a personal token; use owner 'org'.")
        owner = principal.user if data["owner"] == "me" else None
        token, plaintext = services.token_create(
            org=organisation, user=owner, permission=data["permission"],
            projects=data["projects"], expires_days=data["expires_days"],
            description=data["description"], principal=principal,
            owner_holds=permission_held(owner, organisation) if owner else None)
        body = TokenSerializer(token).data | {"token": plaintext}
        return Response(body, status=status.HTTP_201_CREATED)


class OrgTokenDetailView(ApiView):
    def _token(self, request, org: str, key_id: str):
        found = visible_tokens(principal_of(request), org_or_404(request, org)) \
            .filter(key_id=key_id).first()
        if found is None:
            raise Http404("No such token.")
        return found

    @extend_schema(operation_id="tokens_retrieve", responses=TokenSerializer)
    def get(self, request, org: str, key_id: str):
        return Response(TokenSerializer(self._token(request, org, key_id)).data)

    @extend_schema(operation_id="tokens_revoke", responses={200: TokenSerializer},
                   summary="Revoke a token at once")
    def delete(self, request, org: str, key_id: str):
        token = services.token_revoke(token=self._token(request, org, key_id),
                                      principal=principal_of(request))
        return Response(TokenSerializer(token).data)


class AuditEventListView(ApiView):
    @extend_schema(
        operation_id="audit_events_list", responses=AuditEventSerializer(many=True),
        parameters=[OpenApiParameter("action", str, description="An action ('member.add') or "
                                     "a prefix of actions ('member')."),
                    OpenApiParameter("actor", str, description="A username.")],
        summary="The org's audit log, newest first (owners and admins)")
    def get(self, request, org: str):
        organisation = org_or_404(request, org, Capability.ORG_AUDIT)
        events = selectors.audit_events(organisation, request.query_params.get("action"))
        if request.query_params.get("actor"):
            events = events.filter(actor__username=request.query_params["actor"])
        return self.paged(events, AuditEventSerializer)


class MyTokensView(ApiView):
    permission_classes = [SessionUserOnly, TokenNeedsAdminToManage]

    @extend_schema(operation_id="my_tokens_list", responses=TokenSerializer(many=True),
                   summary="Your tokens, in every org (never their secrets); with a token, "
                           "those of its org that it may see")
    def get(self, request):
        principal = principal_of(request)
        if principal.token is None:
            return self.paged(selectors.tokens_of_user(principal.user), TokenSerializer)
        mine = visible_tokens(principal, principal.token.org).filter(user=principal.user)
        return self.paged(mine, TokenSerializer)
