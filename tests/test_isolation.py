"""Tenant isolation: org A's principals get nothing of org B's private objects, on any URL.

Every URL pattern of the project is walked; its parameters are filled with org B's values.
A session user, a user token and an org token of org A then GET it (and, for the management
API, also try to change it): the answer is never a success that carries org B's data, and
org-scoped API answers are 404 (never 403: no existence oracle).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import invitations
from accounts.principals import Principal
from registry.models import ProjectGrant, Upstream, UpstreamPattern
from registry.storage import url_path
from tests.conftest import basic_auth
from tests.factories import (
    FileFactory,
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    TeamFactory,
    member,
    token_for,
)

MARKER = "zebrasecret"
# admin: staff only; invitation keys and verification links are secrets.
SKIPPED = {"admin", "accounts/reset", "accounts/invitations", "accounts/verify"}
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def all_patterns(patterns=None, prefix=""):
    """Every route of the project, as (route text, name)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def org_b_world():
    # The org itself is not secret (its simple index serves public projects to anyone).
    org = OrgFactory(slug="bravo", default_visibility="private")
    owner = member(org, "owner", username=f"{MARKER}-owner")
    project = ProjectFactory(org=org, name=f"{MARKER}-lib", visibility="private")
    release = ReleaseFactory(project=project, version="1.0")
    file = FileFactory(release=release)
    team = TeamFactory(org=org, slug=f"{MARKER}-team")
    grant = ProjectGrant.objects.create(project=project, team=team, permission="upload")
    token, _ = token_for(org, owner, "admin")
    invitation, _ = invitations.invitation_create(org=org, email="b@example.com",
                                                  principal=Principal(user=owner))
    upstream = Upstream.objects.create(org=org, url="http://upstream.invalid/simple/")
    pattern = UpstreamPattern.objects.create(org=org, kind="reserved", pattern=f"{MARKER}-*")
    aa, bb, rest, filename = url_path(file.blake2_256_digest, file.filename).split("/")
    return {"org": org.slug, "project": project.name, "version": "1.0",
            "filename": file.filename, "aa": aa, "bb": bb, "rest": rest, "team": team.slug,
            "username": owner.username, "key_id": token.key_id, "grant_id": grant.pk,
            "invitation_id": invitation.pk, "upstream_id": upstream.pk,
            "pattern_id": pattern.pk}


def urls_for(values):
    for route, _name in all_patterns():
        if any(route.startswith(skip) for skip in SKIPPED):
            continue
        path = "/" + PARAM.sub(lambda m: str(values[m.group(1)]), route)
        yield route, path.replace("^", "").replace("$", "")


@pytest.fixture
def principals(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_a = OrgFactory(slug="alpha")
    owner_a = member(org_a, "owner", username="alpha-owner")
    _, user_token = token_for(org_a, owner_a, "admin")
    _, org_token = token_for(org_a, None, "admin")
    client.force_login(owner_a)
    return {"session": (client, {}), "user token": (client, basic_auth(user_token)),
            "org token": (client, basic_auth(org_token))}


def _leaks(response) -> bool:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code < 400 and MARKER.encode() in body


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["session", "user token", "org token"])
def test_org_a_gets_nothing_of_org_b(kind, principals):
    values = org_b_world()
    client, headers = principals[kind]
    if kind != "session":
        client.logout()
    leaks, oracles = [], []
    for route, path in urls_for(values):
        response = client.get(path, **headers)
        if _leaks(response):
            leaks.append((path, response.status_code))
        if route.startswith("api/v1/orgs/<org:org>") and response.status_code not in (404, 405):
            oracles.append((path, response.status_code))
    assert leaks == [], "org B's data was served to org A"
    assert oracles == [], "org B's objects must be 404 to org A"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["session", "user token", "org token"])
@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_org_a_changes_nothing_of_org_b(kind, method, principals):
    values = org_b_world()
    client, headers = principals[kind]
    if kind != "session":
        client.logout()
    refused = []
    for route, path in urls_for(values):
        if not route.startswith("api/v1/orgs/<org:org>"):
            continue
        response = getattr(client, method)(path, {}, content_type="application/json",
                                           **headers)
        if response.status_code not in (404, 405):
            refused.append((path, response.status_code))
    assert refused == []
    from registry.models import Project

    assert Project.objects.filter(name=f"{MARKER}-lib").exists()
