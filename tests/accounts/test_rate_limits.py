"""Every door that takes a password, or sends mail for one, is rate limited per client."""

import pytest
from django.core import mail

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _codes(client, url: str, data: dict, times: int) -> list[int]:
    return [client.post(url, data).status_code for _ in range(times)]


@pytest.mark.django_db
class TestAdminLogin:
    def test_admin_login_is_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 300)}
        UserFactory(username="olive", is_staff=True)
        codes = _codes(client, "/admin/login/", {"username": "olive", "password": "no"}, 4)
        assert codes == [200, 200, 200, 429]
        refused = client.post("/admin/login/", {"username": "olive", "password": "no"})
        assert int(refused["Retry-After"]) > 0
        assert client.get("/admin/login/").status_code == 200  # the form itself still shows

    def test_both_login_pages_share_one_count(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 300)}
        guess = {"username": "olive", "password": "no"}
        assert _codes(client, "/accounts/login/", guess, 2) == [200, 200]
        assert _codes(client, "/admin/login/", guess, 2) == [200, 429]

    def test_other_clients_still_log_in(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (1, 300)}
        UserFactory(username="olive", is_staff=True, is_superuser=True)
        guess = {"username": "olive", "password": "no"}
        assert _codes(client, "/admin/login/", guess, 2) == [200, 429]
        response = client.post("/admin/login/", {
            "username": "olive", "password": "correct horse battery staple"},
            REMOTE_ADDR="192.0.2.44")
        assert response.status_code == 302


@pytest.mark.django_db
class TestPasswordReset:
    def test_reset_requests_are_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": (2, 3600)}
        UserFactory(username="olive", email="olive@example.com")
        codes = _codes(client, "/accounts/password_reset/", {"email": "olive@example.com"}, 3)
        assert codes == [302, 302, 429]
        assert len(mail.outbox) == 2  # the refused request sent nothing
        assert client.get("/accounts/password_reset/").status_code == 200

    def test_setting_a_new_password_is_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": (2, 3600)}
        url = "/accounts/reset/MQ/set-password/"
        new = {"new_password1": "a-long-passphrase", "new_password2": "a-long-passphrase"}
        assert _codes(client, url, new, 3)[-1] == 429

    def test_the_default_limit_exists(self, settings):
        allowed, window = settings.RATE_LIMITS["password_reset"]
        assert allowed > 0 and window > 0
