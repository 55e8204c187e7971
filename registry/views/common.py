"""Request plumbing shared by the registry's views: org lookup, principal, errors."""

from django.http import Http404, HttpResponse

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.models import Organization
from accounts.principals import Principal
from accounts.selectors import org_get


def auth_error(exc: AuthenticationFailed) -> HttpResponse:
    response = HttpResponse(exc.message + "\n", status=exc.status,
                            content_type="text/plain; charset=utf-8")
    response.reason_phrase = exc.message
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="wheelhouse"'
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def resolve(request, org_slug: str) -> tuple[Organization, Principal]:
    """The org (404 when unknown) and the principal; raises AuthenticationFailed."""
    org = org_get(org_slug)
    if org is None:
        raise Http404("No such organisation.")
    return org, principal_from_request(request)
