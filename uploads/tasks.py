"""Celery tasks: fetch by primary key, call one service, own the retries."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from registry.readme import release_render_description
from uploads import publish, services, takeover


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=0)
def validate_upload(upload_id: int, inputs: dict | None = None) -> None:
    """Validate and publish an upload. ``inputs`` (``publish.upload_inputs``) lets validation
    start without reading the row, which the publishing transaction reads under the org's
    lock; a message queued without them (by an older release) reads it first.

    A worker killed mid-task gives the message back (``reject_on_worker_lost``); the upload's
    claim (``uploads.takeover``) makes a second delivery of a finished upload stop at once."""
    with takeover.upload_claimed(upload_id) as claim:
        if claim == takeover.Claim.TOO_MANY:
            services.upload_fail(upload_id, "Validating this file stopped the worker "
                                            f"{takeover.MAX_DELIVERIES} times; nothing was "
                                            "published.")
        elif claim in (takeover.Claim.MINE, takeover.Claim.UNKNOWN):
            _validate(upload_id, inputs)


def _validate(upload_id: int, inputs: dict | None) -> None:
    upload = publish.upload_from_inputs(upload_id, inputs) or publish.upload_load(upload_id)
    if upload is None:
        return
    try:
        services.upload_process(upload)
    except ConnectionError:  # the cache backend could not drop the pages (Redis down)
        services.upload_fail(upload_id, "The registry's cache was unreachable, so the upload "
                                        "could not be published; nothing was. Please retry.")
    except SoftTimeLimitExceeded:
        services.upload_fail(upload_id, "Validation took too long and was stopped; nothing "
                                        "was published.")
    except MemoryError:
        services.upload_fail(upload_id, "Validation needed more memory than a worker may use "
                                        "and was stopped; nothing was published.")
    except Exception:
        services.upload_fail(upload_id, "An internal error stopped the upload; nothing was "
                                        "published. Please retry.")
        raise


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=True)
def render_readme(release_id: int) -> None:
    """Render a release's description to sanitised HTML (safe to run again)."""
    release_render_description(release_id=release_id)


@shared_task(ignore_result=True)
def expire_stale_uploads() -> int:
    """Periodic (Celery beat): what ``manage.py expire_uploads`` does with its defaults."""
    return services.upload_expire(older_than=services.stale_after())
