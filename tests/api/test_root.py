"""/api/v1/ lists the API's resources, for anyone (the schema at /api/schema/ is public too)."""

import re

import pytest
from django.test import Client
from django.urls import resolve

from tests.api.test_browsers import api_routes

pytestmark = pytest.mark.django_db


def test_the_root_lists_every_resource_with_its_url():
    response = Client().get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["docs"] == "http://testserver/api/docs/"
    resources = body["resources"]
    assert resources["orgs"] == "http://testserver/api/v1/orgs/"
    assert resources["projects"] == "http://testserver/api/v1/orgs/{org}/projects/"
    assert resources["release-yank"] == \
        "http://testserver/api/v1/orgs/{org}/projects/{project}/releases/{version}/yank/"
    assert len(resources) == len(api_routes()) - 1  # all but the root itself
    for name, url in resources.items():
        path = re.sub(r"\{\w+\}", "1", url.removeprefix("http://testserver"))
        assert resolve(path).url_name == f"api-{name}", url


def test_a_browser_gets_it_as_json():
    client = Client()
    response = client.get("/api/v1/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_unknown_paths_under_the_api_stay_json_404s():
    response = Client().get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["detail"] == "Not found."
