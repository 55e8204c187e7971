"""With a worker and Redis the file is validated while the request records the upload: the
request hands the row's id to the worker that is validating, or cancels it; neither is left
waiting on the other."""

import pytest

from registry.models import File
from tests.corpus import build_wheel
from tests.factories import ProjectFactory, member, token_for
from tests.uploads.uploading import leftovers, upload
from uploads import handoff, publish, services, tasks, validation
from uploads.models import Upload, UploadStatus


@pytest.fixture
def short_handoff(settings, with_redis):
    settings.UPLOAD_HANDOFF_SECONDS = 0.05
    return with_redis


class TestProtocol:
    def test_an_id_handed_over_is_what_the_worker_receives(self, with_redis):
        assert handoff.give("h1", 42) is True
        assert handoff.receive("h1") == "42"

    def test_a_cancel_is_seen_before_validating(self, with_redis):
        handoff.cancel("h2")
        assert handoff.peek("h2") == handoff.CANCEL
        assert handoff.peek("h2") is None  # taken once

    def test_a_worker_that_hears_nothing_gives_up_and_the_request_learns_it(
            self, short_handoff):
        assert handoff.receive("h3") is None
        assert handoff.give("h3", 7) is False  # the request queues the upload by id instead

    def test_an_id_pushed_as_the_worker_gives_up_is_still_taken(self, short_handoff,
                                                                 monkeypatch):
        client = handoff.notify.client()
        real_blpop = client.blpop

        def times_out_as_the_id_arrives(keys, timeout):
            assert handoff.give("h4", 9) is True  # pushed before the give-up transaction
            return None

        monkeypatch.setattr(client, "blpop", times_out_as_the_id_arrives)
        assert handoff.receive("h4") == "9"
        monkeypatch.setattr(client, "blpop", real_blpop)

    def test_every_key_expires_but_outlives_a_task_waiting_in_the_queue(self, short_handoff):
        handoff.give("h5", 1)
        assert handoff.receive("h5") == "1"
        handoff.cancel("h5")
        assert handoff.receive("h5") == handoff.CANCEL and handoff.receive("h5") is None
        handoff.give("h5", 2)  # after the worker gave up
        for key in handoff._keys("h5"):
            assert 3600 <= short_handoff.ttl(key) <= services.stale_after().total_seconds()

    def test_redis_down_means_the_upload_is_queued_again(self, settings):
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        assert handoff.give("h6", 1) is False
        handoff.cancel("h6")  # logged, not raised
        assert handoff.peek("h6") is None and handoff.receive("h6") is None


def test_the_embedded_default_stages_nothing_before_the_checks(with_redis):
    # Celery runs in-process there: the task runs when queued, after the checks.
    assert services.upload_begin(form=None, filename="pkg-1.0.tar.gz", content=None) is None


@pytest.mark.django_db(transaction=True)
class TestOverlap:
    """The request's side through the endpoint; the worker's by running its task here."""

    @pytest.fixture
    def worker(self, settings, with_redis, monkeypatch):
        """Production mode with the tasks' queueing recorded instead of sent."""
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.UPLOAD_WAIT_SECONDS = 0  # the request answers 503 at once
        queued = {"early": [], "by_id": []}
        monkeypatch.setattr(tasks.validate_staged, "delay",
                            lambda *args: queued["early"].append(args))
        monkeypatch.setattr(tasks.validate_upload, "delay", queued["by_id"].append)
        return queued

    @pytest.fixture
    def validations(self, monkeypatch):
        calls = []
        real = validation.check_distribution

        def counted(path, **inputs):
            calls.append(inputs)
            return real(path, **inputs)

        monkeypatch.setattr(validation, "check_distribution", counted)
        return calls

    def test_the_worker_validates_before_the_row_exists_and_publishes_with_its_id(
            self, acme, tmp_path, worker, validations):
        org, token = acme
        assert upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0") \
            .status_code == 503
        row = Upload.objects.get()
        (handoff_id, staged_name, inputs), = worker["early"]
        assert worker["by_id"] == [] and row.staged_name == staged_name
        assert inputs == {"filename": "pkg-1.0-py3-none-any.whl", "filetype": "bdist_wheel",
                          "name": "pkg", "version": "1.0"}
        tasks.validate_staged(handoff_id, staged_name, inputs)
        row.refresh_from_db()
        assert row.status == UploadStatus.PUBLISHED and row.file.filename == inputs["filename"]
        assert len(validations) == 1 and leftovers() == []

    def test_a_refused_upload_cancels_the_validation_and_removes_the_staged_file(
            self, acme, tmp_path, worker, validations):
        org, token = acme
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        response = upload(org, token, wheel, "pkg", "1.0", sha256_digest="0" * 64)
        assert response.status_code == 400 and "sha256 digest" in response.content.decode()
        assert leftovers() == [] and not Upload.objects.exists()
        tasks.validate_staged(*worker["early"].pop())
        assert validations == [] and not File.objects.exists()  # cancelled before validating

    def test_a_token_that_cannot_upload_starts_no_validation(self, acme, tmp_path, worker):
        org, _token = acme
        _read, plaintext = token_for(org, member(org, "member"), "read")
        assert upload(org, plaintext, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0") \
            .status_code == 403
        _scoped, plaintext = token_for(org, member(org, "admin"), "upload",
                                       projects=["other"])
        assert upload(org, plaintext, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0") \
            .status_code == 403
        assert worker["early"] == [] and leftovers() == []

    def test_a_replay_costs_no_validation(self, acme, tmp_path, worker, validations):
        org, token = acme
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        upload(org, token, wheel, "pkg", "1.0")
        tasks.validate_staged(*worker["early"].pop())
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200  # skip-existing
        tasks.validate_staged(*worker["early"].pop())
        assert len(validations) == 1 and Upload.objects.count() == 1 and leftovers() == []

    def test_a_worker_that_gave_up_leaves_the_file_to_the_task_queued_by_id(
            self, acme, tmp_path, worker, validations, settings):
        settings.UPLOAD_HANDOFF_SECONDS = 0.05
        org, token = acme
        early_queue = worker["early"]

        def worker_gives_up_first(*args):
            tasks.validate_staged(*args)  # validates, hears nothing, gives up

        tasks.validate_staged.delay = worker_gives_up_first
        try:
            upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        finally:
            tasks.validate_staged.delay = lambda *args: early_queue.append(args)
        row = Upload.objects.get()
        assert row.status == UploadStatus.PENDING and leftovers() != []  # file kept
        tasks.validate_upload(worker["by_id"].pop())
        row.refresh_from_db()
        assert row.status == UploadStatus.PUBLISHED and leftovers() == []
        assert len(validations) == 2  # validated again by the task queued by id

    def test_a_refusal_found_early_is_recorded_once_the_row_exists(
            self, acme, tmp_path, worker):
        org, token = acme
        wheel = build_wheel(tmp_path, "pkg", "1.0", metadata="Metadata-Version: 2.1\n"
                            "Name: pkg\nVersion: 2.0\n")
        upload(org, token, wheel, "pkg", "1.0")
        tasks.validate_staged(*worker["early"].pop())
        row = Upload.objects.get()
        assert row.status == UploadStatus.REJECTED and "2.0" in row.problems[0]["message"]
        assert leftovers() == []

    def test_the_row_decides_what_is_validated(self, acme, tmp_path, worker, validations):
        org, token = acme
        ProjectFactory(org=org, name="Pkg.Tools")
        wheel = build_wheel(tmp_path, "pkg-tools", "1.0")
        upload(org, token, wheel, "pkg-tools", "1.0")
        tasks.validate_staged(*worker["early"].pop())
        # The early validation had the form's name; the row has the project's: again.
        assert [call["name"] for call in validations] == ["pkg-tools", "Pkg.Tools"]
        assert Upload.objects.get().status == UploadStatus.PUBLISHED

    def test_a_failure_while_validating_early_fails_the_upload_it_belongs_to(
            self, acme, tmp_path, worker, monkeypatch):
        org, token = acme
        upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")

        def out_of_memory(path, **inputs):
            raise MemoryError

        monkeypatch.setattr(validation, "check_distribution", out_of_memory)
        tasks.validate_staged(*worker["early"].pop())
        row = Upload.objects.get()
        assert row.status == UploadStatus.FAILED and "more memory" in row.problems[0]["message"]
        assert leftovers() == []

    def test_staging_that_fails_early_answers_503_and_keeps_nothing(
            self, acme, tmp_path, worker, monkeypatch):
        org, token = acme

        def full_disk(*args, **kwargs):
            raise OSError("no space left on device")

        monkeypatch.setattr(services.staging().__class__, "_save", full_disk)
        response = upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        assert response.status_code == 503 and "nothing was kept" in response.content.decode()
        assert worker["early"] == [] and leftovers() == [] and not Upload.objects.exists()


def test_checked_inputs_are_compared_with_the_row():
    checked = publish.Checked({"filename": "a", "filetype": "sdist", "name": "a",
                               "version": "1"}, error=ValueError("kept"))
    row = Upload(filename="a", filetype="sdist", project_name="a", version="1",
                 staged_name="x")
    with pytest.raises(ValueError, match="kept"):
        publish._report(row, "/nonexistent", checked)
