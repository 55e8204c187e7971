"""The index fast paths: a cache front for anonymous hits, and the first middleware.

pip and uv read ``/{org}/simple/...``, ``/{org}/pypi/.../json`` and ``/{org}/files/...`` with
GET, without a session cookie. Which URLs those are is the URL conf's to say: the routes named
in ``FAST_ROUTES``, as ``django.urls.resolve`` finds them.

``IndexFastPath``, first in ``settings.MIDDLEWARE``, sends such requests through every other
middleware of the setting except ``SKIPPED`` (those with nothing to do for them), straight to
the view the URL conf names. Everything else (any other method, any request with a session
cookie: the web UI, the API, the admin, uploads) takes the full stack.

``index_hits`` wraps the WSGI application (config/wsgi.py): a GET of a simple page that is in
the cache, for a project the caller may read (the same decision function,
``registry.views.simple.hidden_from``), is answered before Django builds a request, with the
headers the stack would send. The caller is anonymous, or presents an org-owned token whose
facts are cached (``accounts.token_facts``: its secret is checked on every request). Anything
else (a miss, a conditional request, a query string, other credentials, a session cookie, a
host not plainly allowed) goes on to Django unchanged.
tests/registry/test_fastpath_headers.py holds both to the full stack's answer, header for
header.
"""

import functools

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import get_path_info
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.module_loading import import_string
from packaging.utils import canonicalize_name

from accounts import token_facts, tokens
from accounts.authentication import AuthenticationFailed, address_of, secret_of
from accounts.principals import Principal
from registry import cache as index_cache
from registry.views import simple

# Names of routes in config/urls.py.
FAST_ROUTES = frozenset({"simple-index", "simple-project", "file", "json-project",
                         "json-release"})
# Middleware with nothing to do for a GET or HEAD without a session cookie: CSRF checks only
# unsafe methods, messages travel in the session, WhiteNoise serves only the static files.
SKIPPED = frozenset({"django.middleware.csrf.CsrfViewMiddleware",
                     "django.contrib.messages.middleware.MessageMiddleware",
                     "whitenoise.middleware.WhiteNoiseMiddleware"})


def route(path: str) -> ResolverMatch | None:
    """The URL conf's match for ``path`` when it is a fast route, else None."""
    return _route(settings.ROOT_URLCONF, path)


@functools.lru_cache(maxsize=1024)  # clients ask for the same pages; resolving costs ~35 µs
def _route(urlconf: str, path: str) -> ResolverMatch | None:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if match.url_name in FAST_ROUTES else None


class IndexFastPath:
    def __init__(self, get_response):
        self.get_response = get_response
        self.fast, self.view_middleware = self._chain()

    def _chain(self):
        """The rest of ``settings.MIDDLEWARE`` but ``SKIPPED``, around the routed view."""
        handler, view_middleware = convert_exception_to_response(self._view), []
        for path in reversed(settings.MIDDLEWARE):
            if path in SKIPPED or import_string(path) is type(self):
                continue
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                view_middleware.insert(0, middleware.process_view)
            handler = convert_exception_to_response(middleware)
        return handler, view_middleware

    def __call__(self, request):
        if (request.method in ("GET", "HEAD")
                and settings.SESSION_COOKIE_NAME not in request.COOKIES):
            match = route(request.path_info)
            if match is not None:
                request.resolver_match = match
                request.index_read = True  # accounts.authentication trusts cached token facts
                return self.fast(request)
        return self.get_response(request)

    def _view(self, request):
        match = request.resolver_match
        for process_view in self.view_middleware:
            response = process_view(request, match.func, match.args, match.kwargs)
            if response is not None:
                return response
        return match.func(request, *match.args, **match.kwargs)


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
            or any(key.startswith("HTTP_IF_") for key in environ)  # Django answers those
            or settings.SESSION_COOKIE_NAME + "=" in environ.get("HTTP_COOKIE", "")
            or not _plain_host(environ)):
        return None
    credentials = None
    if "HTTP_AUTHORIZATION" in environ:
        credentials = _credentials(environ)
        if credentials is None:
            return None
    found = route(get_path_info(environ))
    if found is None or found.url_name not in ("simple-index", "simple-project"):
        return None
    kwargs = found.kwargs
    ctype = simple.content_type_for(environ.get("HTTP_ACCEPT"))
    public = True
    if found.url_name == "simple-index":
        if credentials is None:
            page = simple.anonymous_root(kwargs["org"], ctype, environ)
        else:
            page, public = _token_root(kwargs["org"], ctype, credentials, environ), False
    elif canonicalize_name(kwargs["project"]) != kwargs["project"]:
        return None  # the view answers the redirect
    elif credentials is None:
        page = simple.anonymous_detail(kwargs["org"], kwargs["project"], ctype)
    else:
        page, public = _token_detail(kwargs["org"], kwargs["project"], ctype, credentials,
                                     environ)
    if page is None:
        return None
    headers = [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
    # The view reads the session (hence Vary: Cookie) only for callers without credentials.
    cookie = ", Cookie" if credentials is None else ""
    for name, value in simple.page_headers(page, public=public).items():
        headers.append((name, value + cookie if name == "Vary" else value))
    return page.body, headers + _security_headers()


def _credentials(environ) -> tuple[str, str] | None:
    """(key id, secret) of the token the request presents, when the cache front may answer
    for one; else None, and Django answers (and counts a wrong secret)."""
    if not index_cache.shared():
        return None
    try:
        secret = secret_of(environ["HTTP_AUTHORIZATION"])
    except AuthenticationFailed:
        return None
    return tokens.parse(secret) if secret else None


def _trusted(facts: token_facts.TokenFacts | None, secret: str,
             environ) -> token_facts.TokenFacts | None:
    """The token's cached facts when its secret matches them (compared in constant time),
    it is active by them and its use from this address is recorded within the minute."""
    if (facts is None or not facts.matches(secret) or not facts.is_active
            or not facts.used_lately(address_of(environ))):
        return None
    return facts


def _token_detail(org: str, normalized: str, ctype: str, credentials: tuple[str, str],
                  environ) -> tuple[index_cache.CachedPage | None, bool]:
    """The cached page of a project the token may read (the view's decision, over the
    token's and the project's cached facts, read in one round trip), and whether the
    project is public."""
    key_id, secret = credentials
    key = index_cache.project_page_key(org, normalized, "simple", ctype)
    lookup = index_cache.project_lookup(org, normalized, key, also=token_facts.keys(key_id))
    token = _trusted(token_facts.facts_from(lookup.also, key_id), secret, environ)
    if token is None or simple.hidden_from(Principal(token=token), lookup.route):
        return None, False
    return lookup.page(key), simple.is_public(lookup.route)


def _token_root(org: str, ctype: str, credentials: tuple[str, str],
                environ) -> index_cache.CachedPage | None:
    """The root page of the org's unscoped org-owned tokens, for such a token of this org
    (a token of another org names a class no view stores under this slug)."""
    key_id, secret = credentials
    token = _trusted(token_facts.facts_get(key_id), secret, environ)
    if token is None or token.projects:
        return None  # which projects the page lists is read from the database
    return index_cache.root_lookup(org, simple.org_token_class(token.org_id), ctype)[1]


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
