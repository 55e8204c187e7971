"""Resource limits and database connections for the Celery worker processes.

The address-space limit is set when a worker (and each of its pool processes) starts; a
task that passes it gets MemoryError and its upload is failed cleanly. The web process
never parses archives, and with eager Celery (the embedded default) nothing is limited.
"""

import logging
import resource

from celery.signals import task_prerun, worker_init, worker_process_init
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


def memory_limit_apply(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (soft and hard); 0 means none."""
    if limit <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@worker_init.connect
@worker_process_init.connect
def _limit_worker_memory(**_kwargs) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:  # in-process: this would be the web process
        return
    memory_limit_apply(settings.UPLOAD_WORKER_MEMORY_LIMIT)
    log.info("worker address space limited to %s bytes", settings.UPLOAD_WORKER_MEMORY_LIMIT)


@task_prerun.connect
def _fresh_enough_connection(task=None, **_kwargs) -> None:
    """As at the start of a web request: drop a connection that is too old or broken."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # in-process: the connection belongs to the request that runs the task
    close_old_connections()
