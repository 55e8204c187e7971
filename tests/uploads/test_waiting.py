"""The wait bound: 503 with Retry-After, the task still publishes, the retry answers 200."""

import pytest

from registry.models import File
from tests.corpus import build_wheel
from tests.uploads.uploading import leftovers, queue_tasks, upload
from uploads import tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_worker(monkeypatch, settings):
    """Tasks are queued but not run until the test runs them; the request waits 0 s."""
    settings.UPLOAD_WAIT_SECONDS = 0
    settings.UPLOAD_RETRY_AFTER_SECONDS = 42
    return queue_tasks(monkeypatch)


def test_bound_passed_is_503_then_published_then_retry_is_200(acme, tmp_path, slow_worker):
    org, token = acme
    wheel = build_wheel(tmp_path, "pkg", "1.0")
    response = upload(org, token, wheel, "pkg", "1.0")
    assert response.status_code == 503
    assert response["Retry-After"] == "42"
    assert response.reason_phrase.startswith("The upload is still being validated")
    assert "retry the same upload in 42 seconds" in response.content.decode()
    assert not File.objects.exists()

    tasks.validate_upload(*slow_worker.pop())  # the worker catches up
    assert Upload.objects.get().status == UploadStatus.PUBLISHED

    again = upload(org, token, wheel, "pkg", "1.0")
    assert again.status_code == 200 and not slow_worker  # answered without a new upload
    assert File.objects.get().filename == wheel.name and leftovers() == []


def test_retry_while_pending_waits_for_the_first_attempt(acme, tmp_path, slow_worker):
    org, token = acme
    wheel = build_wheel(tmp_path, "pkg", "1.0")
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    assert len(slow_worker) == 1 and Upload.objects.count() == 1  # not staged twice
    tasks.validate_upload(*slow_worker.pop())
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
    assert File.objects.count() == 1 and leftovers() == []


def test_a_file_refused_after_the_bound_shows_why_on_retry(acme, tmp_path, slow_worker):
    org, token = acme
    wheel = build_wheel(tmp_path, "pkg", "1.0", metadata="Metadata-Version: 2.1\n"
                        "Name: pkg\nVersion: 2.0\n")
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    tasks.validate_upload(*slow_worker.pop())
    assert Upload.objects.get().status == UploadStatus.REJECTED and leftovers() == []
    response = upload(org, token, wheel, "pkg", "1.0")
    assert response.status_code == 400 and "2.0" in response.reason_phrase
    assert not slow_worker  # answered from the first attempt's report


def test_a_pending_upload_whose_worker_died_is_retried_after_its_time_limit(
        acme, tmp_path, slow_worker):
    from datetime import timedelta

    from django.utils import timezone

    org, token = acme
    wheel = build_wheel(tmp_path, "pkg", "1.0")
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    Upload.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    assert len(slow_worker) == 2  # staged again
    tasks.validate_upload(*slow_worker.pop())
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 200


def test_stale_pending_uploads_are_expired(acme, tmp_path, slow_worker):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    org, token = acme
    wheel = build_wheel(tmp_path, "pkg", "1.0")
    assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    Upload.objects.update(created_at=timezone.now() - timedelta(hours=2))
    call_command("expire_uploads")
    assert Upload.objects.get().status == UploadStatus.FAILED and leftovers() == []
    tasks.validate_upload(*slow_worker.pop())  # the lost task turns up after all: a no-op
    assert not File.objects.exists()


def test_celery_beat_expires_stale_uploads_on_its_schedule(acme, tmp_path, slow_worker,
                                                          settings):
    from datetime import timedelta

    from django.utils import timezone

    from config.celery import app

    entry = next(e for e in app.conf.beat_schedule.values()
                 if e["task"] == tasks.expire_stale_uploads.name)
    assert entry["schedule"] == 600
    org, token = acme
    assert upload(org, token, build_wheel(tmp_path, "old", "1.0"), "old", "1.0").status_code \
        == 503
    Upload.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert upload(org, token, build_wheel(tmp_path, "new", "1.0"), "new", "1.0").status_code \
        == 503
    assert tasks.expire_stale_uploads() == 1  # the fresh one may still be validated
    assert sorted(Upload.objects.values_list("project_name", "status")) == [
        ("new", UploadStatus.PENDING), ("old", UploadStatus.FAILED)]
