"""What an upload costs in statements sent to the database: a few, whatever the org holds."""

import pytest
from django.db import connection

from registry.models import File
from tests.corpus import build_sdist, build_wheel
from tests.uploads.uploading import queue_tasks, upload
from uploads import notify, tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)  # the task is queued on commit


@pytest.fixture
def queued(monkeypatch, settings):
    settings.UPLOAD_WAIT_SECONDS = 0  # the request answers 503 at once; the test runs the task
    return queue_tasks(monkeypatch)


class Statements:
    """Counts the statements run inside (each is a round trip to the database)."""

    def __init__(self):
        self.trips, self.sent = 0, []

    def __call__(self, execute, sql, params, many, context):
        self.sent.append(sql[:70])
        self.trips += 1
        return execute(sql, params, many, context)


def published_in(pk: int, inputs: dict) -> Statements:
    """Run the worker's task for upload ``pk``, counting its statements."""
    counted = Statements()
    with connection.execute_wrapper(counted):
        tasks.validate_upload(pk, inputs)
    row = Upload.objects.get(pk=pk)
    assert row.status == UploadStatus.PUBLISHED and row.finished_at is not None
    assert row.file == File.objects.get(org_id=row.org_id, filename=row.filename)
    return counted


def test_a_file_for_an_existing_release_costs_few_statements(acme, tmp_path, queued):
    org, token = acme
    upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    published_in(*queued.pop())  # creates the project and the release
    upload(org, token, build_sdist(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    counted = published_in(*queued.pop())
    # Lock the org and read the upload and the project; claim the filename and read the
    # release; write the file, the size counters, the serial, the audit event and the
    # upload's outcome: eleven, with a little room for savepoints and SQLite's BEGIN.
    assert counted.trips <= 14, counted.sent


def test_the_request_costs_few_statements(acme, tmp_path, queued):
    org, token = acme
    upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    published_in(*queued.pop())
    counted = Statements()
    with connection.execute_wrapper(counted):  # the token was marked used a moment ago
        response = upload(org, token, build_sdist(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    assert response.status_code == 503  # the test runs the task, not a worker
    # The token, the org, the project, the filename's history, the token owner's role in the
    # org (a user's token), the upload row; and, without Redis to announce the outcome, one
    # look at the upload's status.
    expected = 6 if notify.available() else 7
    assert counted.trips <= expected, counted.sent
