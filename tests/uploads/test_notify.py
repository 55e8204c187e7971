"""The worker wakes the waiting request through Redis; the database stays the truth."""

import uuid

import pytest
import redis

from registry.models import File
from tests.corpus import build_wheel
from tests.uploads.uploading import leftovers, queue_tasks, stored_names, upload
from uploads import notify, services, tasks
from uploads.models import Upload, UploadStatus

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def with_redis(settings):
    """Announcements through the machine's Redis, under a prefix of this test's own.

    ``.ci/run`` starts Redis; on a machine without one (the embedded default needs none)
    these tests are skipped and the polling path below still runs.
    """
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = REDIS_TEST_URL
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    return client


def test_an_announcement_is_kept_until_heard_and_then_gone(with_redis):
    notify.upload_announce(7, UploadStatus.PUBLISHED)
    key = notify._key(7)
    assert with_redis.llen(key) == 1
    assert 0 < with_redis.ttl(key) <= 60 + 60  # expires if nobody is waiting any more
    # Returns because of the announcement, not the 30 s, with the status announced.
    assert notify.upload_listen(7, seconds=30) == UploadStatus.PUBLISHED
    assert with_redis.exists(key) == 0


def test_listening_for_an_unannounced_upload_times_out(with_redis):
    assert notify.upload_listen(8, seconds=0.01) is None
    assert with_redis.exists(notify._key(8)) == 0


def test_redis_down_loses_nothing(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    notify.upload_announce(9, UploadStatus.PUBLISHED)  # logged, not raised: polling follows
    assert notify.upload_listen(9, seconds=0.01) is None


@pytest.mark.django_db(transaction=True)
class TestWaiting:
    @pytest.fixture
    def queued(self, monkeypatch, settings):
        settings.UPLOAD_WAIT_SECONDS = 0
        return queue_tasks(monkeypatch)

    def test_the_worker_announces_the_final_status(self, acme, tmp_path, queued, with_redis):
        org, token = acme
        assert upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0").status_code \
            == 503
        pk, inputs = queued.pop()
        assert with_redis.exists(notify._key(pk)) == 0
        tasks.validate_upload(pk, inputs)
        assert with_redis.lrange(notify._key(pk), 0, -1) == [b"published"]

    def test_the_message_carries_what_validation_needs(self, acme, tmp_path, queued):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        pk, inputs = queued.pop()
        row = Upload.objects.get(pk=pk)
        assert inputs == {"org_id": org.pk, "staged_name": row.staged_name,
                          "filename": "pkg-1.0-py3-none-any.whl", "filetype": "bdist_wheel",
                          "project_name": "pkg", "version": "1.0",
                          "sha256_digest": row.sha256_digest,
                          "blake2_256_digest": row.blake2_256_digest}

    def test_a_message_with_the_id_alone_still_publishes(self, acme, tmp_path, queued):
        """As queued by a release before the inputs travelled with it."""
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        pk, _inputs = queued.pop()
        tasks.validate_upload(pk)
        assert Upload.objects.get(pk=pk).status == UploadStatus.PUBLISHED
        assert File.objects.get().filename == "pkg-1.0-py3-none-any.whl"

    def test_a_message_delivered_twice_changes_nothing_the_second_time(
            self, acme, tmp_path, queued, with_redis):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        message = queued.pop()
        tasks.validate_upload(*message)
        first = Upload.objects.get()
        with_redis.delete(notify._key(first.pk))
        tasks.validate_upload(*message)  # a redelivery: the staged file has gone meanwhile
        again = Upload.objects.get()
        assert (again.status, again.finished_at, again.file_id) == (
            UploadStatus.PUBLISHED, first.finished_at, first.file_id)
        assert with_redis.exists(notify._key(first.pk)) == 0  # nothing announced again
        assert File.objects.count() == 1 and leftovers() == []

    def test_a_message_for_an_upload_decided_meanwhile_publishes_nothing(
            self, acme, tmp_path, queued):
        """The row read under the org's lock decides, not the message."""
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        pk, inputs = queued.pop()
        Upload.objects.filter(pk=pk).update(status=UploadStatus.FAILED)
        tasks.validate_upload(pk, inputs)
        assert Upload.objects.get().status == UploadStatus.FAILED
        assert not File.objects.exists() and stored_names() == set() and leftovers() == []

    def test_an_upload_expired_while_publishing_publishes_nothing(
            self, acme, tmp_path, queued, with_redis, monkeypatch):
        from registry import services as registry_services

        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        pk, inputs = queued.pop()
        real_publish = registry_services.file_publish

        def expired_meanwhile(**kwargs):
            Upload.objects.filter(pk=pk).update(status=UploadStatus.FAILED)
            return real_publish(**kwargs)

        monkeypatch.setattr(registry_services, "file_publish", expired_meanwhile)
        tasks.validate_upload(pk, inputs)
        assert not File.objects.exists() and stored_names() == set() and leftovers() == []
        assert with_redis.exists(notify._key(pk)) == 0  # nothing announced

    def test_a_message_that_disagrees_with_its_row_publishes_nothing(
            self, acme, tmp_path, queued):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        pk, inputs = queued.pop()
        tasks.validate_upload(pk, {**inputs, "blake2_256_digest": "0" * 64})
        assert not File.objects.exists() and stored_names() == set()
        assert Upload.objects.get().status == UploadStatus.PENDING  # left to expire

    def test_a_refusal_is_announced_and_its_reasons_read_from_the_row(
            self, acme, tmp_path, queued, with_redis, django_assert_num_queries):
        org, token = acme
        wheel = build_wheel(tmp_path, "pkg", "1.0", metadata="Metadata-Version: 2.1\n"
                            "Name: pkg\nVersion: 2.0\n")
        upload(org, token, wheel, "pkg", "1.0")
        row = Upload.objects.get()
        tasks.validate_upload(*queued.pop())
        assert with_redis.lrange(notify._key(row.pk), 0, -1) == [b"rejected"]
        with django_assert_num_queries(1):  # the problems are in the row
            done = services.upload_wait(row, seconds=60)
        assert done.status == UploadStatus.REJECTED and "2.0" in done.problems[0]["message"]

    def test_a_published_upload_is_answered_from_the_announcement(
            self, acme, tmp_path, queued, with_redis, django_assert_num_queries):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        row = Upload.objects.get()
        tasks.validate_upload(*queued.pop())
        with django_assert_num_queries(0):
            assert services.upload_wait(row, seconds=60).status == UploadStatus.PUBLISHED

    def test_a_waiting_request_wakes_on_the_announcement(self, acme, tmp_path, queued,
                                                         with_redis, monkeypatch):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        row = Upload.objects.get()
        listened = []
        real_listen = notify.upload_listen

        def worker_finishes_meanwhile(upload_id, seconds):
            listened.append(seconds)
            if len(listened) == 1:
                tasks.validate_upload(*queued.pop())
            real_listen(upload_id, seconds)

        monkeypatch.setattr(notify, "FALLBACK_SECONDS", 30)
        monkeypatch.setattr(notify, "upload_listen", worker_finishes_meanwhile)
        done = services.upload_wait(row, seconds=60)
        assert done.status == UploadStatus.PUBLISHED
        # One listen, ended by the announcement (it was consumed), not by its 30 s timer.
        assert listened == [30] and with_redis.exists(notify._key(row.pk)) == 0

    def test_without_redis_the_request_polls_the_database(self, acme, tmp_path, queued,
                                                          settings, monkeypatch):
        settings.REDIS_URL = None
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        row = Upload.objects.get()
        pauses = []

        def sleep(seconds):
            pauses.append(seconds)
            if len(pauses) == 3:
                tasks.validate_upload(*queued.pop())

        monkeypatch.setattr(notify.time, "sleep", sleep)
        assert services.upload_wait(row, seconds=60).status == UploadStatus.PUBLISHED
        assert len(pauses) == 3 and pauses[0] == 0.005 and pauses[0] < pauses[1] < pauses[2]
