import uuid

import pytest
import redis

from tests.factories import OrgFactory, member, token_for


@pytest.fixture
def acme(settings):
    """An org with an upload token of one of its admins: (org, plaintext token)."""
    settings.UPLOAD_WAIT_SECONDS = 10
    org = OrgFactory(slug="acme")
    user = member(org, "admin")
    _token, plaintext = token_for(org, user, "upload")
    return org, plaintext


REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def with_redis(settings):
    """Announcements through the machine's Redis, under a prefix of this test's own.

    ``.ci/run`` starts Redis; on a machine without one (the embedded default needs none)
    these tests are skipped and the polling path below still runs.
    """
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = REDIS_TEST_URL
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    return client
