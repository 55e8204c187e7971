"""Two workers publishing the same filename at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from registry.models import File, FilenameRecord, Project
from tests.corpus import build_wheel
from tests.uploads.uploading import leftovers, queue_tasks, stored_names, upload
from uploads import publish, tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(monkeypatch, messages: list[tuple]) -> None:
    """Run the validation tasks in threads that enter the publishing step together."""
    arrived = threading.Barrier(len(messages), timeout=30)
    real_record = publish._record

    def record(*args, **kwargs):
        arrived.wait()
        return real_record(*args, **kwargs)

    monkeypatch.setattr(publish, "_record", record)
    errors = []

    def work(message):
        try:
            tasks.validate_upload(*message)
        except Exception as exc:  # reported below: a crash fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(message,)) for message in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.fixture
def staged_pair(acme, tmp_path, monkeypatch, settings):
    """Two uploads of pkg-1.0-py3-none-any.whl, other content, both accepted by the web side."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        # Its shared cache answers "table is locked" at once instead of waiting.
        pytest.skip("threads cannot share SQLite's in-memory test database; "
                    "tests/e2e/test_upload_concurrency.py races on a SQLite file")
    org, token = acme
    settings.UPLOAD_WAIT_SECONDS = 0
    queued = queue_tasks(monkeypatch)
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        wheel = build_wheel(tmp_path / side, "pkg", "1.0",
                            files={"pkg/__init__.py": f"SIDE = '{side}'\n".encode()})
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 503
    return org, queued


def test_exactly_one_of_two_racing_uploads_is_published(staged_pair, monkeypatch):
    org, queued = staged_pair
    run_together(monkeypatch, queued)
    outcomes = sorted(Upload.objects.values_list("status", flat=True))
    assert outcomes == [UploadStatus.PUBLISHED, UploadStatus.REJECTED]
    loser = Upload.objects.get(status=UploadStatus.REJECTED)
    assert loser.problems[0]["message"].startswith("File already exists")
    winner = File.objects.get()
    assert FilenameRecord.objects.get().blake2_256_digest == winner.blake2_256_digest
    assert Project.objects.count() == 1  # created once, by the winner
    assert stored_names() == {winner.filename, winner.filename + ".metadata"}
    assert leftovers() == []
