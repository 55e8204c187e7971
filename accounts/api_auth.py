"""DRF authentication with ``Authorization: Bearer <token>`` (or Basic with a token)."""

from rest_framework import authentication, exceptions

from accounts.authentication import (
    AuthenticationFailed,
    client_ip,
    presented_secret,
    token_from_secret,
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a Wheelhouse API token; ``request.auth`` is the ApiToken row."""

    def authenticate(self, request):
        try:
            secret = presented_secret(request)
            if not secret:
                return None
            token = token_from_secret(secret, client_ip(request))
        except AuthenticationFailed as exc:
            if exc.status == 429:
                raise exceptions.Throttled(wait=exc.retry_after, detail=exc.message) from exc
            if exc.status == 403:
                raise exceptions.PermissionDenied(exc.message) from exc
            raise exceptions.AuthenticationFailed(exc.message) from exc
        # Org-owned tokens have no user; DRF still needs a truthy user object.
        return (token.user or ServiceUser(token), token)

    def authenticate_header(self, request):
        return 'Bearer realm="wheelhouse"'


class ServiceUser:
    """Stands in for request.user when an org-owned service token authenticates."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, token):
        self.token = token
        self.username = f"token:{token.key_id}"
