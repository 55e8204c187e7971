"""The answers to 400, 403, 404 and 500 outside the APIs' own error bodies: one line of plain
text for packaging clients and scripts, a short page of the site for browsers. Never a
traceback or a settings dump, whatever went wrong."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

# What packaging clients and scripts ask for. A browser ranks text/html above all of these; a
# client that names none of them (twine and curl send */*) gets the first, plain text.
CLIENT_TYPES = ["text/plain", "application/json", "application/vnd.pypi.simple.v1+json",
                "application/vnd.pypi.simple.v1+html"]
DEFAULT_MESSAGES = {
    400: "Bad request: the server could not understand it.",
    403: "Forbidden: you may not do this.",
    404: "Not found.",
    500: "Server error: something went wrong on our side, and it has been logged.",
}


def wants_html(request) -> bool:
    return request.get_preferred_type([*CLIENT_TYPES, "text/html"]) == "text/html"


def error_response(request, status: int, message: str = "", *,
                   with_request: bool = True) -> HttpResponse:
    """The error answer for ``request``. Pages of 400 and 500 are drawn without the request's
    context (no session or user lookup), which may be what failed."""
    message = message or DEFAULT_MESSAGES[status]
    if not wants_html(request):
        return HttpResponse(message + "\n", status=status,
                            content_type="text/plain; charset=utf-8")
    context = {"status": status, "title": HTTPStatus(status).phrase, "message": message}
    page = render_to_string("errors.html", context, request if with_request else None)
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def _message_of(exception) -> str:
    """The sentence a view gave its Http404 or PermissionDenied (the project's own words)."""
    message = exception.args[0] if exception and exception.args else ""
    return message if isinstance(message, str) else ""


@requires_csrf_token
def bad_request(request, exception=None):
    # The exception's text may quote the request (a host name, a header): not repeated.
    return error_response(request, 400, with_request=False)


@requires_csrf_token
def permission_denied(request, exception=None):
    return error_response(request, 403, _message_of(exception))


@requires_csrf_token
def page_not_found(request, exception=None):
    return error_response(request, 404, _message_of(exception))


@requires_csrf_token
def server_error(request):
    return error_response(request, 500, with_request=False)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a 403 that names the reason, as Django's own page does."""
    return permission_denied(request, PermissionDenied(f"Forbidden: {reason}" if reason else ""))
