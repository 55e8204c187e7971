"""``python manage.py sweep_blobs [--older-than HOURS] [--dry-run]``: blobs no file row uses."""

import hashlib
import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.storage import blob_path, distributions
from tests.factories import FileFactory, OrgFactory
from uploads.services import stale_after

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def put(name: str, content: bytes = b"wheel bytes", age_seconds: float = 2 * DAY) -> str:
    """A blob at ``name``, last written ``age_seconds`` ago."""
    store = distributions()
    store.save(name, ContentFile(content))
    then = time.time() - age_seconds
    os.utime(store.path(name), (then, then))
    return name


def orphan_path(org_id: int, filename: str = "lost-1.0-py3-none-any.whl") -> str:
    return blob_path(org_id, hashlib.blake2b(filename.encode(), digest_size=32).hexdigest(),
                     filename)


def sweep(*args: str) -> str:
    out = StringIO()
    call_command("sweep_blobs", *args, stdout=out)
    return out.getvalue()


class TestSweepBlobs:
    def test_removes_only_old_blobs_no_file_row_uses(self):
        used = FileFactory()
        org_id = used.org_id
        kept = [put(used.path), put(used.path + ".metadata"),
                put(orphan_path(org_id, "young-1.0.tar.gz"), age_seconds=60)]
        lost = [put(orphan_path(org_id)), put(orphan_path(org_id) + ".metadata", b"meta")]

        output = sweep()

        store = distributions()
        assert [name for name in kept if store.exists(name)] == kept
        assert [name for name in lost if store.exists(name)] == []
        assert output.splitlines() == [*(f"removed {name}" for name in lost),
                                       "Removed 2 orphaned blobs (0.0 MiB)."]

    def test_the_emptied_folders_go_too(self):
        org_id = OrgFactory().pk
        name = put(orphan_path(org_id))
        sweep()
        assert not os.path.exists(os.path.dirname(distributions().path(name)))
        assert distributions().listdir("") == ([], [])

    def test_a_file_row_of_another_org_does_not_keep_a_blob(self):
        used = FileFactory()
        other = OrgFactory()
        # The same digest and filename under the other org's folder: not its file.
        stray = put(used.path.replace(f"{used.org_id}/", f"{other.pk}/", 1))
        put(used.path)
        sweep()
        assert distributions().exists(used.path)
        assert not distributions().exists(stray)

    def test_names_outside_the_blob_layout_are_left_alone(self):
        org_id = OrgFactory().pk
        strangers = [put("notes/readme.txt"), put(f"{org_id}/not-a-digest/file.whl"),
                     put(f"{org_id}/ab/cd/short/file.whl")]
        assert sweep().splitlines() == ["Removed 0 orphaned blobs (0.0 MiB)."]
        assert all(distributions().exists(name) for name in strangers)

    def test_a_dry_run_lists_and_keeps(self):
        name = put(orphan_path(OrgFactory().pk), b"x" * (3 * 1024 * 1024))
        output = sweep("--dry-run")
        assert output.splitlines() == [f"would remove {name}",
                                       "Would remove 1 orphaned blob (3.0 MiB)."]
        assert distributions().exists(name)

    def test_older_than_moves_the_cutoff(self):
        name = put(orphan_path(OrgFactory().pk), age_seconds=3 * 3600)
        sweep()  # younger than the default day
        assert distributions().exists(name)
        sweep("--older-than", "2")
        assert not distributions().exists(name)

    @pytest.mark.parametrize("hours", ["0", "-1", "just under"])
    def test_a_cutoff_inside_a_pending_upload_is_refused(self, hours):
        if hours == "just under":  # an upload may stay pending this long (expire_uploads)
            hours = str(stale_after().total_seconds() / 3600 * 0.99)
        name = put(orphan_path(OrgFactory().pk), age_seconds=60)
        with pytest.raises(CommandError, match="--older-than must be at least"):
            sweep("--older-than", hours)
        assert distributions().exists(name)

    def test_nothing_stored_yet(self):
        assert not os.path.exists(distributions().location)
        assert sweep().splitlines() == ["Removed 0 orphaned blobs (0.0 MiB)."]

    def test_a_blob_gone_while_the_sweep_runs_is_skipped(self, monkeypatch):
        org_id = OrgFactory().pk
        gone = put(orphan_path(org_id, "gone-1.0.tar.gz"))
        lost = put(orphan_path(org_id))
        store = distributions()
        real = store.get_modified_time

        def modified(name):
            if name == gone:  # removed by a deletion's clean-up just now
                store.delete(name)
            return real(name)

        monkeypatch.setattr(store, "get_modified_time", modified)
        assert sweep().splitlines() == [f"removed {lost}", "Removed 1 orphaned blob (0.0 MiB)."]
