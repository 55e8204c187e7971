"""Token reads answered before Django lose access the moment the token does.

The cache front answers a cached simple page for an org-owned token from its cached facts
(accounts.token_facts). These requests go through the production WSGI application with the
shared cache on, and check that a revoked, expired or deleted token, a wrong secret, or a
user's token whose owner lost the right, is refused at once, not after the facts expire.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts import services as account_services
from accounts import token_facts
from accounts.models import ApiToken
from accounts.principals import Principal
from registry import fastpath
from registry import services as registry_services
from registry.storage import url_path
from tests.conftest import basic_auth
from tests.factories import (
    MembershipFactory,
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    UserFactory,
    stored_file,
    token_for,
)
from tests.registry.test_fastpath_headers import call

pytestmark = pytest.mark.django_db
PAGE = "/acme/simple/secret/"


@pytest.fixture
def app(settings):
    settings.INDEX_CACHE_SHARED = True
    from config.wsgi import application

    return application


@pytest.fixture
def acme():
    org = OrgFactory(slug="acme", default_visibility="private")
    project = ProjectFactory(org=org, name="secret", visibility="private")
    stored_file(ReleaseFactory(project=project, version="1.0"),
                filename="secret-1.0-py3-none-any.whl")
    return org


@pytest.fixture
def answered_early(monkeypatch):
    """The requests the cache front answered, without Django."""
    hits = []
    real = fastpath._cache_hit

    def recording(environ):
        hit = real(environ)
        hits.append(hit is not None)
        return hit

    monkeypatch.setattr(fastpath, "_cache_hit", recording)
    return hits


def warm(app, auth: dict) -> None:
    """Read the page until the cache front answers it (the page and the facts are stored)."""
    for _ in range(2):
        status, _, _ = call(app, PAGE, **auth)
        assert status == "200 OK"


def test_an_org_token_read_is_answered_before_django(app, acme, answered_early,
                                                     django_assert_num_queries):
    _, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    with django_assert_num_queries(0):  # no token lookup, no last-use write
        for _ in range(5):
            status, headers, _ = call(app, PAGE, **basic_auth(secret))
            assert status == "200 OK"
    assert answered_early[-5:] == [True] * 5
    assert headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert headers["Vary"] == "Authorization, Accept"


def test_a_revoked_token_is_refused_at_once(app, acme):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    account_services.token_revoke(token=token)
    status, _, _ = call(app, PAGE, **basic_auth(secret))
    assert status.startswith("403")


def test_a_token_of_a_removed_member_is_refused_at_once(app, acme):
    user = UserFactory()
    MembershipFactory(org=acme, user=user, role="member")
    _, secret = token_for(acme, user=user, permission="read")
    warm(app, basic_auth(secret))
    account_services.membership_remove(org=acme, user=user, principal=Principal())
    status, _, _ = call(app, PAGE, **basic_auth(secret))
    assert status.startswith("403")


def test_a_token_of_a_disabled_user_is_refused_at_once(app, acme):
    user = UserFactory()
    MembershipFactory(org=acme, user=user, role="member")
    _, secret = token_for(acme, user=user, permission="read")
    warm(app, basic_auth(secret))
    user.is_active = False
    user.save(update_fields=["is_active"])
    status, _, _ = call(app, PAGE, **basic_auth(secret))
    assert status.startswith("403")


def test_a_removed_grant_takes_the_read_at_once(app, acme):
    project = acme.projects.get(name="secret")
    project.restricted = True
    project.save(update_fields=["restricted"])
    user = UserFactory()
    MembershipFactory(org=acme, user=user, role="member")
    grant = registry_services.grant_set(project=project, user=user, permission="read",
                                        principal=Principal())
    _, secret = token_for(acme, user=user, permission="read")
    warm(app, basic_auth(secret))
    registry_services.grant_remove(grant=grant, principal=Principal())
    status, _, _ = call(app, PAGE, **basic_auth(secret))
    assert status.startswith("404")


def test_an_expired_token_is_refused_though_its_facts_are_cached(app, acme, answered_early):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    key = f"tokfacts:{token.key_id}"
    facts = token_facts.TokenFacts(*cache.get(key))
    # Its expiry has passed since the facts were stored.
    cache.set(key, tuple(facts._replace(expires_at=time.time() - 1)), 60)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    status, _, _ = call(app, PAGE, **basic_auth(secret))
    assert answered_early[-1] is False
    assert status.startswith("403")


def test_a_wrong_secret_with_a_right_key_id_never_passes_and_counts(app, acme):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    status, _, _ = call(app, PAGE, **basic_auth(wrong), REMOTE_ADDR="10.9.9.9")
    assert status.startswith("401")
    assert cache.get("authfail:10.9.9.9") == 1


def test_a_deleted_org_takes_its_tokens_facts(app, acme):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    account_services.org_delete(org=acme, principal=Principal())
    assert token_facts.facts_get(token.key_id) is None


@pytest.fixture
def wheel_url(acme):
    file = acme.projects.get(name="secret").releases.get().files.get()
    return f"/acme/files/{url_path(file.blake2_256_digest, file.filename)}"


def test_an_org_token_download_reads_no_token_row(app, acme, wheel_url,
                                                  django_assert_num_queries):
    _, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    call(app, wheel_url, **basic_auth(secret))  # the file's facts are cached
    with django_assert_num_queries(0):
        status, _, body = call(app, wheel_url, **basic_auth(secret))
    assert status == "200 OK" and body.startswith(b"PK")


def test_a_revoked_token_downloads_nothing_at_once(app, acme, wheel_url):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    assert call(app, wheel_url, **basic_auth(secret))[0] == "200 OK"
    account_services.token_revoke(token=token)
    assert call(app, wheel_url, **basic_auth(secret))[0].startswith("403")


def test_an_org_token_root_page_is_answered_before_django(app, acme, answered_early,
                                                          django_assert_num_queries):
    _, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    call(app, "/acme/simple/", **basic_auth(secret))
    with django_assert_num_queries(0):
        status, headers, body = call(app, "/acme/simple/", **basic_auth(secret))
    assert status == "200 OK" and b"secret" in body
    assert answered_early[-1] is True
    assert headers["Cache-Control"] == "private, max-age=0, must-revalidate"


def test_a_revoked_token_gets_no_root_page_at_once(app, acme):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    assert call(app, "/acme/simple/", **basic_auth(secret))[0] == "200 OK"
    account_services.token_revoke(token=token)
    assert call(app, "/acme/simple/", **basic_auth(secret))[0].startswith("403")


def test_a_scoped_token_root_page_lists_only_its_scope(app, acme):
    ProjectFactory(org=acme, name="other", visibility="private")
    _, unscoped = token_for(acme, permission="read")
    _, scoped = token_for(acme, permission="read", projects=["secret"])
    for secret in (unscoped, unscoped, scoped, scoped):
        status, _, body = call(app, "/acme/simple/", **basic_auth(secret))
        assert status == "200 OK"
    assert b"secret" in body and b"other" not in body


def test_another_orgs_token_is_not_given_the_orgs_root_page(app, acme):
    _, own = token_for(acme, permission="read")
    _, foreign = token_for(OrgFactory(slug="beta"), permission="read")
    for _ in range(2):
        call(app, "/acme/simple/", **basic_auth(own))
    call(app, "/beta/simple/", **basic_auth(foreign))
    status, _, _ = call(app, "/acme/simple/", **basic_auth(foreign))
    assert status.startswith("404")


def test_a_token_deleted_in_the_admin_is_refused_at_once(app, acme, admin_client):
    token, secret = token_for(acme, permission="read")
    warm(app, basic_auth(secret))
    response = admin_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert call(app, PAGE, **basic_auth(secret))[0].startswith("401")


def test_an_org_deleted_in_the_admin_takes_its_tokens_facts(acme, admin_client):
    token, _ = token_for(acme, permission="read")
    token.last_used_at = timezone.now()
    token_facts.facts_store(token)  # stored by its last read
    assert token_facts.facts_get(token.key_id) is not None
    response = admin_client.post(
        "/admin/accounts/organization/", {"action": "delete_selected",
                                          "_selected_action": [acme.pk], "post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert token_facts.facts_get(token.key_id) is None
