"""The index fast paths: a WSGI wrapper for anonymous cache hits, and the first middleware.

pip and uv read ``/{org}/simple/...``, ``/{org}/pypi/.../json`` and ``/{org}/files/...`` with
GET, without a session cookie. For them the session, CSRF, auth and messages middleware have
nothing to do, so such requests go straight to the same views the URL conf names, and get the
same headers the full stack would add (security headers, ``X-Frame-Options``, ``Vary: Cookie``,
``Content-Length``). Everything else (any other method, any request with a session cookie:
the web UI, the API, the admin, uploads) takes the full stack with CSRF and sessions in force.

``index_hits`` wraps the WSGI application (config/wsgi.py): an anonymous GET of a simple page
that is in the cache, for a project anonymous callers may read (the same decision function,
``registry.views.simple.may_read``), is answered before Django builds a request, with the
headers the stack would send. Anything else (a miss, a 304, a query string, credentials, a
cookie of the session, a host not plainly allowed) goes on to Django unchanged.
"""

import re

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers
from packaging.utils import canonicalize_name

from registry.views import files, jsonapi, simple

# As in config/urls.py: the org converter's slug, after the paths matched before it.
_ORG = r"^/(?!(?:admin|accounts|api)/)(?P<org>[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?)/"
_PART = r"[^/]+"
ROUTES = [
    (re.compile(_ORG + r"simple/\Z"), simple.project_list),
    (re.compile(_ORG + rf"simple/(?P<project>{_PART})/\Z"), simple.project_detail),
    (re.compile(_ORG + rf"files/(?P<aa>{_PART})/(?P<bb>{_PART})/(?P<rest>{_PART})/"
                       rf"(?P<filename>{_PART})\Z"), files.download),
    (re.compile(_ORG + rf"pypi/(?P<project>{_PART})/json\Z"), jsonapi.project_json),
    (re.compile(_ORG + rf"pypi/(?P<project>{_PART})/(?P<version>{_PART})/json\Z"),
     jsonapi.release_json),
]


def route(path: str):
    """The view and its arguments for a fast-path URL, or None."""
    for pattern, view in ROUTES:
        match = pattern.match(path)
        if match:
            return view, match.groupdict()
    return None


class IndexFastPath:
    def __init__(self, get_response):
        self.get_response = get_response
        self.security = SecurityMiddleware(get_response)
        self.frames = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        if (request.method in ("GET", "HEAD")
                and settings.SESSION_COOKIE_NAME not in request.COOKIES):
            found = route(request.path_info)
            if found is not None:
                return self._finish(request, self._serve(request, *found))
        return self.get_response(request)

    def _serve(self, request, view, kwargs):
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
            return self.security.process_request(request) or view(request, **kwargs)
        except Exception as exc:  # noqa: BLE001 - turned into its response, as Django does
            return response_for_exception(request, exc)

    def _finish(self, request, response):
        if (not response.streaming and response.status_code != 304
                and not response.has_header("Content-Length")):
            response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ("Cookie",))  # the session middleware's, for a cache
        response = self.security.process_response(request, response)
        return self.frames.process_response(request, response)


def index_hits(application):
    """``application`` with anonymous cache hits of the simple API answered first."""

    def serve(environ, start_response):
        hit = _cache_hit(environ)
        if hit is None:
            return application(environ, start_response)
        body, headers = hit
        start_response("200 OK", headers)
        return [body]

    return serve


def _cache_hit(environ) -> tuple[bytes, list[tuple[str, str]]] | None:
    if (environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING")
            or "HTTP_AUTHORIZATION" in environ
            or any(key.startswith("HTTP_IF_") for key in environ)  # Django answers those
            or settings.SESSION_COOKIE_NAME + "=" in environ.get("HTTP_COOKIE", "")
            or not _plain_host(environ)):
        return None
    found = route(environ.get("PATH_INFO", ""))
    if found is None or found[0] not in (simple.project_list, simple.project_detail):
        return None
    view, kwargs = found
    ctype = simple.content_type_for(environ.get("HTTP_ACCEPT"))
    if view is simple.project_list:
        page = simple.anonymous_root(kwargs["org"], ctype, environ)
    elif canonicalize_name(kwargs["project"]) == kwargs["project"]:
        page = simple.anonymous_detail(kwargs["org"], kwargs["project"], ctype)
    else:
        return None  # the view answers the redirect
    if page is None:
        return None
    headers = [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
    for name, value in simple.page_headers(page, public=True).items():
        headers.append((name, value + ", Cookie" if name == "Vary" else value))
    return page.body, headers + _security_headers()


def _plain_host(environ) -> bool:
    """Whether Django would accept the Host header as it is (anything else goes to Django)."""
    if settings.USE_X_FORWARDED_HOST or settings.SECURE_SSL_REDIRECT \
            or settings.SECURE_HSTS_SECONDS:
        return False
    domain, _port = split_domain_port(environ.get("HTTP_HOST", ""))
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


_SECURITY: list[tuple[str, str]] = []


def _unused(request):  # the middleware only finishes a response here
    raise AssertionError("not called")


def _security_headers() -> list[tuple[str, str]]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to a plain HTTP response."""
    if not _SECURITY:
        request, response = HttpRequest(), HttpResponse()
        for middleware in (SecurityMiddleware, XFrameOptionsMiddleware):
            response = middleware(_unused).process_response(request, response)
        _SECURITY.extend((k, v) for k, v in response.items() if k != "Content-Type")
    return _SECURITY
