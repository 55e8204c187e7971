"""Failed tokens never lock out valid ones, and client addresses behind proxies."""

import pytest
from django.test import RequestFactory

from accounts.authentication import FAILURE_LIMIT, client_ip
from accounts.models import ApiToken, AuditEvent
from tests.api.conftest import client_for
from tests.factories import OrgFactory, member, token_for

PROXY = "10.0.0.1"  # every request below arrives from the same reverse proxy
CLIENT_A, CLIENT_B = "203.0.113.5", "198.51.100.7"


def request_from(remote: str | None = PROXY, forwarded: str | None = None):
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", **extra)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


class TestClientAddress:
    def test_by_default_the_forwarded_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(request_from(forwarded=CLIENT_A)) == PROXY

    def test_one_trusted_proxy_takes_the_address_it_appended(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        # The client wrote the first entry itself; the proxy appended the last one.
        assert client_ip(request_from(forwarded=f"1.2.3.4, {CLIENT_A}")) == CLIENT_A

    def test_two_trusted_proxies_take_the_second_from_the_right(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        assert client_ip(request_from(forwarded=f"1.2.3.4,{CLIENT_A}, 10.9.9.9")) == CLIENT_A

    def test_ipv6_addresses_are_kept(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(request_from(forwarded="2001:db8::1")) == "2001:db8::1"

    @pytest.mark.parametrize("forwarded", [None, "", " , ", "not-an-address",
                                           "203.0.113.5:4711", "<script>", "1.2.3.4,,"])
    def test_a_missing_or_malformed_header_falls_back_to_the_peer(self, settings, forwarded):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(request_from(forwarded=forwarded)) == PROXY

    def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2  # the request skipped the outer proxy: not trusted
        assert client_ip(request_from(forwarded=CLIENT_A)) == PROXY

    def test_no_peer_address_at_all(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(request_from(remote=None)) is None


def _api(token: str, client: str | None = None):
    api = client_for(token=token)
    api.defaults["REMOTE_ADDR"] = PROXY
    if client is not None:
        api.defaults["HTTP_X_FORWARDED_FOR"] = client
    return api


def _fail(times: int, client: str | None = None) -> list[int]:
    bad = _api("whk_AAAAAAAAAAAAAAAA_" + "b" * 43, client)
    return [bad.get("/api/v1/orgs/").status_code for _ in range(times)]


@pytest.mark.django_db
class TestNoLockout:
    def test_others_failures_behind_one_proxy_never_refuse_a_valid_token(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0  # the operator did not say there is a proxy
        org = OrgFactory()
        _token, valid = token_for(org, member(org, "member"), "read")
        assert _fail(FAILURE_LIMIT + 5)[-1] == 429
        assert _api(valid).get("/api/v1/orgs/").status_code == 200

    def test_clients_behind_a_trusted_proxy_are_counted_apart(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        org = OrgFactory()
        _token, valid = token_for(org, member(org, "member"), "read")
        codes = _fail(FAILURE_LIMIT + 1, CLIENT_A)
        assert codes[:FAILURE_LIMIT] == [401] * FAILURE_LIMIT and codes[-1] == 429
        assert _fail(1, CLIENT_B) == [401]  # B has its own count
        assert _api(valid, CLIENT_B).get("/api/v1/orgs/").status_code == 200
        # The secret is checked first: A's own valid token works despite A's failures...
        assert _api(valid, CLIENT_A).get("/api/v1/orgs/").status_code == 200
        # ...while A's bad tokens stay refused with a time to wait.
        refused = _api("whk_AAAAAAAAAAAAAAAA_" + "c" * 43, CLIENT_A).get("/api/v1/orgs/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0

    def test_token_use_and_audit_record_the_client_not_the_proxy(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        org = OrgFactory(slug="acme")
        token, valid = token_for(org, member(org, "admin"), "admin")
        response = _api(valid, f"6.6.6.6, {CLIENT_A}").post(
            "/api/v1/orgs/acme/teams/", {"slug": "ci"}, format="json")
        assert response.status_code == 201
        assert ApiToken.objects.get(pk=token.pk).last_used_ip == CLIENT_A
        assert AuditEvent.objects.get(action="team.create").ip == CLIENT_A
