"""Liveness and readiness probes.

``/readyz`` asks every dependency at once, each in a thread of its own, and answers within
``DEADLINE`` seconds whatever hangs: a check still running then is reported as a timeout,
and is not started again while it runs, so a hanging dependency holds one thread, however
often the probe asks. The database and the file storage are required (503 without them);
without Redis (cache, broker) the registry still serves reads from the database, so the
answer is 200 with status "degraded" and the failed checks named.
"""

import threading
import time
import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from registry.storage import distributions

DEADLINE = 1.5  # seconds for all checks together
REQUIRED = ("database", "storage")


@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this thread's own connection: not kept


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _storage() -> None:
    distributions().exists("readyz-probe")


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage, "broker": _broker}


class _Probe:
    """One check running in its own thread; its result once it ends."""

    def __init__(self, check):
        self.result: str | None = None
        self.thread = threading.Thread(target=self._run, args=(check,), daemon=True)
        self.thread.start()

    def _run(self, check) -> None:
        try:
            check()
            self.result = "ok"
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure as data
            self.result = f"error: {type(exc).__name__}"


_running: dict[str, _Probe] = {}
_lock = threading.Lock()


def _started(name: str) -> _Probe:
    with _lock:
        probe = _running.get(name)
        if probe is None or not probe.thread.is_alive():
            probe = _running[name] = _Probe(CHECKS[name])
        return probe


@require_safe
def readyz(request):
    probes = {name: _started(name) for name in CHECKS}
    deadline = time.monotonic() + DEADLINE
    for probe in probes.values():
        probe.thread.join(max(deadline - time.monotonic(), 0))
    results = {name: probe.result or f"error: no answer in {DEADLINE:g} s"
               for name, probe in probes.items()}
    failed = [name for name, result in results.items() if result != "ok"]
    if any(name in REQUIRED for name in failed):
        status, code = "unavailable", 503
    else:
        status, code = ("degraded" if failed else "ok"), 200
    return JsonResponse({"status": status, "checks": results}, status=code)
