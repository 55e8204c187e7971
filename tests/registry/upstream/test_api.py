"""/api/v1/orgs/{org}/upstreams/, upstream-patterns/, upstream-policy/, upstream-cache/."""

import pytest

from accounts.models import AuditEvent
from registry.models import Upstream, UpstreamPattern
from tests.api.conftest import client_for
from tests.factories import OrgFactory, member, token_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/acme/"


@pytest.fixture
def org():
    return OrgFactory(slug="acme")


@pytest.fixture
def admin(org):
    return client_for(member(org, "admin"))


class TestUpstreamsApi:
    def test_an_admin_adds_lists_and_removes(self, admin):
        created = admin.post(BASE + "upstreams/", {"url": "http://upstream.invalid/simple",
                                                   "username": "ci", "password": "pw"},
                             format="json")
        assert created.status_code == 201, created.content
        assert created.data["has_password"] is True and "password" not in created.data
        listed = admin.get(BASE + "upstreams/")
        assert [u["url"] for u in listed.data["results"]] == ["http://upstream.invalid/simple/"]
        gone = admin.delete(BASE + f"upstreams/{created.data['id']}/")
        assert gone.status_code == 200
        assert not Upstream.objects.exists()
        assert AuditEvent.objects.filter(action="upstream.add").get().actor is not None

    def test_an_org_admin_may_not_point_the_server_at_its_own_network(self, admin, settings):
        for url in ("http://127.0.0.1:6379/", "http://[::1]/simple/", "http://localhost/",
                    "http://169.254.169.254/latest/"):
            response = admin.post(BASE + "upstreams/", {"url": url}, format="json")
            assert response.status_code == 400, url
            assert "private network" in str(response.data["errors"]["url"])
        settings.UPSTREAM_BLOCK_PRIVATE_NETWORKS = False  # an instance on a trusted network
        assert admin.post(BASE + "upstreams/", {"url": "http://127.0.0.1:9/"},
                          format="json").status_code == 201

    def test_a_bad_url(self, admin):
        response = admin.post(BASE + "upstreams/", {"url": "not a url"}, format="json")
        assert response.status_code == 400
        assert "url" in response.data["errors"]

    def test_patterns_and_policy(self, admin):
        made = admin.post(BASE + "upstream-patterns/", {"kind": "reserved", "pattern": "Acme_*"},
                          format="json")
        assert made.status_code == 201 and made.data["pattern"] == "acme-*"
        assert admin.post(BASE + "upstream-patterns/", {"kind": "reserved", "pattern": "a/b"},
                          format="json").status_code == 400
        policy = admin.patch(BASE + "upstream-policy/", {"allow_list_only": True},
                             format="json")
        assert policy.data == {"allow_list_only": True, "refusals": 0, "cached_bytes": 0}
        assert admin.delete(BASE + f"upstream-patterns/{made.data['id']}/").status_code == 200
        assert not UpstreamPattern.objects.exists()

    def test_purge(self, admin):
        assert admin.delete(BASE + "upstream-cache/Requests/").status_code == 200
        assert AuditEvent.objects.get(action="upstream.purge").target == "requests"


class TestWhoMay:
    URLS = ["upstreams/", "upstream-patterns/", "upstream-policy/"]

    def test_a_plain_member_is_refused(self, org):
        client = client_for(member(org))
        for url in self.URLS:
            assert client.get(BASE + url).status_code == 403, url
        assert client.post(BASE + "upstreams/", {"url": "http://x/"},
                           format="json").status_code == 403

    def test_another_tenant_sees_nothing(self, org):
        other = OrgFactory()
        client = client_for(member(other, "owner"))
        for url in self.URLS:
            assert client.get(BASE + url).status_code == 404, url

    def test_anonymous(self, org):
        for url in self.URLS:
            assert client_for().get(BASE + url).status_code in (401, 403), url

    def test_a_scoped_admin_token_is_refused(self, org):
        _, secret = token_for(org, permission="admin", projects=["app"])
        assert client_for(token=secret).get(BASE + "upstreams/").status_code == 403

    def test_an_org_admin_token_may(self, org):
        _, secret = token_for(org, permission="admin")
        client = client_for(token=secret)
        assert client.post(BASE + "upstreams/", {"url": "http://upstream.invalid/"},
                           format="json").status_code == 201

    def test_a_read_token_reads_nothing_here(self, org):
        _, secret = token_for(org, permission="read")
        assert client_for(token=secret).get(BASE + "upstreams/").status_code == 403


class TestSchema:
    def test_documented(self, client):
        schema = client.get("/api/schema/").content.decode()
        for path in ("/api/v1/orgs/{org}/upstreams/", "/api/v1/orgs/{org}/upstream-policy/",
                     "/api/v1/orgs/{org}/upstream-patterns/{pattern_id}/"):
            assert path in schema
