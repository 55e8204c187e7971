"""/api/docs/ serves Swagger UI from the project's own static files, nothing from elsewhere."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assets_of(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_the_docs_page_loads_only_same_origin_files_that_exist():
    client = Client()
    response = client.get("/api/docs/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert "://" not in page  # no CDN, no other host
    assets = assets_of(page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset
