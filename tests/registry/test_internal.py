"""What "internal" means: signed-in users who belong to some org of the instance.

Someone who merely signed up reads nothing internal through any door (simple index, files,
JSON API, web pages, management API), and cannot make themselves an insider by creating an
org. A member of another org reads it through the same doors: listings and the per-project
decision agree.
"""

import re

import pytest
from django.core import mail

from registry.storage import url_path
from tests.conftest import basic_auth
from tests.factories import (
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    member,
    stored_file,
    token_for,
)

PASSWORD = "a-long-unusual-passphrase"
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    org = OrgFactory(slug="acme")
    member(org, "owner", username="olive")
    files = {}
    for name, visibility in (("inside-lib", "internal"), ("open-lib", "public")):
        project = ProjectFactory(org=org, name=name, visibility=visibility)
        file = stored_file(ReleaseFactory(project=project, version="1.0"),
                           filename=f"{name.replace('-', '_')}-1.0-py3-none-any.whl")
        files[name] = f"/acme/files/{url_path(file.blake2_256_digest, file.filename)}"
    return files


def signed_up_outsider(client, settings):
    """Someone who signs up (open policy) and verifies their address: in no org."""
    settings.SIGNUP_POLICY = "open"
    response = client.post("/accounts/signup/", {
        "username": "newcomer", "email": "new@example.com",
        "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    link = re.search(r"http://\S+/accounts/verify/\S+/", mail.outbox[-1].body).group(0)
    assert client.get(link).status_code == 302
    return client


def reads(client, files, **headers) -> dict:
    """What each door answers about the internal project (True: it was there)."""
    root = client.get("/acme/simple/", **headers).content.decode()
    root_json = client.get("/acme/simple/", HTTP_ACCEPT=JSON, **headers).content.decode()
    org_page = client.get("/acme/", **headers).content.decode()
    assert "open-lib" in root and "open-lib" in root_json and "open-lib" in org_page
    return {
        "index": "inside-lib" in root,
        "index json": "inside-lib" in root_json,
        "org page": "inside-lib" in org_page,
        "project index": client.get("/acme/simple/inside-lib/", **headers).status_code == 200,
        "file": client.get(files["inside-lib"], **headers).status_code == 200,
        "json api": client.get("/acme/pypi/inside-lib/json", **headers).status_code == 200,
        "project page": client.get("/acme/project/inside-lib/", **headers).status_code == 200,
        "api project": client.get("/api/v1/orgs/acme/projects/inside-lib/",
                                  **headers).status_code == 200,
    }


NOTHING = dict.fromkeys(["index", "index json", "org page", "project index", "file",
                         "json api", "project page", "api project"], False)
EVERYTHING = dict.fromkeys(NOTHING, True)


@pytest.mark.django_db
class TestInternal:
    def test_a_freshly_signed_up_outsider_reads_nothing_internal(self, client, settings,
                                                                 world):
        outsider = signed_up_outsider(client, settings)
        assert reads(outsider, world) == NOTHING
        assert outsider.get(world["open-lib"]).status_code == 200

    def test_members_of_another_org_read_it_and_outsiders_still_do_not(self, client,
                                                                       settings, world):
        from django.test import Client

        elsewhere = Client()
        elsewhere.force_login(member(OrgFactory(slug="other"), "member"))
        assert reads(elsewhere, world) == EVERYTHING  # fills the cached pages first
        assert reads(signed_up_outsider(client, settings), world) == NOTHING

    def test_a_token_reads_internal_projects_only_in_its_own_org(self, client, world):
        """A token acts only in its own org: elsewhere it is worth an anonymous caller,
        even when its owner is an insider who reads the project in a session."""
        other = OrgFactory(slug="other")
        insider = member(other, "member")
        _, whole_org = token_for(other, insider, "read")
        assert reads(client, world, **basic_auth(whole_org)) == NOTHING
        _, scoped = token_for(other, insider, "admin", ["some-project"])
        assert reads(client, world, **basic_auth(scoped)) == NOTHING
        _, org_owned = token_for(other, None, "admin")
        assert reads(client, world, **basic_auth(org_owned)) == NOTHING

    def test_an_outsider_cannot_become_an_insider_by_creating_an_org(self, client, settings,
                                                                     world):
        outsider = signed_up_outsider(client, settings)
        response = outsider.post("/api/v1/orgs/", {"slug": "mine"},
                                 content_type="application/json")
        assert response.status_code == 403
        assert reads(outsider, world) == NOTHING

    def test_members_still_create_orgs(self, client, world):
        client.force_login(member(OrgFactory(slug="other"), "member"))
        response = client.post("/api/v1/orgs/", {"slug": "mine"},
                               content_type="application/json")
        assert response.status_code == 201

