"""Cached index pages, kept as finished bytes with their ETag.

Project pages are keyed by the project's serial and status, so a write (which bumps the serial)
makes the old entry unreachable at once. The org root page is keyed by an org generation that
``invalidate`` advances after every committed write, and by the caller's visibility class.
"""

import hashlib
import time
from typing import NamedTuple

from django.core.cache import cache

from registry.models import Project

PAGE_TTL = 24 * 3600


class CachedPage(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    serial: int


def page_of(body: bytes, content_type: str, serial: int) -> CachedPage:
    """The finished page with its strong ETag and the serial it shows."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return CachedPage(body, content_type, etag, serial)


def _fresh_generation() -> int:
    # Never restart at a small number: a lost counter must not match keys cached before.
    return time.time_ns() // 1000


def org_generation(org_id: int) -> int:
    key = f"orggen:{org_id}"
    value = cache.get(key)
    if value is None:
        cache.add(key, _fresh_generation(), None)
        value = cache.get(key)
    return value


def invalidate(project: Project) -> None:
    """Make every cached root page of the project's org unreachable."""
    key = f"orggen:{project.org_id}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, _fresh_generation(), None)


def project_key(kind: str, project: Project, *parts: str) -> str:
    return ":".join([kind, str(project.pk), str(project.last_serial), project.status, *parts])


def root_key(org_id: int, visibility_class: str, content_type: str) -> str:
    return f"root:{org_id}:{org_generation(org_id)}:{visibility_class}:{content_type}"


def page_get(key: str) -> CachedPage | None:
    value = cache.get(key)
    return CachedPage(*value) if value is not None else None


def page_set(key: str, page: CachedPage) -> None:
    cache.set(key, tuple(page), PAGE_TTL)
