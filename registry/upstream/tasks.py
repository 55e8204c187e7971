"""Celery beat: keep each org's proxied files within ``UPSTREAM_CACHE_MAX_BYTES``."""

from celery import shared_task
from django.conf import settings

from accounts.models import Organization
from registry.models import UpstreamFile
from registry.upstream import services


@shared_task(name="registry.upstream.tasks.evict_upstream_cache", acks_late=True)
def evict_upstream_cache() -> int:
    """Evict least recently used proxied files of every org over the limit."""
    org_ids = UpstreamFile.objects.values_list("org_id", flat=True).distinct()
    dropped = 0
    for org in Organization.objects.filter(pk__in=list(org_ids)):
        dropped += services.cache_evict(org=org, limit=settings.UPSTREAM_CACHE_MAX_BYTES)
    return dropped
