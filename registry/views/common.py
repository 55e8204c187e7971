"""Request plumbing shared by the registry's views: org lookup, principal, errors."""

import functools

from django.http import Http404, HttpResponse

from accounts.authentication import AuthenticationFailed, presented_secret, principal_from_request
from accounts.models import Organization
from accounts.principals import Principal
from accounts.selectors import org_get

# One realm for the whole instance: pip and uv look credentials up by URL and host, not by
# realm, and a realm per org would tell an unknown org from a known one.
CHALLENGE = 'Basic realm="wheelhouse"'
CHALLENGE_TEXT = ("Authentication required: use __token__ as the username and a token "
                  "with read permission as the password.\n")


def auth_error(exc: AuthenticationFailed) -> HttpResponse:
    response = HttpResponse(exc.message + "\n", status=exc.status,
                            content_type="text/plain; charset=utf-8")
    response.reason_phrase = exc.message
    if exc.status == 401:
        response["WWW-Authenticate"] = CHALLENGE
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def resolve(request, org_slug: str) -> tuple[Organization, Principal]:
    """The org (404 when unknown) and the principal; raises AuthenticationFailed."""
    org = org_get(org_slug)
    if org is None:
        raise Http404("No such organisation.")
    return org, principal_from_request(request)


def is_anonymous(request) -> bool:
    """No token presented and nobody signed in (a Basic header without a password counts
    as none: pip sends only the username of an index URL until it is challenged)."""
    try:
        if presented_secret(request):
            return False
    except AuthenticationFailed:
        return False  # a malformed header: the view refuses it with its reason
    return principal_from_request(request).is_anonymous


def challenge() -> HttpResponse:
    response = HttpResponse(CHALLENGE_TEXT, status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = CHALLENGE
    return response


def challenges_anonymous(view):
    """The view, with its 404s answered to anonymous callers as a 401 challenge.

    An anonymous caller gets the page or the challenge, never a 404: the same answer for
    an unknown name and one it may not read, and the 401 that makes pip and uv ask their
    keyring for credentials. Callers with credentials keep the 404.
    """

    @functools.wraps(view)
    def challenged(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if is_anonymous(request):
                return challenge()
            raise

    return challenged
