"""Distribution storage on S3 (moto's server, a real process on 127.0.0.1): uploads, the
PEP 658 files, presigned download links and ranges, the public endpoint of those links,
deletions, the orphan sweep, and an unreachable store."""

import hashlib
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from registry.models import File, Project
from registry.orphans import blobs_sweep
from tests.conftest import basic_auth
from tests.corpus import build_wheel
from tests.factories import member, token_for
from tests.storage.conftest import use_s3
from tests.storage.s3server import S3Server
from tests.uploads.uploading import upload
from uploads.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)  # validation is queued on commit


def publish(org, token, tmp_path, name="s3-demo", version="1.0"):
    wheel = build_wheel(tmp_path, name, version)
    response = upload(org, token, wheel, name, version)
    assert response.status_code == 200, response.content
    return wheel, File.objects.get(org=org, filename=wheel.name)


def link_of(file, token: str, suffix: str = "") -> str:
    digest = file.blake2_256_digest
    response = Client().get(f"/{file.org.slug}/files/{digest[:2]}/{digest[2:4]}/{digest[4:]}/"
                            f"{file.filename}{suffix}", **basic_auth(token))
    assert response.status_code == 302, response.content
    return response["Location"]


def fetch(url: str, **headers) -> tuple[int, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as got:
        return got.status, got.read()


class TestUploads:
    def test_the_file_and_its_metadata_are_stored_and_nothing_stays_staged(
            self, acme, bucket, s3_server, tmp_path):
        org, token = acme
        wheel, file = publish(org, token, tmp_path)
        assert s3_server.keys(bucket) == {f"files/{file.path}", f"files/{file.path}.metadata"}
        stored = s3_server.client().get_object(Bucket=bucket, Key=f"files/{file.path}")
        assert stored["Body"].read() == wheel.read_bytes()
        metadata = s3_server.client().get_object(Bucket=bucket,
                                                 Key=f"files/{file.path}.metadata")
        assert hashlib.sha256(metadata["Body"].read()).hexdigest() == file.metadata_sha256


class TestDownloads:
    def test_the_link_serves_the_file_from_the_store(self, acme, bucket, s3_server, tmp_path):
        org, token = acme
        wheel, file = publish(org, token, tmp_path)
        link = link_of(file, token)
        assert link.startswith(f"{s3_server.endpoint}/{bucket}/files/")
        assert fetch(link) == (200, wheel.read_bytes())

    def test_the_metadata_link_serves_the_pep_658_file(self, acme, bucket, tmp_path):
        org, token = acme
        _wheel, file = publish(org, token, tmp_path)
        status, body = fetch(link_of(file, token, ".metadata"))
        assert status == 200 and hashlib.sha256(body).hexdigest() == file.metadata_sha256
        assert b"Name: s3-demo" in body

    def test_a_range_of_the_file_is_served(self, acme, bucket, tmp_path):
        org, token = acme
        wheel, file = publish(org, token, tmp_path)
        status, body = fetch(link_of(file, token), Range="bytes=10-29")
        assert status == 206 and body == wheel.read_bytes()[10:30]

    def test_links_name_the_public_endpoint_and_work_there(self, acme, settings, tmp_path,
                                                           s3_server):
        """The web process stores through one address; clients get links to another (here
        ``localhost`` for ``127.0.0.1``, as ``http://minio:9000`` for a public name)."""
        name = s3_server.bucket()
        public = f"http://localhost:{s3_server.port}"
        use_s3(settings, tmp_path, s3_server, name, AWS_S3_PUBLIC_ENDPOINT_URL=public)
        org, token = acme
        wheel, file = publish(org, token, tmp_path)
        assert f"files/{file.path}" in s3_server.keys(name)
        link = link_of(file, token)
        assert link.startswith(f"{public}/{name}/files/")
        assert fetch(link) == (200, wheel.read_bytes())


@pytest.fixture
def admin_token(acme):
    org, _token = acme
    return token_for(org, member(org, "admin"), "admin")[1]


class TestDeletes:
    def test_deleting_a_file_removes_it_and_its_metadata_from_the_bucket(
            self, acme, admin_token, bucket, s3_server, tmp_path):
        org, token = acme
        _wheel, file = publish(org, token, tmp_path)
        publish(org, token, tmp_path, version="2.0")
        response = Client().delete(
            f"/api/v1/orgs/{org.slug}/projects/s3-demo/files/{file.filename}/",
            HTTP_AUTHORIZATION=f"Bearer {admin_token}")
        assert response.status_code == 200, response.content
        kept = File.objects.get(filename="s3_demo-2.0-py3-none-any.whl")
        assert s3_server.keys(bucket) == {f"files/{kept.path}", f"files/{kept.path}.metadata"}


class TestSweep:
    def test_orphans_are_removed_and_published_blobs_kept(self, acme, bucket, s3_server,
                                                          tmp_path):
        org, token = acme
        _wheel, file = publish(org, token, tmp_path)
        orphan = f"{org.pk}/ab/cd/{'e' * 60}/lost-1.0-py3-none-any.whl"
        s3_server.client().put_object(Bucket=bucket, Key=f"files/{orphan}", Body=b"left")
        sweep = blobs_sweep(older_than=timezone.now() + timedelta(minutes=1))
        assert sweep.removed == [orphan] and sweep.bytes == 4
        assert s3_server.keys(bucket) == {f"files/{file.path}", f"files/{file.path}.metadata"}


class TestStoreUnreachable:
    def test_an_upload_answers_503_and_records_nothing(self, acme, settings, tmp_path):
        server = S3Server().start()
        try:
            use_s3(settings, tmp_path, server, server.bucket())
        finally:
            server.kill()  # the store's process is gone: connections are refused
        org, token = acme
        wheel = build_wheel(tmp_path, "s3-down", "1.0")
        response = upload(org, token, wheel, "s3-down", "1.0")
        assert response.status_code == 503
        assert "nothing was kept" in response.reason_phrase + response.content.decode()
        assert int(response["Retry-After"]) > 0
        assert not Upload.objects.exists() and not File.objects.exists()
        assert not Project.objects.filter(name="s3-down").exists()

    def test_readiness_reports_the_store(self, settings, tmp_path):
        server = S3Server().start()
        use_s3(settings, tmp_path, server, server.bucket())
        assert Client().get("/readyz").status_code == 200
        server.kill()
        ready = Client().get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["storage"].startswith("error")
