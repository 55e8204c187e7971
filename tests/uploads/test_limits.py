"""Size limits per file, per project and per org; one sdist per release."""

import pytest

from registry.models import File
from tests.corpus import build_sdist, build_wheel
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory
from tests.uploads.uploading import leftovers, queue_tasks, stored_names, upload
from uploads import tasks
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db(transaction=True)


class TestFileSize:
    def test_default_is_100_mib(self):
        from config import settings as config

        assert config.UPLOAD_MAX_FILE_SIZE == 100 * 1024 * 1024

    def test_org_limit_applies(self, acme, tmp_path):
        org, token = acme
        org.max_file_size = 200
        org.save()
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        response = upload(org, token, wheel, "pkg", "1.0")
        assert response.status_code == 413 and "File too large" in response.reason_phrase
        assert stored_names() == set() and not Upload.objects.exists()

    def test_project_limit_overrides_the_org_limit(self, acme, tmp_path):
        org, token = acme
        org.max_file_size = 200
        org.save()
        ProjectFactory(org=org, name="big", max_file_size=10 * 1024 * 1024)
        small = ProjectFactory(org=org, name="small", max_file_size=300)
        assert upload(org, token, build_wheel(tmp_path, "big", "1.0"),
                      "big", "1.0").status_code == 200
        response = upload(org, token, build_wheel(tmp_path, "small", "1.0"), "small", "1.0")
        assert response.status_code == 413
        assert f"Limit for project '{small.name}'" in response.reason_phrase

    def test_the_cap_bounds_every_limit(self, acme, tmp_path, settings):
        org, token = acme
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 300
        ProjectFactory(org=org, name="big", max_file_size=10 * 1024 * 1024)
        response = upload(org, token, build_wheel(tmp_path, "big", "1.0"), "big", "1.0")
        assert response.status_code == 413 and leftovers() == []


class TestTotals:
    def test_project_total_is_enforced(self, acme, tmp_path, settings):
        org, token = acme
        first = build_wheel(tmp_path, "pkg", "1.0")
        settings.UPLOAD_MAX_PROJECT_SIZE = first.stat().st_size + 100
        assert upload(org, token, first, "pkg", "1.0").status_code == 200
        response = upload(org, token, build_wheel(tmp_path, "pkg", "2.0"), "pkg", "2.0")
        assert response.status_code == 400
        assert response.reason_phrase.startswith("Project size limit exceeded: project 'pkg'")
        assert File.objects.count() == 1 and leftovers() == []
        # Another project is not affected by pkg's total.
        assert upload(org, token, build_wheel(tmp_path, "other", "1.0"),
                      "other", "1.0").status_code == 200

    def test_org_total_is_enforced(self, acme, tmp_path, settings):
        org, token = acme
        first = build_wheel(tmp_path, "one", "1.0")
        settings.UPLOAD_MAX_ORG_SIZE = first.stat().st_size + 100
        assert upload(org, token, first, "one", "1.0").status_code == 200
        response = upload(org, token, build_wheel(tmp_path, "two", "1.0"), "two", "1.0")
        assert response.status_code == 400
        assert response.reason_phrase.startswith("Organisation size limit exceeded: 'acme'")
        assert "this file is" in response.reason_phrase and leftovers() == []

    def test_worker_enforces_totals_for_uploads_accepted_together(self, acme, tmp_path,
                                                                 settings, monkeypatch):
        org, token = acme
        settings.UPLOAD_WAIT_SECONDS = 0
        queued = queue_tasks(monkeypatch)
        wheels = [build_wheel(tmp_path, "pkg", v) for v in ("1.0", "2.0")]
        settings.UPLOAD_MAX_PROJECT_SIZE = wheels[0].stat().st_size + 100
        for wheel, version in zip(wheels, ("1.0", "2.0"), strict=True):
            assert upload(org, token, wheel, "pkg", version).status_code == 503
        for message in queued:
            tasks.validate_upload(*message)
        second = Upload.objects.get(version="2.0")
        assert second.status == UploadStatus.REJECTED
        assert second.problems[0]["message"].startswith("Project size limit exceeded")
        assert File.objects.count() == 1 and leftovers() == []


    def test_totals_come_from_counters_not_from_summing_the_org(self, acme, tmp_path):
        from django.db import connection
        from django.db.models import Sum
        from django.test.utils import CaptureQueriesContext

        org, token = acme
        for version in ("1.0", "2.0"):
            with CaptureQueriesContext(connection) as queries:
                assert upload(org, token, build_wheel(tmp_path, "pkg", version), "pkg",
                              version).status_code == 200
            assert not [q["sql"] for q in queries.captured_queries
                        if "SUM(" in q["sql"].upper()]
        org.refresh_from_db()
        assert org.used_bytes == File.objects.aggregate(s=Sum("size"))["s"] > 0


class TestOneSdistPerRelease:
    def test_a_second_sdist_for_a_release_is_refused(self, acme, tmp_path):
        org, token = acme
        release = ReleaseFactory(project=ProjectFactory(org=org, name="pkg"), version="1.0")
        FileFactory(release=release, filename="pkg-1.0.zip", packagetype="sdist")
        response = upload(org, token, build_sdist(tmp_path, "pkg", "1.0"), "pkg", "1.0")
        assert response.status_code == 400
        assert response.reason_phrase == (
            "Only one sdist may be uploaded per release: 'pkg' 1.0 already has one. "
            "Upload it under a new version.")
        assert upload(org, token, build_wheel(tmp_path, "pkg", "1.0"),
                      "pkg", "1.0").status_code == 200  # wheels are still welcome

    def test_the_worker_refuses_it_too(self, acme, tmp_path, settings, monkeypatch):
        org, token = acme
        settings.UPLOAD_WAIT_SECONDS = 0
        queued = queue_tasks(monkeypatch)
        assert upload(org, token, build_sdist(tmp_path, "pkg", "1.0"),
                      "pkg", "1.0").status_code == 503
        release = ReleaseFactory(project=ProjectFactory(org=org, name="pkg"), version="1.0")
        FileFactory(release=release, filename="pkg-1.0.zip", packagetype="sdist")
        tasks.validate_upload(*queued.pop())
        refused = Upload.objects.get()
        assert refused.status == UploadStatus.REJECTED
        assert refused.problems[0]["message"].startswith("Only one sdist may be uploaded")
        assert leftovers() == []


class TestNewProjectLimit:
    """The limit on new projects counts the projects uploads create, not the attempts."""

    @pytest.fixture
    def one_new_project(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "project_create": (1, 3600)}

    def test_racing_uploads_that_create_one_project_count_once(
            self, acme, tmp_path, settings, monkeypatch, one_new_project):
        org, token = acme
        settings.UPLOAD_WAIT_SECONDS = 0  # each answers 503 at once; the test runs the worker
        queued = queue_tasks(monkeypatch)
        versions = ("1.0", "2.0", "3.0", "4.0")
        # Each request finds no project "pkg" and may create it.
        answers = [upload(org, token, build_wheel(tmp_path, "pkg", v), "pkg", v).status_code
                   for v in versions]
        assert answers == [503] * len(versions)
        for message in queued:
            tasks.validate_upload(*message)
        assert [u.status for u in Upload.objects.order_by("version")] == \
            [UploadStatus.PUBLISHED] * len(versions)
        assert File.objects.count() == len(versions)
        # The one project created used the limit up: the next new one is refused.
        monkeypatch.undo()
        settings.UPLOAD_WAIT_SECONDS = 10
        response = upload(org, token, build_wheel(tmp_path, "other", "1.0"), "other", "1.0")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert response.reason_phrase.startswith("Too many new projects; retry in")
        assert not File.objects.filter(filename__startswith="other").exists()
        assert leftovers() == []

    def test_refused_uploads_create_nothing_and_count_nothing(
            self, acme, tmp_path, one_new_project):
        org, token = acme
        broken = tmp_path / "broken_pkg-1.0-py3-none-any.whl"
        broken.write_bytes(b"not a zip archive" * 64)
        for _attempt in range(3):
            response = upload(org, token, broken, "broken-pkg", "1.0")
            assert response.status_code == 400, response.content
        response = upload(org, token, build_wheel(tmp_path, "good", "1.0"), "good", "1.0")
        assert response.status_code == 200, response.content
