"""Telling a waiting upload request that the worker has decided its upload, through Redis.

The worker pushes the final status to a per-upload list once that status is committed; the
request blocks on that list (BLPOP) instead of polling the database. The database stays the
truth: the message carries only what was committed, a refusal's reasons are read from the
row, and without a message the request reads the row at least every ``FALLBACK_SECONDS``, so
a lost message (Redis restarted, two requests waiting on one upload) only costs latency,
never a wrong answer. Without Redis (the embedded default, where Celery
runs the task in-process before the request starts waiting) the request polls.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

import redis
from django.conf import settings

log = logging.getLogger(__name__)
FALLBACK_SECONDS = 0.25


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # One pool per process and URL; redis-py notices a fork and opens new connections.
    return redis.Redis.from_url(url)


def _key(upload_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:upload-decided:{upload_id}"


def available() -> bool:
    return bool(settings.REDIS_URL)


def upload_announce(upload_id: int, status: str) -> None:
    """Wake the request waiting for ``upload_id`` with its final ``status`` (call after that
    status committed)."""
    if not available():
        return
    try:
        with _client(settings.REDIS_URL).pipeline() as pipe:
            pipe.rpush(_key(upload_id), status)
            # Nobody may be waiting (the request gave up, or runs the task itself).
            pipe.expire(_key(upload_id), settings.UPLOAD_WAIT_SECONDS + 60)
            pipe.execute()
    except redis.RedisError:
        log.warning("could not announce upload %s; its request will poll", upload_id,
                    exc_info=True)


def upload_listen(upload_id: int, seconds: float) -> str | None:
    """The final status announced for ``upload_id``, or None when ``seconds`` pass first."""
    if not available():
        time.sleep(seconds)
        return None
    try:
        # BLPOP takes fractional seconds; 0 would mean "forever".
        heard = _client(settings.REDIS_URL).blpop([_key(upload_id)], timeout=max(seconds, 0.001))
    except redis.RedisError:
        log.warning("could not listen for upload %s; polling", upload_id, exc_info=True)
        time.sleep(seconds)
        return None
    return heard[1].decode() if heard else None
