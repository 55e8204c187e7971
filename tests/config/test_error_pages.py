"""Error answers in production mode (DEBUG off): the project's own short pages, plain text
for packaging clients and HTML for browsers, and never Django's debug page."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.error_urls")]

BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
           "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
CLIENTS = {
    "pip": ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1,"
            " text/html; q=0.01"),
    "uv": ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2,"
           " text/html;q=0.01"),
    "twine": "*/*",
    "none": None,
    "json": "application/json",
}
DEBUG_MARKS = ("Traceback", "DEBUG = True", "technical_500", "Request Method:", "URLconf",
               "a secret detail", "Django tried these URL patterns")


def get(path: str, accept: str | None, **extra):
    client = Client(raise_request_exception=False)
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    return client.get(path, **headers, **extra)


def assert_no_debug_page(response):
    body = response.content.decode()
    for mark in DEBUG_MARKS:
        assert mark not in body, mark


CASES = [
    # path, extra, status, what the page says
    ("/test-fails/", {}, 500, "Server error"),
    ("/test-refuses/", {}, 403, "Only the owner may see this."),
    ("/test-refuses-silently/", {}, 403, "Forbidden"),
    ("/no/such/page/anywhere/", {}, 404, "Not found"),
    ("/test-misses/", {}, 404, "No such widget."),
    ("/", {"HTTP_HOST": "evil.example"}, 400, "Bad request"),
]


class TestPackagingClients:
    @pytest.mark.parametrize("client", CLIENTS)
    @pytest.mark.parametrize("path,extra,status,says", CASES)
    def test_get_one_line_of_plain_text(self, client, path, extra, status, says):
        response = get(path, CLIENTS[client], **extra)
        assert response.status_code == status
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        body = response.content.decode()
        assert says in body and body.count("\n") == 1 and len(body) < 200
        assert_no_debug_page(response)


class TestBrowsers:
    @pytest.mark.parametrize("path,extra,status,says", CASES)
    def test_get_a_short_page_of_the_site(self, path, extra, status, says):
        response = get(path, BROWSER, **extra)
        assert response.status_code == status
        assert response["Content-Type"] == "text/html; charset=utf-8"
        body = response.content.decode()
        assert says in body and "<main" in body and "Wheelhouse" in body
        assert f"<title>{status} " in body
        assert_no_debug_page(response)

    def test_a_signed_in_user_sees_who_they_are_on_a_404(self):
        user = UserFactory(username="wanda")
        client = Client()
        client.force_login(user)
        response = client.get("/no/such/page/anywhere/", HTTP_ACCEPT=BROWSER)
        assert response.status_code == 404 and "wanda" in response.content.decode()


class TestCsrfFailure:
    def test_is_a_403_that_says_why(self):
        client = Client(enforce_csrf_checks=True)
        for accept, content_type in ((BROWSER, "text/html"), ("*/*", "text/plain")):
            response = client.post("/accounts/login/", {"username": "a", "password": "b"},
                                   HTTP_ACCEPT=accept)
            assert response.status_code == 403
            assert response["Content-Type"].startswith(content_type)
            assert "CSRF cookie not set" in response.content.decode()
            assert_no_debug_page(response)
