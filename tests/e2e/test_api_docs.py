"""The live server (production mode, collected static files) serves the API docs' files."""

import urllib.request

import pytest

from tests.config.test_api_docs import assets_of

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def test_the_docs_page_and_every_file_it_loads_are_served(registry):
    status, page = get(registry.url + "/api/docs/")
    assert status == 200 and b"://" not in page
    assets = assets_of(page.decode())
    assert any("swagger-ui-bundle" in asset for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        status, body = get(registry.url + asset)
        assert status == 200 and body, asset
