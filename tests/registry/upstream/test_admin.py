import pytest
from django.test import Client

from registry.models import Upstream
from registry.upstream import credentials
from tests.factories import OrgFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client():
    client = Client()
    client.force_login(UserFactory(username="mod", is_staff=True, is_superuser=True))
    return client


def test_a_moderator_adds_an_upstream_with_an_encrypted_password(moderator_client):
    org = OrgFactory()
    response = moderator_client.post("/admin/registry/upstream/add/", {
        "org": org.pk, "url": "http://127.0.0.1:9/simple/", "position": 0, "username": "u",
        "new_password": "pw"})
    assert response.status_code == 302, response.content.decode()[:2000]
    upstream = Upstream.objects.get()
    assert credentials.decrypt(upstream.password_encrypted) == "pw"
    assert "pw" not in upstream.password_encrypted


@pytest.mark.parametrize("model", ["upstream", "upstreampattern", "upstreampolicy",
                                   "heldname", "upstreampage", "upstreamfile"])
def test_every_page_is_listed(moderator_client, model):
    assert moderator_client.get(f"/admin/registry/{model}/").status_code == 200
