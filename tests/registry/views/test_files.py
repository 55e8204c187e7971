"""File and PEP 658 metadata downloads: permission first, then streaming, ranges, nginx, S3."""

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from registry import moderation
from registry.views.files import parse_range
from tests.conftest import basic_auth
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory, stored_file, token_for

DATA = bytes(range(256)) * 40  # 10,240 bytes
METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"


class NoPathStorage(FileSystemStorage):
    """A storage without local paths, as S3's: ``path()`` is not implemented (it still
    reads the test's folder underneath)."""

    def path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    def _open(self, name, mode="rb"):  # like S3's file: in memory, no file descriptor
        with open(super().path(name), mode) as local:
            return ContentFile(local.read(), name=name)


def url_of(file):
    digest = file.blake2_256_digest
    return f"/{file.org.slug}/files/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{file.filename}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def public_file(db):
    org = OrgFactory(slug="acme", default_visibility="public")
    project = ProjectFactory(org=org, name="demo", visibility="public")
    return stored_file(ReleaseFactory(project=project, version="1.0"), data=DATA,
                       metadata=METADATA, filename="demo-1.0-py3-none-any.whl")


@pytest.fixture
def private_file(db):
    org = OrgFactory(slug="secret")
    project = ProjectFactory(org=org, name="hidden", visibility="private")
    return stored_file(ReleaseFactory(project=project, version="1.0"), data=DATA,
                       filename="hidden-1.0-py3-none-any.whl")


class TestParseRange:
    @pytest.mark.parametrize(("header", "expected"), [
        ("", None), ("bytes=0-9", (0, 9)), ("bytes=10-", (10, 99)), ("bytes=-10", (90, 99)),
        ("bytes=90-200", (90, 99)), ("bytes=100-", False), ("bytes=-0", False),
        ("bytes=5-2", None), ("bytes=0-1,5-6", None), ("items=0-1", None), ("bytes=-", None),
        ("bytes=-500", (0, 99)), ("bytes=" + "9" * 5000 + "-", None),
        ("bytes=-" + "9" * 5000, None),
    ])
    def test_cases(self, header, expected):
        assert parse_range(header, 100) == expected


@pytest.mark.django_db
class TestDownload:
    def test_full_file_with_length_and_digest_match(self, client, public_file):
        response = client.get(url_of(public_file))
        assert response.status_code == 200
        assert response["Content-Length"] == str(len(DATA))
        assert response["Content-Type"] == "application/zip"
        assert response["Accept-Ranges"] == "bytes"
        assert hashlib.sha256(body(response)).hexdigest() == public_file.sha256_digest
        assert response["Cache-Control"].startswith("public")

    def test_metadata_file(self, client, public_file):
        response = client.get(url_of(public_file) + ".metadata")
        content = body(response)
        assert response.status_code == 200 and content == METADATA
        assert hashlib.sha256(content).hexdigest() == public_file.metadata_sha256

    def test_no_metadata_file_is_not_found(self, client, private_file):
        org = private_file.org
        file = stored_file(ReleaseFactory(project=ProjectFactory(org=org, visibility="public"),
                                          version="1.0"), metadata=None, filename="x-1.0.tar.gz")
        assert client.get(url_of(file) + ".metadata").status_code == 401  # anonymous
        _, secret = token_for(org, permission="read")
        assert client.get(url_of(file) + ".metadata", **basic_auth(secret)).status_code == 404

    def test_range_request(self, client, public_file):
        response = client.get(url_of(public_file), HTTP_RANGE="bytes=100-199")
        assert response.status_code == 206
        assert response["Content-Range"] == f"bytes 100-199/{len(DATA)}"
        assert response["Content-Length"] == "100"
        assert body(response) == DATA[100:200]

    def test_suffix_range(self, client, public_file):
        response = client.get(url_of(public_file), HTTP_RANGE="bytes=-22")
        assert response.status_code == 206 and body(response) == DATA[-22:]

    def test_unsatisfiable_range(self, client, public_file):
        response = client.get(url_of(public_file), HTTP_RANGE=f"bytes={len(DATA)}-")
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(DATA)}"

    def test_etag_not_modified(self, client, public_file):
        etag = client.get(url_of(public_file))["ETag"]
        assert etag == f'"{public_file.sha256_digest}"'
        again = client.get(url_of(public_file), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and "Content-Type" not in again

    def test_any_etag_is_not_modified(self, client, public_file):
        response = client.get(url_of(public_file), HTTP_IF_NONE_MATCH="*")
        assert response.status_code == 304

    def test_a_failed_if_match_is_a_failed_precondition(self, client, public_file):
        response = client.get(url_of(public_file), HTTP_IF_MATCH='"stale"')
        assert response.status_code == 412

    def test_storage_without_local_paths_streams_through_the_storage(
            self, client, public_file, settings):
        settings.STORAGES = {**settings.STORAGES, "distributions": {
            **settings.STORAGES["distributions"],
            "BACKEND": "tests.registry.views.test_files.NoPathStorage"}}
        response = client.get(url_of(public_file))
        assert response.status_code == 200 and body(response) == DATA
        assert response["Content-Length"] == str(len(DATA))
        ranged = client.get(url_of(public_file), HTTP_RANGE="bytes=0-9")
        assert ranged.status_code == 206 and body(ranged) == DATA[:10]

    def test_wrong_digest_path_is_not_found(self, client, public_file):
        url = url_of(public_file).replace(public_file.blake2_256_digest[4:], "0" * 60)
        assert client.get(url).status_code == 401  # anonymous
        _, secret = token_for(public_file.org, permission="read")
        assert client.get(url, **basic_auth(secret)).status_code == 404

    def test_private_file_needs_read(self, client, private_file):
        assert client.get(url_of(private_file)).status_code == 401
        _, outsider = token_for(OrgFactory(), permission="read")
        assert client.get(url_of(private_file), **basic_auth(outsider)).status_code == 404
        _, secret = token_for(private_file.org, permission="read")
        response = client.get(url_of(private_file), **basic_auth(secret))
        assert response.status_code == 200 and body(response) == DATA
        assert response["Cache-Control"].startswith("private")

    def test_quarantined_file_and_project_are_gone(self, client, public_file):
        moderation.file_quarantine(file=public_file)
        assert client.get(url_of(public_file)).status_code == 401
        moderation.file_unquarantine(file=public_file)
        assert client.get(url_of(public_file)).status_code == 200
        moderation.project_quarantine(project=public_file.release.project)
        assert client.get(url_of(public_file)).status_code == 401
        _, secret = token_for(public_file.org, permission="read")
        assert client.get(url_of(public_file), **basic_auth(secret)).status_code == 404

    def test_other_org_url_is_not_found(self, client, public_file):
        other = OrgFactory(slug="other", default_visibility="public")
        url = url_of(public_file).replace("/acme/", "/other/")
        assert client.get(url).status_code == 401
        _, secret = token_for(other, permission="read")
        assert client.get(url, **basic_auth(secret)).status_code == 404

    def test_accel_redirect(self, client, public_file, settings):
        settings.ACCEL_REDIRECT_PREFIX = "/_protected/"
        response = client.get(url_of(public_file))
        assert response["X-Accel-Redirect"] == "/_protected/" + public_file.path
        assert response.content == b""

    def test_accel_redirect_still_checks_read(self, client, private_file, settings):
        settings.ACCEL_REDIRECT_PREFIX = "/_protected/"
        response = client.get(url_of(private_file))
        assert response.status_code == 401 and "X-Accel-Redirect" not in response

    def test_s3_presigned_redirect(self, client, private_file, settings, monkeypatch):
        settings.STORAGE_BACKEND = "s3"
        from registry.storage import distributions

        storage = distributions()
        monkeypatch.setattr(storage, "url", lambda path: f"https://bucket.invalid/{path}?sig=1",
                            raising=False)
        _, secret = token_for(private_file.org, permission="read")
        assert client.get(url_of(private_file)).status_code == 401
        response = client.get(url_of(private_file), **basic_auth(secret))
        assert response.status_code == 302
        assert response["Location"] == f"https://bucket.invalid/{private_file.path}?sig=1"
        assert "no-store" in response["Cache-Control"]


def test_json_api_file_url_downloads(client, public_file):
    doc = json.loads(client.get("/acme/pypi/demo/json").content)
    url = doc["urls"][0]["url"].removeprefix("http://testserver")
    assert body(client.get(url)) == DATA
