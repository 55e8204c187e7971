import pytest

from tests.factories import OrgFactory, member, token_for


@pytest.fixture
def acme(settings):
    """An org with an upload token of one of its admins: (org, plaintext token)."""
    settings.UPLOAD_WAIT_SECONDS = 10
    org = OrgFactory(slug="acme")
    user = member(org, "admin")
    _token, plaintext = token_for(org, user, "upload")
    return org, plaintext
