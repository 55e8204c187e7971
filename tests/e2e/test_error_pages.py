"""The live server (production mode) answers errors with its own short pages."""

import http.client
import urllib.parse

import pytest

from tests.config.test_error_pages import BROWSER, CLIENTS, DEBUG_MARKS

pytestmark = pytest.mark.e2e


def fetch(registry, path: str, accept: str, host: str | None = None):
    url = urllib.parse.urlsplit(registry.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Accept": accept, **({"Host": host} if host else {})}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type"), response.read().decode()


@pytest.mark.parametrize("path,host,status", [
    ("/no/such/page/", None, 404),
    ("/nosuchorg/project/nothing/", None, 404),
    ("/", "evil.example", 400),
])
def test_clients_get_plain_text_and_browsers_a_page(registry, path, host, status):
    for accept in (CLIENTS["pip"], CLIENTS["twine"], BROWSER):
        got, content_type, body = fetch(registry, path, accept, host)
        assert got == status
        expected = "text/html" if accept == BROWSER else "text/plain"
        assert content_type.startswith(expected), (accept, content_type)
        assert len(body) < 3000 and not any(mark in body for mark in DEBUG_MARKS), body
