"""What every management API view shares: the principal, org lookup, errors, pagination."""

from typing import NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.authentication import client_ip
from accounts.capabilities import Permission
from accounts.models import ApiToken
from accounts.principals import Principal


def principal_of(request) -> Principal:
    """The principal behind an API request: a token (``request.auth``) or the session user."""
    ip = client_ip(request)
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        return Principal(user=token.user, token=token, ip=ip)
    user = request.user if request.user.is_authenticated else None
    return Principal(user=user, ip=ip)


def require(allowed: bool, message: str = "You may not do this here.") -> None:
    """Refuse with 403 (the caller may already see the object, so 404 would hide nothing)."""
    if not allowed:
        raise exceptions.PermissionDenied(message)


def refuse_field(field: str, message: str) -> NoReturn:
    """Refuse with 400 as a serializer would: the message under ``field`` and as the detail."""
    raise exceptions.ValidationError({field: [message]})


class TokenNeedsAdminToManage(permissions.BasePermission):
    """Changes through a token need the token's admin permission (reads need only read)."""

    message = ("This token may not manage this: management actions need a token with the "
               "admin permission.")

    def has_permission(self, request, view):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is None or request.method in permissions.SAFE_METHODS:
            return True
        return token.permission == Permission.ADMIN


class SessionUserOnly(permissions.BasePermission):
    """For what only a person may do (accepting an invitation, creating an org)."""

    message = "Only a signed-in user (or a user's own token) may do this."

    def has_permission(self, request, view):
        return principal_of(request).user is not None


DEFAULT_PERMISSIONS = [permissions.IsAuthenticated, TokenNeedsAdminToManage]
# Views whose own capability check admits upload tokens, as the capability table says
# (upload includes yank, and creating a project where the org allows it).
CAPABILITY_DECIDES = [permissions.IsAuthenticated]


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a sentence, and the problems per field when there are any."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _errors_of(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def _summary(detail, errors: dict) -> str:
    if isinstance(detail, str):
        return str(detail)
    first = next(iter(errors.values()), [])
    return first[0] if len(errors) == 1 and len(first) == 1 else "Invalid input."


def api_exception_handler(exc, context):
    """DRF's handler, with Django's ValidationError as 400 and one body shape for all."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail", response.data) if isinstance(response.data, dict) \
        else response.data
    errors = {} if isinstance(response.data, dict) and "detail" in response.data \
        else _errors_of(detail)
    response.data = {"detail": _summary(detail, errors), "errors": errors}
    return response


def deleted(message: str) -> Response:
    """A 200 for a deletion, with a sentence saying what it means (filenames stay used)."""
    return Response({"detail": message}, status=status.HTTP_200_OK)


class PlainMetadata(SimpleMetadata):
    """OPTIONS answers name and description; the OpenAPI schema documents the bodies."""

    def determine_actions(self, request, view):
        return {}


class ApiView(GenericAPIView):
    """Base of the management API's views: default permissions, pagination, input parsing."""

    permission_classes = DEFAULT_PERMISSIONS
    pagination_class = Pagination
    metadata_class = PlainMetadata

    def paged(self, queryset, serializer_class, **context) -> Response:
        """A paginated list answer; ``context`` goes to the serializer."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(
            page, many=True, context={"request": self.request, **context}).data)

    def parsed(self, serializer_class, **kwargs) -> dict:
        """The request body checked by ``serializer_class``; 400 with the errors otherwise."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
