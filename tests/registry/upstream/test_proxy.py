"""Names the org does not own, through its one index URL, from a live upstream on 127.0.0.1."""

import hashlib
import json

import pytest

from accounts.models import AuditEvent
from registry import services as registry_services
from registry.models import HeldName, UpstreamFile, UpstreamPage, UpstreamPolicy
from registry.upstream import services
from tests.conftest import basic_auth
from tests.factories import OrgFactory, ProjectFactory, member, token_for

pytestmark = pytest.mark.django_db
JSON = "application/vnd.pypi.simple.v1+json"
WHEEL = "requests-2.0-py3-none-any.whl"


@pytest.fixture
def org(upstream_index):
    org = OrgFactory(slug="acme")
    services.upstream_add(org=org, url=upstream_index.url, trusted=True)
    return org


@pytest.fixture
def reader(org):
    return basic_auth(token_for(org, permission="read")[1])


def page(client, auth, name="requests", accept=JSON, org="acme"):
    return client.get(f"/{org}/simple/{name}/", HTTP_ACCEPT=accept, **auth)


def download(client, auth, url):
    response = client.get(url, **auth)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


class TestProxiedPages:
    def test_a_name_the_org_lacks_comes_from_the_upstream_with_wheelhouse_urls(
            self, client, reader, upstream_index):
        response = page(client, reader)
        assert response.status_code == 200
        data = json.loads(response.content)
        entry = data["files"][0]
        assert entry["url"] == f"/acme/files/upstream/requests/{WHEEL}"
        dist = upstream_index.projects["requests"][0]
        assert entry["hashes"]["sha256"] == dist.sha256
        assert entry["requires-python"] == ">=3.8"
        assert entry["core-metadata"]["sha256"] == hashlib.sha256(dist.metadata).hexdigest()
        assert entry["size"] == len(dist.body)
        assert data["versions"] == ["2.0"]
        assert upstream_index.asked("/simple/requests/") == ["/simple/requests/"]

    def test_html_for_pip(self, client, reader):
        response = page(client, reader, accept="text/html")
        assert response.status_code == 200
        assert f'href="/acme/files/upstream/requests/{WHEEL}#sha256=' in response.content.decode()

    def test_an_html_only_upstream(self, client, reader, upstream_index):
        upstream_index.html_only = True
        upstream_index.projects["requests"][0].yanked = "bad"
        entry = json.loads(page(client, reader).content)["files"][0]
        assert entry["yanked"] == "bad"
        assert entry["url"] == f"/acme/files/upstream/requests/{WHEEL}"

    def test_the_page_is_fetched_once_within_its_ttl(self, client, reader, upstream_index):
        for accept in (JSON, "text/html", JSON):
            assert page(client, reader, accept=accept).status_code == 200
        assert len(upstream_index.asked("/simple/requests/")) == 1

    def test_a_name_no_upstream_has(self, client, reader):
        assert page(client, reader, name="nothing-here").status_code == 404

    def test_an_org_without_upstreams_asks_nobody(self, client, upstream_index):
        OrgFactory(slug="plain")
        auth = basic_auth(token_for(OrgFactory._meta.model.objects.get(slug="plain"),
                                    permission="read")[1])
        assert page(client, auth, org="plain").status_code == 404
        assert upstream_index.log == []

    def test_the_instance_default(self, client, settings, upstream_index):
        settings.UPSTREAM_DEFAULT_URLS = [upstream_index.url]
        plain = OrgFactory(slug="plain")
        auth = basic_auth(token_for(plain, permission="read")[1])
        assert page(client, auth, org="plain").status_code == 200

    def test_status_carries_over(self, client, reader, upstream_index):
        upstream_index.status["requests"] = "deprecated"
        data = json.loads(page(client, reader).content)
        assert data["project-status"] == {"status": "deprecated", "reason": "said upstream"}


class TestReaders:
    def test_anonymous_callers_of_a_private_org_are_challenged(self, client, org,
                                                                 upstream_index):
        response = page(client, {})
        assert response.status_code == 401
        assert "WWW-Authenticate" in response
        assert upstream_index.log == []

    def test_anonymous_callers_of_a_public_org_read(self, client, org):
        org.default_visibility = "public"
        org.save()
        assert page(client, {}).status_code == 200

    def test_another_orgs_token_reads_nothing(self, client, org, upstream_index):
        other = OrgFactory()
        response = page(client, basic_auth(token_for(other, permission="read")[1]))
        assert response.status_code == 404
        assert upstream_index.log == []

    def test_a_member_and_a_scoped_token_read(self, client, org):
        ProjectFactory(org=org, name="app")
        client.force_login(member(org))
        assert page(client, {}).status_code == 200
        client.logout()
        scoped = basic_auth(token_for(org, permission="read", projects=["app"])[1])
        assert page(client, scoped).status_code == 200

    def test_proxied_names_are_not_the_orgs_projects(self, client, reader):
        page(client, reader)
        listing = client.get("/acme/simple/", HTTP_ACCEPT=JSON, **reader)
        assert "requests" not in listing.content.decode()


class TestGuard:
    def test_a_project_of_the_org_is_never_asked_upstream(self, client, org, reader,
                                                          upstream_index):
        ProjectFactory(org=org, name="acme-utils", visibility="private", restricted=True)
        outsider = member(org)
        client.force_login(outsider)
        assert page(client, {}, name="acme-utils").status_code == 404
        assert upstream_index.asked("acme-utils") == []
        assert UpstreamPolicy.objects.get(org=org).refusals == 1
        event = AuditEvent.objects.get(action="upstream.refuse")
        assert (event.target, event.data["reason"]) == ("acme-utils", "held")

    def test_a_deleted_project_holds_its_name(self, client, org, reader, upstream_index):
        project = registry_services.project_create(org=org, name="acme-utils")
        registry_services.project_delete(project=project, principal=None)
        assert HeldName.objects.filter(org=org, normalized_name="acme-utils").exists()
        assert page(client, reader, name="acme-utils").status_code == 404
        assert upstream_index.asked("acme-utils") == []

    def test_reserved_patterns(self, client, org, reader, upstream_index):
        services.pattern_add(org=org, kind="reserved", pattern="Acme_*")
        assert page(client, reader, name="acme-utils").status_code == 404
        assert page(client, reader, name="acme-utils").status_code == 404
        assert upstream_index.asked("acme-utils") == []
        assert UpstreamPolicy.objects.get(org=org).refusals == 2
        assert AuditEvent.objects.filter(action="upstream.refuse").count() == 1

    def test_allow_list_only(self, client, org, reader, upstream_index):
        services.policy_update(org=org, allow_list_only=True)
        services.pattern_add(org=org, kind="allow", pattern="acme-*")
        assert page(client, reader).status_code == 404
        assert page(client, reader, name="acme-utils").status_code == 200
        assert upstream_index.asked("/simple/requests/") == []

    def test_deny_list(self, client, org, reader, upstream_index):
        services.pattern_add(org=org, kind="deny", pattern="req*")
        assert page(client, reader).status_code == 404
        assert upstream_index.log == []

    def test_a_new_local_project_cuts_the_upstream_off_at_once(self, client, org, reader,
                                                               upstream_index):
        assert page(client, reader, name="acme-utils").status_code == 200
        response, _ = download(client, reader,
                               "/acme/files/upstream/acme-utils/acme_utils-9.0-py3-none-any.whl")
        assert response.status_code == 200
        registry_services.project_create(org=org, name="acme-utils")
        assert not UpstreamPage.objects.filter(normalized_name="acme-utils").exists()
        assert not UpstreamFile.objects.filter(normalized_name="acme-utils").exists()
        data = json.loads(page(client, reader, name="acme-utils").content)
        assert data["files"] == []
        response, _ = download(client, reader,
                               "/acme/files/upstream/acme-utils/acme_utils-9.0-py3-none-any.whl")
        assert response.status_code == 404


class TestFiles:
    URL = f"/acme/files/upstream/requests/{WHEEL}"

    def test_fetched_once_verified_kept_and_served_from_storage(self, client, reader,
                                                                upstream_index):
        dist = upstream_index.projects["requests"][0]
        page(client, reader)
        response, body = download(client, reader, self.URL)
        assert response.status_code == 200 and body == dist.body
        kept = UpstreamFile.objects.get(filename=WHEEL)
        assert (kept.sha256, kept.size) == (dist.sha256, len(dist.body))
        upstream_index.stop()
        response, body = download(client, reader, self.URL)
        assert response.status_code == 200 and body == dist.body
        assert len(upstream_index.asked("/files/" + WHEEL)) == 1

    def test_metadata(self, client, reader, upstream_index):
        dist = upstream_index.projects["requests"][0]
        response, body = download(client, reader, self.URL + ".metadata")
        assert response.status_code == 200 and body == dist.metadata
        download(client, reader, self.URL + ".metadata")
        assert len(upstream_index.asked(".metadata")) == 1

    def test_a_tampered_file_is_refused_and_not_kept(self, client, reader, upstream_index,
                                                     caplog):
        dist = upstream_index.projects["requests"][0]
        dist.served = dist.body[:-10] + b"x" * 10
        response = client.get(self.URL, **reader)
        with pytest.raises(Exception, match=WHEEL):
            b"".join(response.streaming_content)
        assert not UpstreamFile.objects.exists()
        assert "does not match its page" in caplog.text

    def test_a_tampered_metadata_file_is_refused(self, client, reader, upstream_index):
        page(client, reader)  # the page promises the metadata's sha256
        upstream_index.projects["requests"][0].metadata += b"Requires-Dist: evil\n"
        response = client.get(self.URL + ".metadata", **reader)
        assert response.status_code == 502
        assert b"does not match" in response.content

    def test_a_file_not_on_the_page(self, client, reader):
        assert client.get("/acme/files/upstream/requests/other-1.0.tar.gz",
                          **reader).status_code == 404

    def test_anonymous(self, client, org):
        assert client.get(self.URL).status_code == 401


class TestPrivateNetworks:
    def test_an_untrusted_upstream_never_reaches_a_private_address(self, client, reader, org,
                                                                    upstream_index):
        # As if its name had resolved elsewhere when it was added: refused when fetched.
        org.upstreams.update(trusted=False)
        assert page(client, reader).status_code == 502
        assert upstream_index.log == []

    def test_nor_do_the_file_urls_of_its_pages(self, client, reader, org, upstream_index):
        page(client, reader)
        org.upstreams.update(trusted=False)
        response = client.get(f"/acme/files/upstream/requests/{WHEEL}", **reader)
        assert response.status_code == 502
        assert upstream_index.asked("/files/") == []


class TestUpstreamDown:
    def test_a_warm_page_is_served_stale(self, client, reader, upstream_index, settings):
        assert page(client, reader).status_code == 200
        upstream_index.stop()
        settings.UPSTREAM_PAGE_TTL = 1  # every bucket is new: the page must be refetched
        UpstreamPage.objects.update(fetched_at="2000-01-01T00:00:00Z")
        response = page(client, reader)
        assert response.status_code == 200
        assert json.loads(response.content)["files"][0]["filename"] == WHEEL

    def test_a_cold_page_answers_502(self, client, reader, upstream_index):
        upstream_index.stop()
        response = page(client, reader)
        assert response.status_code == 502

    def test_the_breaker_skips_a_failing_upstream(self, client, reader, upstream_index,
                                                  settings):
        settings.UPSTREAM_BREAKER_FAILURES = 2
        port = upstream_index.server.server_address[1]
        upstream_index.stop()
        for name in ("a1", "a2"):
            assert page(client, reader, name=name).status_code == 502
        upstream_index.start(port)  # back, but skipped for the cool-down
        assert page(client, reader, name="requests").status_code == 502
        assert upstream_index.log == []
