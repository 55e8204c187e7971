"""Whether an upload can be taken now: the services it needs after staging are reachable.

An upload is queued on the broker and, once published, drops the project's cached pages in
Redis. If either is unreachable it would stage the file only to fail later, so it is refused
first, with 503 and ``Retry-After``, and nothing is kept. One PING each (a fraction of a
millisecond), with short timeouts: a dead Redis answers at once, a hanging one within
``TIMEOUT`` seconds.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from django.conf import settings

log = logging.getLogger(__name__)
TIMEOUT = 1.0


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)


def _needed() -> dict[str, str]:
    urls = {}
    if settings.REDIS_URL:
        urls["cache"] = settings.REDIS_URL
    broker = settings.CELERY_BROKER_URL or ""
    if not settings.CELERY_TASK_ALWAYS_EAGER and broker.startswith(("redis://", "rediss://")):
        urls["task queue"] = broker
    return urls


def upload_unavailable() -> str | None:
    """Why uploads cannot be taken just now (a sentence), or None when they can."""
    for name, url in _needed().items():
        try:
            _client(url).ping()
        except redis.RedisError as exc:
            log.warning("upload refused: the %s is unreachable (%s)", name, exc)
            return (f"The registry's {name} is unreachable, so uploads cannot be taken just "
                    "now; nothing was kept.")
    return None
