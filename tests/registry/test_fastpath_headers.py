"""Every fast route answers as the full middleware stack does, header for header.

The same request goes through the production WSGI application (config/wsgi.py: the cache
hits' short-circuit, then ``IndexFastPath`` first among the middleware) and through a plain
Django handler built from ``settings.MIDDLEWARE`` without the fast path. Status, headers
(all but Date) and body must agree, so a middleware added to the stack later cannot be
skipped by the fast path without this failing.
"""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver

from registry import fastpath
from registry.fastpath import FAST_ROUTES
from registry.storage import url_path
from tests.conftest import basic_auth
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, stored_file, token_for

pytestmark = pytest.mark.django_db
JSON = "application/vnd.pypi.simple.v1+json"
FAST_PATH = "registry.fastpath.IndexFastPath"


def route_names(patterns=None) -> set[str]:
    names = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            names |= route_names(entry.url_patterns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
    return names


def call(application, path: str, **extra) -> tuple[str, dict, bytes]:
    path, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
               "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
               "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "SERVER_PROTOCOL": "HTTP/1.1", **extra}
    started = []
    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, lambda status, headers: started.append((status,
                                                                                headers)))
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, headers = started[0]
    return status, {k: v for k, v in headers if k != "Date"}, body


@pytest.fixture
def stacks(settings):
    """(the production application, the full stack without the fast path)."""
    from config.wsgi import application

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != FAST_PATH]
    full = WSGIHandler()
    settings.MIDDLEWARE = [FAST_PATH, *settings.MIDDLEWARE]
    return application, full


@pytest.fixture(params=["shared", "process-local"])
def cache_mode(request, settings):
    settings.INDEX_CACHE_SHARED = request.param == "shared"


@pytest.fixture
def world():
    acme = OrgFactory(slug="acme", default_visibility="public")
    demo = ProjectFactory(org=acme, name="demo", visibility="public")
    wheel = stored_file(ReleaseFactory(project=demo, version="1.0"),
                        filename="demo-1.0-py3-none-any.whl")
    hidden = ProjectFactory(org=acme, name="hidden", visibility="private")
    secret = stored_file(ReleaseFactory(project=hidden, version="1.0"),
                         filename="hidden-1.0-py3-none-any.whl")
    _, reader = token_for(acme, permission="read")
    _, outsider = token_for(OrgFactory(slug="other"), permission="read")
    return {"wheel": f"/acme/files/{url_path(wheel.blake2_256_digest, wheel.filename)}",
            "secret": f"/acme/files/{url_path(secret.blake2_256_digest, secret.filename)}",
            "reader": basic_auth(reader), "outsider": basic_auth(outsider)}


def requests_of(world) -> dict[str, list[tuple[str, dict]]]:
    """For each fast route: what pip, uv and browsers send it, with and without a token."""
    wheel, secret = world["wheel"], world["secret"]
    callers = [{}, {"HTTP_ACCEPT": JSON}, {"HTTP_ACCEPT": "text/html"}, world["reader"],
               {**world["reader"], "HTTP_ACCEPT": JSON}, world["outsider"],
               {"HTTP_AUTHORIZATION": "Basic eDp5"}]
    paths = {
        "simple-index": ["/acme/simple/", "/nobody/simple/", "/acme/simple/?format=" + JSON],
        "simple-project": ["/acme/simple/demo/", "/acme/simple/Demo/", "/acme/simple/hidden/",
                           "/acme/simple/ghost/", "/nobody/simple/demo/"],
        "file": [wheel, wheel + ".metadata", secret, wheel.replace("demo-1.0", "ghost-1.0")],
        "json-project": ["/acme/pypi/demo/json", "/acme/pypi/Demo/json",
                         "/acme/pypi/hidden/json"],
        "json-release": ["/acme/pypi/demo/1.0/json", "/acme/pypi/demo/9/json",
                         "/acme/pypi/hidden/1.0/json"],
    }
    extras = {"file": [{"HTTP_RANGE": "bytes=0-3"}, {"HTTP_IF_NONE_MATCH": "*"}],
              "simple-project": [{"HTTP_IF_NONE_MATCH": "*"}, {"HTTP_IF_MATCH": '"x"'},
                                 {"HTTP_HOST": "evil.example"}]}
    return {name: [(path, caller) for path in each for caller in callers + extras.get(name, [])]
            for name, each in paths.items()}


def test_the_fast_routes_are_named_in_the_url_conf():
    assert route_names() >= FAST_ROUTES


def test_every_fast_route_is_exercised_here(world):
    assert set(requests_of(world)) == FAST_ROUTES


@pytest.mark.parametrize("name", sorted(FAST_ROUTES))
def test_the_fast_path_answers_as_the_full_stack(stacks, world, cache_mode, name, settings,
                                                  monkeypatch):
    hits = []
    real = fastpath._cache_hit
    tokened = []  # hits for requests with a token
    monkeypatch.setattr(fastpath, "_cache_hit",
                        lambda environ: hits.append(real(environ)) or tokened.append(
                            hits[-1] is not None and "HTTP_AUTHORIZATION" in environ)
                        or hits[-1])
    fast, full = stacks
    for path, extra in requests_of(world)[name]:
        for _ in range(3):  # a miss, then (where it is cached) hits
            through_fast = call(fast, path, **extra)
            through_full = call(full, path, **extra)
            assert through_fast == through_full, (path, extra)
    if settings.INDEX_CACHE_SHARED and name.startswith("simple-"):
        assert any(hits), "no request was answered before Django"
    if settings.INDEX_CACHE_SHARED and name.startswith("simple-"):
        assert any(tokened), "no token request was answered before Django"


def stamping(get_response):
    """A middleware a later change might add: it marks every answer."""

    def middleware(request):
        response = get_response(request)
        response["X-Stamped"] = "yes"
        return response

    return middleware


def test_a_middleware_added_to_the_setting_runs_on_the_fast_path(settings, world):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.stamping"]
    handler = WSGIHandler()
    for path in ["/acme/simple/demo/", world["wheel"], "/acme/pypi/demo/json"]:
        _, headers, _ = call(handler, path, **world["reader"])
        assert headers["X-Stamped"] == "yes", path
