"""Cached index pages, kept as finished bytes and keyed by the project's serial."""

from django.core.cache import cache

from registry.models import Project


def org_generation(org_id: int) -> int:
    return cache.get_or_set(f"orggen:{org_id}", 1, None)


def invalidate(project: Project) -> None:
    key = f"orggen:{project.org_id}"
    if not cache.add(key, 2, None):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 2, None)
