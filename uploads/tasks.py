"""Celery tasks: fetch by primary key, call one service, own the retries."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from registry.readme import release_render_description
from uploads import handoff, publish, services


@shared_task(acks_late=True, reject_on_worker_lost=False, max_retries=0)
def validate_upload(upload_id: int) -> None:
    # The org is read (and locked) by the publishing transaction.
    upload = publish.upload_load(upload_id)
    if upload is None:
        return
    _processed(upload)


@shared_task(acks_late=True, reject_on_worker_lost=False, max_retries=0)
def validate_staged(handoff_id: str, staged_name: str, inputs: dict) -> None:
    """Validate a file staged before its upload row existed, then publish it once the
    request hands over the row's id (``uploads.handoff``)."""
    said = handoff.peek(handoff_id)  # a refusal or a replay known already: no validation
    if said == handoff.CANCEL:
        return
    checked = publish.staged_check(staged_name, inputs)
    said = said or handoff.receive(handoff_id)
    if said is None or said == handoff.CANCEL:
        return  # the request removes the staged file, or queues the upload again by id
    upload = publish.upload_load(int(said))
    if upload is None:
        return
    _processed(upload, checked)


def _processed(upload, checked=None) -> None:
    try:
        services.upload_process(upload, checked)
    except SoftTimeLimitExceeded:
        services.upload_fail(upload.pk, "Validation took too long and was stopped; nothing "
                                        "was published.")
    except MemoryError:
        services.upload_fail(upload.pk, "Validation needed more memory than a worker may use "
                                        "and was stopped; nothing was published.")
    except Exception:
        services.upload_fail(upload.pk, "An internal error stopped the upload; nothing was "
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
