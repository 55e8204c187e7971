"""Turning credentials from a request into a Principal.

Clients (pip, uv, twine) send HTTP Basic with a token as the password and any username.
Passwords are never accepted here: only tokens.
"""

import base64
import binascii
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts import token_facts, tokens
from accounts.models import ApiToken
from accounts.principals import ANONYMOUS, Principal

FAILURE_LIMIT = 30  # failed token attempts per IP per window
FAILURE_WINDOW = 300  # seconds


class AuthenticationFailed(Exception):
    def __init__(self, message: str, status: int = 401, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


def client_ip(request) -> str | None:
    """The caller's address, for rate limits, a token's last use and audit events.

    ``REMOTE_ADDR`` unless ``settings.TRUSTED_PROXY_COUNT`` names N reverse proxies in front:
    each appends to ``X-Forwarded-For`` the address it got the request from, so the N-th
    entry from the right is what the outermost trusted proxy saw (anything left of it was
    written by the client and proves nothing). A header too short for N, or whose entry is
    no IP address, gives ``REMOTE_ADDR``: such a request did not come through the proxies.
    """
    return address_of(request.META)


def address_of(meta) -> str | None:
    """``client_ip`` from a request's META or a WSGI environ."""
    remote = meta.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if trusted <= 0 or len(forwarded) < trusted:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-trusted].strip()))
    except ValueError:
        return remote


def presented_secret(request) -> str | None:
    """The token from ``Authorization: Basic`` (password part) or ``Bearer``; else None."""
    return secret_of(request.META.get("HTTP_AUTHORIZATION", ""))


def secret_of(header: str) -> str | None:
    """``presented_secret`` from the value of an Authorization header."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthenticationFailed("Malformed Basic authorization header.") from exc
    _username, sep, password = decoded.partition(":")
    if not sep:
        raise AuthenticationFailed("Malformed Basic authorization header.")
    return password


def _refuse(ip: str | None) -> AuthenticationFailed:
    """Count a failed attempt from ``ip``: 401, or 429 once the address is over the limit."""
    key = f"authfail:{ip}"
    count = 1
    if not cache.add(key, 1, FAILURE_WINDOW):
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, FAILURE_WINDOW)
        except ConnectionError:  # the cache is down: not counted, still a plain refusal
            pass
    if count > FAILURE_LIMIT:
        return AuthenticationFailed(
            "Too many failed authentication attempts; try again later.",
            status=429, retry_after=FAILURE_WINDOW,
        )
    return AuthenticationFailed(
        "Invalid API token: it is not a Wheelhouse token or it does not exist. "
        "Use __token__ as the username and the whole token (whk_...) as the password."
    )


def token_with_user(key_id: str) -> ApiToken | None:
    """The API token with that key id, its owner loaded (org tokens have none); None if
    none. Its org is not read: the callers compare ``org_id``."""
    return ApiToken.objects.select_related("user").filter(key_id=key_id).first()


def token_from_secret(secret: str, ip: str | None, *, cached: bool = False) -> ApiToken:
    """Find the active token for a presented secret or raise AuthenticationFailed.

    The secret is checked first and only failures count against ``ip``: a right secret is
    never refused for the failures of others behind the same address (a proxy, a NAT).
    ``cached``: an org-owned token may be answered from its cached facts
    (``accounts.token_facts``), its secret checked against them, when its use from ``ip``
    is recorded within the minute."""
    parsed = tokens.parse(secret)
    if cached and parsed is not None and settings.INDEX_CACHE_SHARED:
        facts = token_facts.facts_get(parsed[0])
        if (facts is not None and facts.matches(parsed[1]) and facts.is_active
                and facts.used_lately(ip)):
            return facts.as_token()
    token = None
    if parsed is not None:
        token = token_with_user(parsed[0])
    if token is None or not tokens.secret_matches(parsed[1], token.secret_hash):
        raise _refuse(ip)
    if token.revoked_at is not None:
        raise AuthenticationFailed("This API token has been revoked.", status=403)
    if token.is_expired:
        raise AuthenticationFailed(
            f"This API token expired at {token.expires_at:%Y-%m-%d %H:%M} UTC.", status=403
        )
    if token.user is not None and not token.user.is_active:
        raise AuthenticationFailed("The owner of this API token is disabled.", status=403)
    if _touch(token, ip) and settings.INDEX_CACHE_SHARED:
        token_facts.facts_store(token)  # the cache front answers it for the next minute
    return token


def _touch(token: ApiToken, ip: str | None) -> bool:
    """Record the token's use, at most once a minute per token and address, so reads do not
    turn into writes; whether it wrote."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < 60 \
            and token.last_used_ip == ip:
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
    return True


def principal_from_request(request, *, allow_session: bool = True) -> Principal:
    """The principal for a request: a token if one is presented, else the session user.

    ``registry.fastpath.IndexFastPath`` marks the index's reads with ``index_read``: there
    an org-owned token's cached facts stand for its row (``token_from_secret``)."""
    ip = client_ip(request)
    secret = presented_secret(request)
    if secret:
        token = token_from_secret(secret, ip, cached=getattr(request, "index_read", False))
        return Principal(user=token.user, token=token, ip=ip)
    user = getattr(request, "user", None)
    if allow_session and user is not None and user.is_authenticated and user.is_active:
        return Principal(user=user, ip=ip)
    return Principal(ip=ip) if ip else ANONYMOUS
