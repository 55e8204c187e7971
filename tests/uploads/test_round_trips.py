"""What publishing an upload costs the worker in round trips to the database.

On Postgres the statements that need no answer before the next one is sent travel together
(``accounts.statements.pipeline``); elsewhere each is its own round trip.
"""

import pytest
from django.db import connection

from tests.corpus import build_sdist, build_wheel
from tests.uploads.uploading import upload
from uploads import tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)  # the task is queued on commit


@pytest.fixture
def queued(monkeypatch, settings):
    settings.UPLOAD_WAIT_SECONDS = 0  # the request answers 503 at once; the test runs the task
    found = []
    monkeypatch.setattr(tasks.validate_upload, "delay", found.append)
    return found


def published_in(pk: int) -> tuple[int, list[str]]:
    """Run the worker's task for upload ``pk``: (round trips, the statements in order)."""
    trips, pipelines, sent = 0, set(), []

    def count(execute, sql, params, many, context):
        nonlocal trips
        sent.append(sql.split()[0].upper())
        pipeline = getattr(connection.connection, "_pipeline", None)  # psycopg's, while on
        if pipeline is None:
            trips += 1
        elif id(pipeline) not in pipelines:
            pipelines.add(id(pipeline))
            trips += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        tasks.validate_upload(pk)
    assert Upload.objects.get(pk=pk).status == UploadStatus.PUBLISHED
    return trips, sent


def test_a_file_for_an_existing_release_costs_few_round_trips(acme, tmp_path, queued):
    org, token = acme
    upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    published_in(queued.pop())  # creates the project and the release
    upload(org, token, build_sdist(tmp_path, "pkg", "1.0"), "pkg", "1.0")
    trips, sent = published_in(queued.pop())
    # Read the upload; lock the org and read the project; claim the filename and read the
    # release; write the file, the size counters, the serial and the audit event; finish.
    # (SQLite's backend also sends its BEGIN as a statement; psycopg sends it with the first.)
    expected = 5 if connection.vendor == "postgresql" else 11
    assert trips == expected, sent
