"""The Redis cache backend: one redis-py client per process, short timeouts, defined faults.

Django's own backend builds a new ``redis.Redis`` on every call (its constructor registers
some 170 response callbacks: on a cached index page that cost more CPU than the round trip)
and lets every Redis error through. This one keeps one thread-safe client, built with
redis-py's public API, and fails in a way the registry can act on:

- reads (``get``, ``get_many``, ``has_key``) of an unreachable Redis are misses, so pages are
  built from the database, uncached;
- storing (``set``, ``set_many``, ``add``, ``touch``) is best effort: a value not stored is
  only a later miss (``add`` answers False, as for a key already taken);
- dropping (``delete``, ``delete_many``, ``clear``) and counting (``incr``) raise
  ``CacheUnavailable``: a write whose cached pages cannot be dropped must not commit
  (``config.faults`` answers it with 503), and a rate limit decides what a lost count means.

After a failure the client is not asked again for ``RETRY_AFTER`` seconds, so a dead or
hanging Redis costs each request microseconds, not a timeout per call; the first call after
that tries again, so recovery needs no restart.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisSerializer
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
RETRY_AFTER = 1.0  # seconds without asking Redis after it failed


class CacheUnavailable(ConnectionError):
    """Redis could not be reached to drop or count keys; nothing was changed there.

    A builtin ConnectionError, so the apps catch it without importing the project's wiring."""


_FAULTS = (redis.ConnectionError, redis.TimeoutError)


class PooledRedisCache(BaseCache):
    """OPTIONS: ``socket_timeout`` and ``socket_connect_timeout`` (seconds), passed to
    ``redis.Redis.from_url`` with any other redis-py connection option."""

    def __init__(self, server: str, params: dict):
        super().__init__(params)
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5,
                   "health_check_interval": 30, **params.get("OPTIONS", {})}
        # One immediate retry on a fresh connection (a pooled one may have died with a
        # restarted Redis), never a backoff: the registry answers without the cache instead.
        options.setdefault("retry", Retry(NoBackoff(), 1))
        self.client = redis.Redis.from_url(server, **options)
        self.serializer = RedisSerializer()
        self._down_until = 0.0
        self._lock = threading.Lock()

    # --- availability -------------------------------------------------------------------
    def available(self) -> bool:
        """Whether Redis is not known to be down (it failed less than RETRY_AFTER ago)."""
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception, action: str) -> None:
        with self._lock:
            first = self.available()
            self._down_until = time.monotonic() + RETRY_AFTER
        if first:
            log.warning("cache unreachable (%s: %s); serving without it", action, exc)

    def _call(self, action: str, fn, fallback):
        """``fn()``, or ``fallback`` when Redis is down or fails (a read or a store)."""
        if not self.available():
            return fallback
        try:
            return fn()
        except _FAULTS as exc:
            self._failed(exc, action)
            return fallback

    def _required(self, action: str, fn):
        """``fn()``, or CacheUnavailable when Redis is down or fails (a drop or a count)."""
        if not self.available():
            raise CacheUnavailable(f"the cache is unreachable ({action})")
        try:
            return fn()
        except _FAULTS as exc:
            self._failed(exc, action)
            raise CacheUnavailable(f"the cache is unreachable ({action})") from exc

    # --- Django's cache API -------------------------------------------------------------
    def _timeout(self, timeout) -> int | None:
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    def _key(self, key, version) -> str:
        return self.make_and_validate_key(key, version=version)

    def get(self, key, default=None, version=None):
        value = self._call("get", lambda: self.client.get(self._key(key, version)), None)
        return default if value is None else self.serializer.loads(value)

    def get_many(self, keys, version=None):
        names = {self._key(key, version): key for key in keys}
        if not names:
            return {}
        values = self._call("get_many", lambda: self.client.mget(list(names)), [])
        return {names[name]: self.serializer.loads(value)
                for name, value in zip(names, values, strict=False) if value is not None}

    def has_key(self, key, version=None):
        return bool(self._call("has_key", lambda: self.client.exists(self._key(key, version)),
                               0))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout, name = self._timeout(timeout), self._key(key, version)
        if timeout == 0:
            return False  # expired at once: nothing to keep
        data = self.serializer.dumps(value)
        return bool(self._call("add", lambda: self.client.set(name, data, ex=timeout, nx=True),
                               False))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout, name = self._timeout(timeout), self._key(key, version)
        if timeout == 0:
            self.delete(key, version=version)
            return
        data = self.serializer.dumps(value)
        self._call("set", lambda: self.client.set(name, data, ex=timeout), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self._timeout(timeout)
        values = {self._key(key, version): self.serializer.dumps(value)
                  for key, value in data.items()}
        if not values:
            return []

        def store():
            with self.client.pipeline() as pipe:
                for name, value in values.items():
                    pipe.set(name, value, ex=timeout)
                pipe.execute()

        self._call("set_many", store, None)
        return []

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        timeout, name = self._timeout(timeout), self._key(key, version)
        if timeout is None:
            return bool(self._call("touch", lambda: self.client.persist(name), False))
        return bool(self._call("touch", lambda: self.client.expire(name, timeout), False))

    def delete(self, key, version=None):
        name = self._key(key, version)
        return bool(self._required("delete", lambda: self.client.delete(name)))

    def delete_many(self, keys, version=None):
        names = [self._key(key, version) for key in keys]
        if names:
            self._required("delete_many", lambda: self.client.delete(*names))

    def incr(self, key, delta=1, version=None):
        name = self._key(key, version)

        def count():
            if not self.client.exists(name):  # Django's contract: only an existing key
                raise ValueError(f"Key '{key}' not found.")
            return self.client.incr(name, delta)

        return self._required("incr", count)

    def clear(self):
        return bool(self._required("clear", self.client.flushdb))
