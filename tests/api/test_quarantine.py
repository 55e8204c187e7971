"""Quarantined files are hidden from every API listing except to org owners and admins in a
session (as quarantined projects are)."""

import pytest

from registry.models import ProjectGrant
from tests.api.conftest import client_for
from tests.factories import FileFactory, OrgFactory, ReleaseFactory, member, token_for

P = "/api/v1/orgs/acme/projects/widgets/"
CLEAN = "widgets-1.0-py3-none-any.whl"
HELD = "widgets-1.0.tar.gz"


@pytest.fixture
def held(project):
    project.visibility = "public"
    project.save()
    release = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=release, filename=CLEAN)
    FileFactory(release=release, filename=HELD, packagetype="sdist", quarantined=True)
    return project


def _listings(client) -> dict[str, list[str]]:
    """The filenames each API listing shows the client."""
    files = client.get(P + "files/")
    assert files.status_code == 200, files.content
    return {
        "files": [f["filename"] for f in files.json()["results"]],
        "by_version": [f["filename"] for f in client.get(P + "files/?version=1.0")
                       .json()["results"]],
        "releases": client.get(P + "releases/").json()["results"][0]["files"],
        "release": client.get(P + "releases/1.0/").json()["files"],
    }


def _principals(org, owner, admin, plain_member):
    grantee = member(org, "member", username="pat")
    ProjectGrant.objects.create(project=org.projects.get(), user=grantee, permission="admin")
    outsider = member(OrgFactory(slug="elsewhere"), "owner", username="otto")
    return {
        "member": client_for(plain_member),
        "project_admin_by_grant": client_for(grantee),
        "outsider": client_for(outsider),
        "owner_admin_token": client_for(token=token_for(org, owner, "admin")[1]),
        "admin_admin_token": client_for(token=token_for(org, admin, "admin")[1]),
        "org_admin_token": client_for(token=token_for(org, None, "admin")[1]),
        "scoped_admin_token": client_for(token=token_for(org, None, "admin", ["widgets"])[1]),
    }


class TestQuarantinedFiles:
    @pytest.mark.parametrize("who", ["owner", "admin"])
    def test_owners_and_admins_in_a_session_see_them(self, held, owner, admin, who):
        client = client_for(owner if who == "owner" else admin)
        for shown in _listings(client).values():
            assert sorted(shown) == sorted([CLEAN, HELD])
        answer = client.get(P + f"files/{HELD}/")
        assert answer.status_code == 200 and answer.json()["quarantined"] is True

    @pytest.mark.parametrize("who", ["member", "project_admin_by_grant", "outsider",
                                     "owner_admin_token", "admin_admin_token",
                                     "org_admin_token", "scoped_admin_token"])
    def test_everyone_else_sees_none(self, held, org, owner, admin, plain_member, who):
        client = _principals(org, owner, admin, plain_member)[who]
        for listing, shown in _listings(client).items():
            assert shown == [CLEAN], listing
        missing = client.get(P + "files/no-such-file.tar.gz/")
        hidden = client.get(P + f"files/{HELD}/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()

    def test_a_project_admin_cannot_delete_what_it_cannot_see(self, held, org, owner, admin,
                                                              plain_member):
        client = _principals(org, owner, admin, plain_member)["project_admin_by_grant"]
        assert client.delete(P + f"files/{HELD}/").status_code == 404
        assert org.projects.get().releases.get().files.filter(filename=HELD).exists()
