"""Every /api/v1/ route, opened in a browser (session, Accept: text/html): JSON, never a 500.

The routes come from the URL resolver, so a new one is covered the day it is added.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from registry.models import ProjectGrant
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, TeamFactory, token_for

BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
           "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")


def api_routes(patterns=None, prefix: str = "") -> list[URLPattern]:
    """Every named route under /api/v1/ (the catch-all 404 has no name)."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += api_routes(pattern.url_patterns, route)
        elif pattern.name and route.startswith("api/v1/"):
            found.append(pattern)
    return found


@pytest.fixture
def objects(org, owner):
    project = ProjectFactory(org=org, name="widgets", visibility="private")
    file = FileFactory(release=ReleaseFactory(project=project, version="1.0"))
    team = TeamFactory(org=org, slug="backend")
    grant = ProjectGrant.objects.create(project=project, team=team, permission="read")
    token, _ = token_for(org, owner, "admin")
    return {"org": org.slug, "project": project.name, "version": "1.0",
            "filename": file.filename, "team": team.slug, "username": owner.username,
            "grant_id": grant.pk, "key_id": token.key_id, "invitation_id": 999999,
            "upstream_id": 999999, "pattern_id": 999999}


def url_of(route: URLPattern, objects: dict) -> str:
    names = list(route.pattern.converters)
    missing = set(names) - set(objects)
    assert not missing, f"{route.name}: give the test a value for {missing}"
    return reverse(route.name, kwargs={name: objects[name] for name in names})


def test_the_routes_are_found():
    names = {route.name for route in api_routes()}
    assert {"api-orgs", "api-projects", "api-my-tokens", "api-audit-events"} <= names


@pytest.mark.parametrize("accept", [BROWSER, "text/html"])
def test_every_route_answers_a_browser_without_a_server_error(objects, owner, accept):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    for route in api_routes():
        url = url_of(route, objects)
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code < 500, (url, response.status_code)
        assert response["Content-Type"] == "application/json", url
        if accept == BROWSER and route.name != "api-invitation":
            assert response.status_code in (200, 405), (url, response.status_code)
        if accept == "text/html":  # a client that takes nothing but HTML is told so
            assert response.status_code == 406, (url, response.status_code)
