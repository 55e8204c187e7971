import pytest
from rest_framework.test import APIClient

from tests.factories import OrgFactory, ProjectFactory, member, token_for


@pytest.fixture
def org(db):
    return OrgFactory(slug="acme")


@pytest.fixture
def owner(org):
    return member(org, "owner", username="olive")


@pytest.fixture
def admin(org, owner):
    return member(org, "admin", username="adam")


@pytest.fixture
def plain_member(org, owner):
    return member(org, "member", username="mia")


@pytest.fixture
def project(org):
    return ProjectFactory(org=org, name="Widgets", visibility="private")


def client_for(user=None, token: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def as_user():
    return client_for


@pytest.fixture
def as_token():
    def make(org, user=None, permission="admin", projects=None):
        return client_for(token=token_for(org, user, permission, projects)[1])
    return make


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
