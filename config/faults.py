"""A dependency that is down answers 503 with ``Retry-After`` and a sentence, not a bare 500.

A view (or a service it calls) that raises ``CacheUnavailable`` (Redis could not drop the
cached pages a write changes: the write's transaction rolled back) or a database
``OperationalError`` (Postgres unreachable, or a statement over ``statement_timeout``) gets
this answer; nothing the request did was committed. The fault is logged once per request.
"""

import logging

from django.conf import settings
from django.db import OperationalError

from config.errors import error_response
from config.redis_cache import CacheUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    CacheUnavailable: "The registry's cache is unreachable, so changes cannot be made just "
                      "now; nothing was changed. Reading still works.",
    OperationalError: "The registry's database is unreachable or too slow just now; nothing "
                      "was changed.",
}


def unavailable(request, exc: Exception):
    """The 503 for a fault of a dependency, or None for any other exception."""
    for kind, message in MESSAGES.items():
        if isinstance(exc, kind):
            log.warning("%s %s: %s (%s)", request.method, request.path, kind.__name__, exc)
            retry_after = settings.FAULT_RETRY_AFTER_SECONDS
            response = error_response(request, 503, f"{message} Retry in {retry_after} seconds.",
                                      with_request=False)
            response["Retry-After"] = str(retry_after)
            return response
    return None


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable(request, exception)
