"""Fault injection: a failure at any step leaves nothing behind, and the retry then works."""

import hashlib
import os
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError

from registry import services as registry_services
from registry.models import File, FilenameRecord, Project, Release
from registry.storage import blob_path, distributions, staging
from tests.corpus import build_wheel
from tests.uploads.uploading import leftovers, stored_names, upload
from uploads import publish, validation
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)


def fail(exc):
    def raiser(*args, **kwargs):
        raise exc

    return raiser


def assert_nothing_left(org):
    assert stored_names() == set() and leftovers() == []
    assert not Project.objects.filter(org=org).exists()
    assert not Release.objects.exists() and not File.objects.exists()
    assert not FilenameRecord.objects.filter(org=org).exists()
    assert not Upload.objects.filter(status=UploadStatus.PENDING).exists()


def assert_retry_publishes(org, token, wheel):
    response = upload(org, token, wheel, "pkg", "1.0")
    assert response.status_code == 200, response.content
    assert File.objects.get(org=org).filename == wheel.name
    assert leftovers() == []


@pytest.fixture
def wheel(tmp_path):
    return build_wheel(tmp_path, "pkg", "1.0")


class TestStagingFailures:
    def test_staging_storage_down_is_503_and_keeps_nothing(self, acme, wheel, monkeypatch):
        org, token = acme
        monkeypatch.setattr(staging(), "save", fail(OSError("no space left on device")))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 503 and response["Retry-After"]
        assert "nothing was kept" in response.reason_phrase
        assert not Upload.objects.exists()
        assert_nothing_left(org)
        monkeypatch.undo()
        assert_retry_publishes(org, token, wheel)

    def test_broker_down_fails_the_upload_at_once_and_a_retry_starts_afresh(
            self, acme, wheel, monkeypatch):
        from kombu.exceptions import OperationalError as BrokerDown

        from uploads import tasks

        org, token = acme
        monkeypatch.setattr(tasks.validate_upload, "delay", fail(BrokerDown("refused")))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 500
        assert "could not be queued for validation" in response.reason_phrase
        assert Upload.objects.get().status == UploadStatus.FAILED  # not left pending
        assert_nothing_left(org)
        monkeypatch.undo()
        assert_retry_publishes(org, token, wheel)

    def test_half_written_staged_file_is_removed(self, acme, wheel, monkeypatch):
        org, token = acme
        store = staging()
        real_save = store._save

        def partial(name, content):
            real_save(name, ContentFile(b"half a wheel"))
            raise OSError("connection reset")

        monkeypatch.setattr(store, "_save", partial)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
        assert_nothing_left(org)

    def test_database_down_while_recording_removes_the_staged_file(self, acme, wheel,
                                                                   monkeypatch):
        org, token = acme
        monkeypatch.setattr(Upload, "save", fail(OperationalError("db gone")))
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
        assert_nothing_left(org)


class TestWorkerFailures:
    @pytest.mark.parametrize(("exc", "words"), [
        (RuntimeError("bug in a check"), "internal error"),
        (MemoryError(), "more memory"),
        (SoftTimeLimitExceeded(), "took too long"),
    ])
    def test_validation_crash_is_500_with_a_message(self, acme, wheel, monkeypatch, exc,
                                                    words):
        org, token = acme
        monkeypatch.setattr(validation, "check_distribution", fail(exc))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 500
        assert words in response.reason_phrase
        assert "nothing was published" in response.content.decode()
        assert_nothing_left(org)
        monkeypatch.undo()
        assert_retry_publishes(org, token, wheel)

    def test_blob_write_failure_leaves_no_partial_blob(self, acme, wheel, monkeypatch):
        org, token = acme
        store = distributions()
        real_save = store._save

        def partial(name, content):
            real_save(name, ContentFile(b"PK half"))
            raise OSError("disk full")

        monkeypatch.setattr(store, "_save", partial)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 500
        assert_nothing_left(org)
        monkeypatch.undo()
        assert_retry_publishes(org, token, wheel)

    def test_metadata_write_failure_removes_the_stored_wheel(self, acme, wheel, monkeypatch):
        org, token = acme
        store = distributions()
        real_save = store.save

        def save(name, content, **kwargs):
            if name.endswith(".metadata"):
                raise OSError("disk full")
            return real_save(name, content, **kwargs)

        monkeypatch.setattr(store, "save", save)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 500
        assert_nothing_left(org)

    def test_database_failure_in_publish_removes_blobs_and_the_new_project(
            self, acme, wheel, monkeypatch):
        org, token = acme
        monkeypatch.setattr(registry_services, "file_publish",
                            fail(OperationalError("server closed the connection")))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 500
        assert_nothing_left(org)
        monkeypatch.undo()
        assert_retry_publishes(org, token, wheel)

    def test_failure_after_the_file_row_rolls_back_release_and_project(
            self, acme, wheel, monkeypatch):
        org, token = acme
        real_finish = publish.finish

        def finish(upload_row, status, *args, **kwargs):
            if status == UploadStatus.PUBLISHED:
                assert File.objects.filter(filename=wheel.name).exists()  # it got that far
                raise OperationalError("could not serialize access")
            return real_finish(upload_row, status, *args, **kwargs)

        monkeypatch.setattr(publish, "finish", finish)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 500
        assert_nothing_left(org)

    def test_registry_refusal_is_400_with_its_message(self, acme, wheel, monkeypatch):
        org, token = acme
        monkeypatch.setattr(registry_services, "file_publish",
                            fail(ValidationError("The release is locked.")))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 400
        assert response.reason_phrase == "The release is locked."
        assert_nothing_left(org)

    def test_the_worker_refuses_a_deleted_files_name_with_its_own_message(
            self, acme, wheel, monkeypatch):
        from accounts.principals import Principal

        org, token = acme
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        registry_services.file_delete(file=File.objects.get(), principal=Principal())
        # The web's check is bypassed, as in a race: the worker's insert finds the name used.
        monkeypatch.setattr("uploads.services.upload_known", lambda **kw: (None, None))
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 400
        assert "has since been deleted" in response.reason_phrase
        assert not File.objects.exists() and leftovers() == []

    @pytest.mark.parametrize("found_in_place", [True, False])
    def test_blobs_removed_before_the_row_commits_are_stored_again(
            self, acme, wheel, monkeypatch, found_in_place):
        org, token = acme
        data = wheel.read_bytes()
        path = blob_path(org.pk, hashlib.blake2b(data, digest_size=32).hexdigest(), wheel.name)
        if found_in_place:  # an earlier attempt's (its worker killed before its row committed)
            distributions().save(path, ContentFile(data))
            distributions().save(path + ".metadata", ContentFile(b"stale"))
        real_record = publish._record

        def record(*args, **kwargs):  # removed by sweep_blobs, or by a failing twin
            distributions().delete(path)
            distributions().delete(path + ".metadata")
            return real_record(*args, **kwargs)

        monkeypatch.setattr(publish, "_record", record)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        published = File.objects.get(org=org)
        with distributions().open(published.path) as blob:
            assert blob.read() == data
        with distributions().open(published.path + ".metadata") as metadata:
            assert hashlib.sha256(metadata.read()).hexdigest() == published.metadata_sha256

    def test_a_linked_blob_is_as_old_as_its_placing(self, tmp_path):
        staged = tmp_path / "staged.whl"
        staged.write_bytes(b"wheel")
        os.utime(staged, (time.time() - 86400, time.time() - 86400))  # received yesterday
        publish.Blobs("1/aa/bb/blob.whl").put_file("1/aa/bb/blob.whl", str(staged))
        placed = os.stat(distributions().path("1/aa/bb/blob.whl"))
        assert placed.st_ino == os.stat(staged).st_ino  # linked, not copied
        assert time.time() - placed.st_mtime < 60

    def test_a_file_published_by_a_twin_keeps_its_blob(self, acme, wheel, monkeypatch):
        org, token = acme
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        before = stored_names()
        # The same bytes staged again (the replay check is bypassed, as in a race).
        monkeypatch.setattr("uploads.services.upload_known", lambda **kw: (None, None))
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        assert stored_names() == before and File.objects.count() == 1
        assert Upload.objects.filter(status=UploadStatus.EXISTED).count() == 1
