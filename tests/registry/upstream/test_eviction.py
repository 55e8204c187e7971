"""The beat task keeps each org's proxied files within UPSTREAM_CACHE_MAX_BYTES, least
recently used out first."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from registry.models import UpstreamFile
from registry.storage import distributions
from registry.upstream.tasks import evict_upstream_cache
from tests.factories import OrgFactory

pytestmark = pytest.mark.django_db


def kept(org, filename: str, size: int, days_ago: int) -> UpstreamFile:
    path = distributions().save(f"upstream/{org.pk}/x/{filename}", ContentFile(b"x" * size))
    return UpstreamFile.objects.create(
        org=org, normalized_name="x", filename=filename, sha256=filename.ljust(64, "0"),
        size=size, path=path, last_used_at=timezone.now() - timedelta(days=days_ago))


def test_least_recently_used_files_go_first(settings, django_capture_on_commit_callbacks):
    settings.UPSTREAM_CACHE_MAX_BYTES = 250
    org, other = OrgFactory(), OrgFactory()
    old, middle, new = kept(org, "old", 100, 9), kept(org, "middle", 100, 5), kept(org, "new",
                                                                                  100, 1)
    theirs = kept(other, "theirs", 200, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert evict_upstream_cache.delay().get() == 1
    assert set(UpstreamFile.objects.values_list("filename", flat=True)) == {
        "middle", "new", "theirs"}
    assert not distributions().exists(old.path)
    assert distributions().exists(middle.path) and distributions().exists(theirs.path)
    assert distributions().exists(new.path)


def test_a_download_marks_a_file_used(client, settings):
    from registry.upstream import services

    org = OrgFactory()
    file = kept(org, "f", 1, 3)
    services.file_used(file)
    file.refresh_from_db()
    assert timezone.now() - file.last_used_at < timedelta(minutes=1)


def test_the_task_is_scheduled(settings):
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "registry.upstream.tasks.evict_upstream_cache" in tasks
