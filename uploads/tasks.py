"""Celery tasks: fetch by primary key, call one service, own the retries."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from uploads import services
from uploads.models import Upload


@shared_task(acks_late=True, reject_on_worker_lost=False, max_retries=0)
def validate_upload(upload_id: int) -> None:
    upload = Upload.objects.select_related("org", "user", "token").filter(pk=upload_id).first()
    if upload is None:
        return
    try:
        services.upload_process(upload)
    except SoftTimeLimitExceeded:
        services.upload_fail(upload_id, "Validation took too long and was stopped.")
    except Exception:
        services.upload_fail(upload_id, "An internal error stopped the upload; nothing was "
                                        "published. Please retry.")
        raise
