"""Whoever creates a project can publish to it: a member who creates one (through the API,
the web UI or by uploading a new name with their own token) gets admin on it, as PyPI makes
the creator a project's owner and GitLab its maintainer. Owners and admins hold admin on
every project already; an org's own token creates for the org and makes no grant."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from registry.models import Project, ProjectGrant
from tests.corpus import build_wheel
from tests.factories import OrgFactory, member, token_for
from tests.uploads.uploading import upload

pytestmark = pytest.mark.django_db(transaction=True)  # uploads are queued on commit


@pytest.fixture
def org(settings):
    settings.UPLOAD_WAIT_SECONDS = 10
    return OrgFactory(slug="acme")


@pytest.fixture
def mia(org):
    member(org, "owner", username="olive")
    return member(org, "member", username="mia")


def grants() -> set[tuple[str, str | None, str]]:
    return {(g.project.normalized_name, g.user.username if g.user else None, g.permission)
            for g in ProjectGrant.objects.select_related("project", "user")}


class TestThroughTheApi:
    def test_a_member_creates_then_uploads_with_their_token(self, org, mia, tmp_path):
        client = APIClient()
        client.force_authenticate(mia)
        response = client.post("/api/v1/orgs/acme/projects/", {"name": "Mia.Lib"})
        assert response.status_code == 201, response.json()
        assert grants() == {("mia-lib", "mia", "admin")}
        _token, secret = token_for(org, mia, "upload")
        wheel = build_wheel(tmp_path, "mia.lib", "1.0")
        assert upload(org, secret, wheel, "Mia.Lib", "1.0").status_code == 200
        assert AuditEvent.objects.filter(action="grant.set", actor=mia).exists()

    def test_an_admin_needs_no_grant(self, org):
        client = APIClient()
        client.force_authenticate(member(org, "admin", username="adam"))
        assert client.post("/api/v1/orgs/acme/projects/", {"name": "lib"}).status_code == 201
        assert grants() == set()

    def test_an_org_token_makes_no_grant(self, org):
        _token, secret = token_for(org, None, "admin")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert client.post("/api/v1/orgs/acme/projects/", {"name": "lib"}).status_code == 201
        assert grants() == set()


class TestThroughAnUpload:
    def test_a_member_uploads_a_new_name_then_another_version(self, org, mia, tmp_path):
        _token, secret = token_for(org, mia, "upload")
        first = build_wheel(tmp_path, "fresh", "1.0")
        assert upload(org, secret, first, "fresh", "1.0").status_code == 200
        assert grants() == {("fresh", "mia", "admin")}
        second = build_wheel(tmp_path, "fresh", "2.0")
        assert upload(org, secret, second, "fresh", "2.0").status_code == 200
        assert Project.objects.get().releases.count() == 2

    def test_an_org_token_upload_makes_no_grant(self, org, tmp_path):
        _token, secret = token_for(org, None, "upload")
        wheel = build_wheel(tmp_path, "fresh", "1.0")
        assert upload(org, secret, wheel, "fresh", "1.0").status_code == 200
        assert grants() == set()
