"""Fixed-window rate limits in the shared cache (Redis in production, local memory by default).

Limits come from ``settings.RATE_LIMITS``: ``{name: (requests, window seconds)}``.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from accounts.authentication import client_ip


class RateLimited(Exception):
    """Too many requests; ``retry_after`` is in seconds."""

    def __init__(self, name: str, retry_after: int):
        super().__init__(f"Too many requests ({name}); retry in {retry_after} seconds.")
        self.retry_after = retry_after


def _limit(name: str) -> tuple[int, int]:
    return tuple(settings.RATE_LIMITS[name])


def rate_hit(name: str, who: str) -> None:
    """Count one request of ``who`` against limit ``name``; raises RateLimited when over it."""
    allowed, window = _limit(name)
    now = int(time.time())
    start = now - now % window
    key = f"rl:{name}:{who}:{start}"
    if cache.add(key, 1, window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + 1)
            count = 1
    if count > allowed:
        raise RateLimited(name, max(start + window - now, 1))


def too_many(exc: RateLimited) -> HttpResponse:
    """The plain 429 answer for web views."""
    response = HttpResponse(str(exc) + "\n", status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limited(name: str, methods: tuple[str, ...] = ("POST",)):
    """Wrap a view: requests with ``methods`` count per client IP against limit ``name``."""
    def decorate(view):
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    rate_hit(name, client_ip(request) or "unknown")
                except RateLimited as exc:
                    return too_many(exc)
            return view(request, *args, **kwargs)
        wrapped.__name__ = getattr(view, "__name__", "view")
        wrapped.__doc__ = view.__doc__
        return wrapped
    return decorate
