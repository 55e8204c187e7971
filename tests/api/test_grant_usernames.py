"""Granting to a username: an unknown user and a user outside the org get the same answer."""

import pytest

from accounts.models import User
from registry.models import ProjectGrant
from tests.api.conftest import client_for
from tests.factories import OrgFactory, UserFactory, member, token_for

GRANTS = "/api/v1/orgs/acme/projects/widgets/grants/"


@pytest.fixture
def granters(org, owner, admin, project):
    """Who may manage the project's grants: its admins (in a session or with a token) and an
    org admin."""
    project_admin = member(org, "member", username="pat")
    ProjectGrant.objects.create(project=project, user=project_admin, permission="admin")
    return {
        "project_admin": client_for(project_admin),
        "project_admin_token": client_for(token=token_for(org, project_admin, "admin")[1]),
        "scoped_admin_token": client_for(token=token_for(org, None, "admin", ["widgets"])[1]),
        "org_admin": client_for(admin),
    }


@pytest.fixture
def candidates(org):
    member(OrgFactory(slug="elsewhere"), "owner", username="otto")  # exists, another org
    UserFactory(username="loner")  # exists, in no org at all
    gone = member(org, "member", username="gone")  # a member, but disabled
    User.objects.filter(pk=gone.pk).update(is_active=False)
    return ["nobody", "otto", "loner", "gone"]


@pytest.mark.parametrize("who", ["project_admin", "project_admin_token",
                                 "scoped_admin_token", "org_admin"])
def test_one_answer_whatever_exists(granters, candidates, who):
    client = granters[who]
    answers = [client.post(GRANTS, {"user": name, "permission": "read"}, format="json")
               for name in candidates]
    assert {a.status_code for a in answers} == {400}
    bodies = [a.json() for a in answers]
    for name, body in zip(candidates, bodies, strict=True):
        assert body == {"detail": f"'{name}' is not a member of acme.",
                        "errors": {"user": [f"'{name}' is not a member of acme."]}}
    assert ProjectGrant.objects.count() == 1  # only the project admin's own


def test_a_member_is_granted(granters, plain_member):
    response = granters["project_admin"].post(
        GRANTS, {"user": plain_member.username, "permission": "upload"}, format="json")
    assert response.status_code == 201 and response.json()["user"] == plain_member.username
