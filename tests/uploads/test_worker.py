"""Worker resource limits: address space capped in worker processes, never in the web one."""

import subprocess
import sys
import textwrap

from tests.live import ROOT

PROBE = textwrap.dedent("""
    import os, resource
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    django.setup()
    from django.conf import settings
    from celery.signals import worker_process_init
    settings.CELERY_TASK_ALWAYS_EAGER = {eager}
    settings.UPLOAD_WORKER_MEMORY_LIMIT = {limit}
    worker_process_init.send(sender=None)  # what a pool process sends when it starts
    print(resource.getrlimit(resource.RLIMIT_AS)[0])
    try:
        block = bytearray({allocate})
        print("allocated")
    except MemoryError:
        print("MemoryError")
""")


def probe(*, eager: bool, limit: int, allocate: int) -> list[str]:
    code = PROBE.format(eager=eager, limit=limit, allocate=allocate)
    env = {"PATH": "/usr/bin:/bin", "WHEELHOUSE_VAR_DIR": str(ROOT / "var"),
           "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


GIB = 1024 * 1024 * 1024


def test_a_worker_process_gets_the_address_space_limit():
    limit, outcome = probe(eager=False, limit=GIB, allocate=2 * GIB)
    assert int(limit) == GIB and outcome == "MemoryError"


def test_eager_mode_never_limits_the_web_process():
    limit, outcome = probe(eager=True, limit=GIB, allocate=2 * GIB)
    assert int(limit) == -1 and outcome == "allocated"  # RLIM_INFINITY


def test_zero_means_unlimited():
    limit, _ = probe(eager=False, limit=0, allocate=1)
    assert int(limit) == -1


def test_the_setting_defaults_to_two_gib():
    from config import settings as config

    assert config.UPLOAD_WORKER_MEMORY_LIMIT == 2 * GIB


def test_worker_tasks_reuse_the_database_connection():
    """Celery's Django fixup closes the connection around every task unless this is set."""
    from celery.fixups.django import DjangoWorkerFixup
    from django.conf import settings

    from config.celery import app

    assert DjangoWorkerFixup(app).db_reuse_max == settings.CELERY_DB_REUSE_MAX >= 100


def test_before_each_worker_task_an_old_or_broken_connection_is_dropped(monkeypatch):
    from types import SimpleNamespace

    from celery.signals import task_prerun

    from uploads import worker

    checks = []
    monkeypatch.setattr(worker, "close_old_connections", lambda: checks.append("checked"))
    task_prerun.send(sender=None, task=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    assert checks == ["checked"]
    task_prerun.send(sender=None, task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert checks == ["checked"]  # in-process, the request's connection is left alone
