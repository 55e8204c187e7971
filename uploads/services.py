"""The upload pipeline: stage (web process), then validate and publish (Celery task)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File as DjangoFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.principals import Principal
from registry import services as registry_services
from registry.models import File, FilenameRecord, Project
from registry.storage import blob_path, distributions, staging
from uploads import validation
from uploads.models import Upload, UploadStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What the client is told: an HTTP status and the problems, most important first."""

    status: int
    messages: tuple[str, ...] = ()
    retry_after: int | None = None


def existing_file_outcome(*, project: Project | None, org, filename: str,
                          blake2_256: str) -> Outcome | None:
    """Replays: the same file again is 200; the same name with other content is refused."""
    record = FilenameRecord.objects.filter(org=org, filename=filename).first()
    if record is None:
        return None
    if record.blake2_256_digest != blake2_256:
        return Outcome(400, (f"File already exists ('{filename}', with different content). "
                             "A filename can be used only once, even after deletion; "
                             "use a new version.",))
    if File.objects.filter(org=org, filename=filename).exists():
        return Outcome(200)
    return Outcome(400, (f"File already exists ('{filename}' was uploaded before and has "
                         "since been deleted). A filename can never be reused; "
                         "use a new version.",))


@transaction.atomic
def upload_stage(*, org, principal: Principal, project_name: str, create_project: bool,
                 form: validation.FormResult, filename: str, python_version: str,
                 temp_path: str, size: int, digests: dict) -> Upload:
    """Move the received file to staging and record the upload; the task runs on commit."""
    staged_name = f"{uuid.uuid4().hex}/{filename}"
    with open(temp_path, "rb") as handle:
        staged_name = staging().save(staged_name, DjangoFile(handle))
    upload = Upload.objects.create(
        org=org, project_name=project_name, create_project=create_project,
        version=form.version, filename=filename, filetype=form.filetype,
        python_version=python_version, size=size, md5_digest=digests["md5"],
        sha256_digest=digests["sha256"], blake2_256_digest=digests["blake2_256"],
        staged_name=staged_name, user=principal.user, token=principal.token, ip=principal.ip,
    )
    from uploads.tasks import validate_upload

    transaction.on_commit(lambda: validate_upload.delay(upload.pk), robust=True)
    return upload


def upload_wait(upload: Upload, *, seconds: float) -> Upload:
    """Poll the upload's status until it is final or ``seconds`` pass."""
    deadline, pause = time.monotonic() + seconds, 0.02
    while True:
        upload.refresh_from_db(fields=["status", "problems", "file"])
        if upload.status != UploadStatus.PENDING or time.monotonic() >= deadline:
            return upload
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)


@contextmanager
def _local_copy(name: str):
    """A local path for the staged file (a worker may not share the web's disk)."""
    store = staging()
    try:
        yield store.path(name)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=os.path.basename(name)) as local:
        with store.open(name, "rb") as remote:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        local.flush()
        yield local.name


def _finish(upload: Upload, status: str, problems: list[dict] | None = None,
            file: File | None = None) -> None:
    upload.status, upload.problems, upload.file = status, problems or [], file
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "problems", "file", "finished_at"])


def _store_blob(path: str, local_path: str) -> None:
    store = distributions()
    if store.exists(path):
        return
    with open(local_path, "rb") as handle:
        saved = store.save(path, DjangoFile(handle))
    if saved != path:  # a storage that renames on clash would break content addressing
        raise RuntimeError(f"storage saved {path} as {saved}")


def _store_metadata(path: str, data: bytes) -> str:
    import hashlib

    from django.core.files.base import ContentFile

    store = distributions()
    if not store.exists(path + ".metadata"):
        store.save(path + ".metadata", ContentFile(data))
    return hashlib.sha256(data).hexdigest()


def _problems_payload(problems) -> list[dict]:
    return [{"code": p.code, "message": p.message, "field": p.field} for p in problems]


def upload_process(upload: Upload) -> None:
    """Validate the staged file and publish it; on any failure nothing is left behind."""
    if upload.status != UploadStatus.PENDING:
        return
    try:
        with _local_copy(upload.staged_name) as local_path:
            report = validation.check_distribution(
                local_path, filename=upload.filename, filetype=upload.filetype,
                name=upload.project_name, version=upload.version)
            if not report.ok:
                _finish(upload, UploadStatus.REJECTED, _problems_payload(report.problems))
                return
            _publish(upload, report, local_path)
    finally:
        staging().delete(upload.staged_name)


def _publish(upload: Upload, report, local_path: str) -> None:
    path = blob_path(upload.org_id, upload.blake2_256_digest, upload.filename)
    created_blobs = not distributions().exists(path)
    _store_blob(path, local_path)
    metadata_sha256 = _store_metadata(path, report.metadata_bytes) if report.metadata_bytes \
        else ""
    principal = Principal(user=upload.user, token=upload.token, ip=upload.ip)
    new = registry_services.NewFile(
        filename=upload.filename, packagetype=upload.filetype,
        python_version=report.python_tag or upload.python_version, size=upload.size,
        md5=upload.md5_digest, sha256=upload.sha256_digest,
        blake2_256=upload.blake2_256_digest, path=path, metadata_sha256=metadata_sha256,
        version=report.version or upload.version, project_name=upload.project_name,
        metadata=report.metadata)
    try:
        with transaction.atomic():
            project = _project_for(upload, principal)
            file = registry_services.file_publish(project=project, new=new, principal=principal)
            _finish(upload, UploadStatus.PUBLISHED, file=file)
    except (registry_services.FileExists, IntegrityError, ValidationError) as exc:
        _after_publish_failure(upload, path, created_blobs, exc)


def _project_for(upload: Upload, principal: Principal) -> Project:
    from packaging.utils import canonicalize_name

    project = Project.objects.filter(
        org=upload.org, normalized_name=canonicalize_name(upload.project_name)).first()
    if project is None:
        if not upload.create_project:
            raise ValidationError(f"Project '{upload.project_name}' no longer exists.")
        project = registry_services.project_create(
            org=upload.org, name=upload.project_name, principal=principal)
    return project


def _after_publish_failure(upload: Upload, path: str, created_blobs: bool, exc) -> None:
    existing = File.objects.filter(org=upload.org, filename=upload.filename).first()
    if existing is not None and existing.blake2_256_digest == upload.blake2_256_digest:
        _finish(upload, UploadStatus.EXISTED, file=existing)  # a concurrent twin won
        return
    if created_blobs and not File.objects.filter(path=path).exists():
        distributions().delete(path)
        distributions().delete(path + ".metadata")
    if isinstance(exc, registry_services.FileExists) or isinstance(exc, IntegrityError):
        message = (f"File already exists ('{upload.filename}'). A filename can be used only "
                   "once, even after deletion; use a new version.")
    else:
        message = "; ".join(getattr(exc, "messages", [str(exc)]))
    _finish(upload, UploadStatus.REJECTED, [{"code": "conflict", "message": message,
                                             "field": None}])


def upload_fail(upload_id: int, reason: str) -> None:
    """Mark an upload failed after the task gave up, and remove its staged file."""
    upload = Upload.objects.filter(pk=upload_id, status=UploadStatus.PENDING).first()
    if upload is None:
        return
    staging().delete(upload.staged_name)
    _finish(upload, UploadStatus.FAILED, [{"code": "internal", "message": reason,
                                           "field": None}])


def max_file_size(org, project: Project | None) -> int:
    limit = (project and project.max_file_size) or org.max_file_size \
        or settings.UPLOAD_MAX_FILE_SIZE
    return min(limit, settings.UPLOAD_MAX_FILE_SIZE_CAP)
