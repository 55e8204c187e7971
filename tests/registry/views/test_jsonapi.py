"""The PyPI JSON API views: documents, redirects, permissions, caching."""

import json

import pytest

from registry import moderation
from registry.services import release_yank
from tests.conftest import basic_auth
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, stored_file, token_for
from tests.registry.test_jsonapi import METADATA


@pytest.fixture
def project(db):
    org = OrgFactory(slug="acme", default_visibility="public")
    project = ProjectFactory(org=org, name="Demo", visibility="public")
    for version in ("1.0", "2.0", "3.0b1"):
        release = ReleaseFactory(project=project, version=version, metadata=METADATA,
                                 requires_python=">=3.9")
        stored_file(release, filename=f"demo-{version}-py3-none-any.whl")
    return project


@pytest.mark.django_db
class TestViews:
    def test_project_json(self, client, project):
        response = client.get("/acme/pypi/demo/json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        doc = json.loads(response.content)
        assert doc["info"]["version"] == "2.0"
        assert set(doc["releases"]) == {"1.0", "2.0", "3.0b1"}
        url = doc["urls"][0]["url"]
        assert url.startswith("http://testserver/acme/files/") and url.endswith(".whl")
        assert doc["info"]["package_url"] == "http://testserver/acme/project/demo/"
        project.refresh_from_db()
        assert doc["last_serial"] == project.last_serial
        assert response["X-PyPI-Last-Serial"] == str(project.last_serial)

    def test_release_json(self, client, project):
        doc = json.loads(client.get("/acme/pypi/demo/3.0b1/json").content)
        assert doc["info"]["version"] == "3.0b1" and "releases" not in doc
        assert [u["filename"] for u in doc["urls"]] == ["demo-3.0b1-py3-none-any.whl"]

    def test_unknown_release_and_project_are_not_found(self, client, project):
        _, secret = token_for(project.org, permission="read")
        for url in ("/acme/pypi/demo/9.9/json", f"/acme/pypi/demo/{'9' * 5000}/json",
                    "/acme/pypi/nope/json"):
            assert client.get(url, **basic_auth(secret)).status_code == 404
            assert client.get(url).status_code == 401  # anonymous callers are challenged

    def test_non_normalised_name_redirects(self, client, project):
        response = client.get("/acme/pypi/Demo/2.0/json")
        assert response.status_code == 301
        assert response["Location"] == "/acme/pypi/demo/2.0/json"

    def test_latest_moves_when_yanked(self, client, project):
        release_yank(release=project.releases.get(version="2.0"), reason="bad")
        doc = json.loads(client.get("/acme/pypi/demo/json").content)
        assert doc["info"]["version"] == "1.0"
        assert doc["releases"]["2.0"][0]["yanked_reason"] == "bad"
        yanked = json.loads(client.get("/acme/pypi/demo/2.0/json").content)
        assert yanked["info"]["yanked"] is True and yanked["info"]["yanked_reason"] == "bad"

    def test_private_project_needs_read(self, client, project):
        project.visibility = "private"
        project.save()
        assert client.get("/acme/pypi/demo/json").status_code == 401
        _, secret = token_for(project.org, permission="read")
        response = client.get("/acme/pypi/demo/json", **basic_auth(secret))
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("private")
        assert "Authorization" in response["Vary"]

    def test_public_cache_control_and_not_modified(self, client, project):
        response = client.get("/acme/pypi/demo/json")
        assert response["Cache-Control"].startswith("public")
        again = client.get("/acme/pypi/demo/json", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304

    def test_quarantine_hides_project_and_file(self, client, project):
        client.get("/acme/pypi/demo/json")
        wheel = project.releases.get(version="2.0").files.get()
        moderation.file_quarantine(file=wheel)
        doc = json.loads(client.get("/acme/pypi/demo/json").content)
        assert doc["releases"]["2.0"] == [] and doc["urls"] == []
        moderation.project_quarantine(project=project)
        assert client.get("/acme/pypi/demo/json").status_code == 401
        assert client.get("/acme/pypi/demo/1.0/json").status_code == 401

    def test_cached_document_costs_one_query(self, client, project,
                                             django_assert_num_queries):
        client.get("/acme/pypi/demo/json")
        with django_assert_num_queries(1):
            assert client.get("/acme/pypi/demo/json").status_code == 200
