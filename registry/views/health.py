"""Liveness and readiness probes."""

import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from registry.storage import distributions


@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


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
        conn.ensure_connection(max_retries=1, timeout=3)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage, "broker": _broker}


@require_safe
def readyz(request):
    results, ok = {}, True
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure as data
            results[name] = f"error: {type(exc).__name__}"
            ok = False
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": results},
                        status=200 if ok else 503)
