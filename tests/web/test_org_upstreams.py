"""/{org}/-/upstreams/: an org admin's page of upstream indexes, patterns and policy."""

import pytest

from registry.models import Upstream, UpstreamPattern, UpstreamPolicy
from registry.upstream import services
from tests.factories import OrgFactory, member

pytestmark = pytest.mark.django_db
URL = "/acme/-/upstreams/"
SECRET = "s3cret-pass-word"


@pytest.fixture
def org():
    return OrgFactory(slug="acme")


@pytest.fixture
def admin_client(client, org):
    client.force_login(member(org, "admin"))
    return client


class TestUpstreamsPage:
    def test_an_admin_adds_an_upstream_a_pattern_and_sets_the_policy(self, admin_client):
        response = admin_client.post(URL, {"form": "upstream", "url": "http://upstream.invalid/s",
                                           "username": "ci", "password": SECRET}, follow=True)
        assert "http://upstream.invalid/s/ is upstream number 1." in response.content.decode()
        assert Upstream.objects.get().username == "ci"
        admin_client.post(URL, {"form": "pattern", "kind": "reserved", "pattern": "acme-*"})
        admin_client.post(URL, {"form": "policy", "allow_list_only": "on"})
        assert UpstreamPattern.objects.get().pattern == "acme-*"
        assert UpstreamPolicy.objects.get().allow_list_only
        page = admin_client.get(URL).content.decode()
        assert "acme-*" in page and "http://upstream.invalid/s/" in page and SECRET not in page

    def test_a_bad_url_is_shown_on_the_form(self, admin_client):
        response = admin_client.post(URL, {"form": "upstream", "url": "nope"})
        assert response.status_code == 400
        assert "is not an http(s) URL" in response.content.decode()

    def test_remove(self, admin_client, org):
        upstream = services.upstream_add(org=org, url="http://upstream.invalid/")
        pattern = services.pattern_add(org=org, kind="deny", pattern="evil-*")
        admin_client.post(f"{URL}{upstream.pk}/remove/")
        admin_client.post(f"{URL}patterns/{pattern.pk}/remove/")
        assert not Upstream.objects.exists() and not UpstreamPattern.objects.exists()

    def test_the_refusal_counter_is_shown(self, admin_client, org):
        UpstreamPolicy.objects.create(org=org, refusals=7)
        assert '<strong id="refusals">7</strong>' in admin_client.get(URL).content.decode()

    def test_a_plain_member_is_refused_and_an_outsider_sees_no_org(self, client, org):
        client.force_login(member(org))
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"form": "upstream", "url": "http://x/"}).status_code == 403
        assert not Upstream.objects.exists()
        client.force_login(member(OrgFactory(), "owner"))
        assert client.get(URL).status_code == 404

    def test_in_the_org_navigation_for_admins_only(self, admin_client, client, org):
        assert 'href="/acme/-/upstreams/"' in admin_client.get("/acme/-/teams/").content.decode()
