"""The worker's half of an upload: validate the staged file, store it, record it.

Every way out leaves nothing behind: the staged file is always removed, blobs this upload
wrote are removed unless its file row committed, and the database work is one transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, transaction
from django.utils import timezone
from packaging.utils import canonicalize_name

from accounts.capabilities import Capability
from accounts.models import Organization
from accounts.principals import Principal
from accounts.ratelimit import RateLimited, rate_hit
from registry import services as registry_services
from registry.models import File, Project, Release
from registry.permissions import project_capabilities
from registry.readme import RENDERER, release_render
from registry.selectors import project_named
from registry.storage import (
    METADATA_SUFFIX,
    blob_folders_prune,
    blob_path,
    distributions,
    staging,
)
from uploads import limits, notify, replays, validation
from uploads.models import Upload, UploadStatus

log = logging.getLogger(__name__)
CONFLICT = "conflict"  # refused by the state of the registry, not by the file's contents


def not_allowed_message(name: str) -> str:
    """The refusal for a project the token cannot see, whether it exists or not."""
    return (f"The token is not allowed to upload to project '{name}': it cannot see a project "
            "of that name, and may not create one.")


class Refused(Exception):
    """The upload breaks a rule that only the publishing transaction can see."""

    def __init__(self, *messages: str, retry_after: int | None = None):
        super().__init__(*messages)
        self.messages = list(messages)
        self.retry_after = retry_after  # a limit that passes: the client may retry then


def finish(upload: Upload, status: str, problems: list[dict] | None = None,
           file: File | None = None, *, publishing: bool = False) -> None:
    """Record the upload's outcome over its pending row and announce it once that commits.

    An upload already decided (a task delivered twice, or a worker racing ``upload_fail``)
    is left as it was; while ``publishing``, that raises Settled, so that what the
    publication wrote rolls back with it."""
    upload.status, upload.problems = status, problems or []
    upload.finished_at = timezone.now()
    decided = Upload.objects.filter(pk=upload.pk, status=UploadStatus.PENDING).update(
        status=status, problems=upload.problems, finished_at=upload.finished_at, file=file)
    if not decided:
        if publishing:
            raise Settled
        return
    upload.file = file
    upload_id = upload.pk
    transaction.on_commit(lambda: notify.upload_announce(upload_id, status), robust=True)


def _problem(code: str, message: str, field: str | None = None) -> dict:
    return {"code": code, "message": message, "field": field}


def upload_process(upload: Upload) -> None:
    """Validate the staged file and publish it; on any failure nothing is left behind.

    ``upload`` may be a loaded row or one built from its task's message
    (``upload_from_inputs``): either way the row is read again under the org's lock before
    anything is published, and an outcome is recorded only over a pending row."""
    if upload.status != UploadStatus.PENDING:
        return
    try:
        with _local_copy(upload.staged_name) as local_path:
            report = validation.check_distribution(
                local_path, filename=upload.filename, filetype=upload.filetype,
                name=upload.project_name, version=upload.version)
            if not report.ok:
                finish(upload, UploadStatus.REJECTED,
                       [_problem(p.code, p.message, p.field) for p in report.problems])
                return
            _publish(upload, report, local_path)
    finally:
        staging().delete(upload.staged_name)


# What the worker validates and stores an upload by, carried in its task's message so that
# validation starts without a read; everything else comes from the row, read under the org's
# lock (``_record``).
_INPUTS = ("org_id", "staged_name", "filename", "filetype", "project_name", "version",
           "sha256_digest", "blake2_256_digest")


def upload_inputs(upload: Upload) -> dict:
    """The message ``upload_from_inputs`` takes, from the row just written."""
    return {name: getattr(upload, name) for name in _INPUTS}


def upload_from_inputs(upload_id: int, inputs: dict | None) -> Upload | None:
    """The upload as its task's message describes it: pending, until its row says otherwise.
    None when the message lacks inputs (sent by another release): read the row instead."""
    if inputs is None or not all(name in inputs for name in _INPUTS):
        return None
    # As if read from the database: the fields the message lacks load when first used.
    known = {"id": upload_id, "status": UploadStatus.PENDING, **{n: inputs[n] for n in _INPUTS}}
    names = [f.attname for f in Upload._meta.concrete_fields if f.attname in known]
    return Upload.from_db(DEFAULT_DB_ALIAS, names, [known[name] for name in names])


@contextmanager
def _local_copy(name: str):
    """A local path for the staged file (a worker may not share the web's disk)."""
    store = staging()
    try:
        path = store.path(name)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=os.path.basename(name)) as local:
        with store.open(name, "rb") as remote:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        local.flush()
        yield local.name


class Blobs:
    """The blob and ``.metadata`` one upload writes, removed again unless it is published."""

    def __init__(self, path: str):
        self.path = path
        self.written: list[str] = []
        self.placed: list[str] = []  # written, or found in place (the same bytes, a twin's)

    def put(self, name: str, content) -> None:
        self.placed.append(name)
        store = distributions()
        if store.exists(name):  # the same bytes (the digest is in the path), stored by a twin
            return
        try:
            saved = store.save(name, content)
        except BaseException:
            _delete_quietly(name)  # a half-written blob
            blob_folders_prune(name)
            raise
        if saved != name:  # a twin stored the same bytes in between: keep theirs
            _delete_quietly(saved)
            return
        self.written.append(name)

    def put_file(self, name: str, local_path: str) -> None:
        """A local file: linked into place when the storage is on the same local disk (the
        staged copy is removed afterwards anyway), else copied through the storage."""
        self.placed.append(name)
        try:
            target = distributions().path(name)
        except NotImplementedError:
            target = None
        if target is not None:
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.link(local_path, target)
                os.utime(target)  # its age is the blob's, not the staged upload's
            except FileExistsError:  # the same bytes (the digest is in the path), by a twin
                    return
            except OSError:  # another disk, links not allowed, a folder pruned meanwhile: copy
                pass
            else:
                self.written.append(name)
                return
        with open(local_path, "rb") as handle:
            self.put(name, DjangoFile(handle))

    def restore(self, local_path: str, metadata: bytes) -> None:
        """Once published: store again what has gone since it was put or found in place.

        A twin failing before this row committed removes what it wrote, and on a storage
        without exclusive creation (S3) two twins can both believe they wrote it;
        ``sweep_blobs`` removes unused blobs under the org's lock, so before this row
        committed. Afterwards the row keeps them."""
        store = distributions()
        for name in dict.fromkeys(self.placed):  # put_file may fall back to put
            if store.exists(name):
                continue
            if name.endswith(METADATA_SUFFIX):
                store.save(name, ContentFile(metadata))
            else:
                with open(local_path, "rb") as handle:
                    store.save(name, DjangoFile(handle))

    def discard(self) -> None:
        """Remove what this upload wrote, unless a committed file row (a twin's) uses it."""
        if not self.written:
            return
        try:
            referenced = File.objects.filter(path=self.path).exists()
        except DatabaseError:  # better an orphan blob than a published file without one
            log.exception("kept %s: could not tell whether a file row uses it", self.path)
            return
        if referenced:
            return
        for name in self.written:
            _delete_quietly(name)
        blob_folders_prune(self.path)


def _delete_quietly(name: str) -> None:
    try:
        distributions().delete(name)
    except Exception:  # clean-up after a failure: the failure is what gets reported
        log.exception("could not delete %s from distribution storage", name)


def _publish(upload: Upload, report, local_path: str) -> None:
    blobs = Blobs(blob_path(upload.org_id, upload.blake2_256_digest, upload.filename))
    try:
        blobs.put_file(blobs.path, local_path)
        metadata_sha256 = ""
        # PEP 658 metadata is served for wheels only, as PyPI does: an sdist's PKG-INFO may
        # leave fields dynamic (or predate Metadata 2.2), so installers must build it.
        if report.metadata_bytes and upload.filetype == "bdist_wheel":
            blobs.put(blobs.path + METADATA_SUFFIX, ContentFile(report.metadata_bytes))
            metadata_sha256 = hashlib.sha256(report.metadata_bytes).hexdigest()
        file = _record(upload, report, blobs.path, metadata_sha256)
    except Settled:
        blobs.discard()
        return
    except (Refused, registry_services.FileExists, IntegrityError, ValidationError) as exc:
        blobs.discard()
        _refused(upload, exc)
        return
    except BaseException:
        blobs.discard()
        raise
    blobs.restore(local_path, report.metadata_bytes)
    log.info("published %s (%s)", file.filename, upload.org_id)


class Settled(Exception):
    """The upload is no longer pending (its task was delivered twice) or no longer exists."""


def _record(upload: Upload, report, path: str, metadata_sha256: str) -> File:
    """Publish the file in one transaction, holding the org's row lock: one publisher at a
    time per org, so size totals and filename checks stay exact. The filename is claimed
    (by ``file_publish``) only once the checks below have passed: a token that may not upload
    here learns nothing about the org's filenames."""
    with transaction.atomic():
        org = Organization.objects.select_for_update().filter(pk=upload.org_id).first()
        if org is None:
            raise Refused("The organisation no longer exists.")
        row = upload_load(upload.pk)
        if row is None or row.status != UploadStatus.PENDING:
            raise Settled
        if any(getattr(row, name) != getattr(upload, name) for name in _INPUTS):
            log.error("upload %s: its task's message does not match its row; not published",
                      upload.pk)
            raise Settled
        _adopt(upload, row)
        upload.org = org
        principal = Principal(user=upload.user, token=upload.token, ip=upload.ip)
        project, created = _project_for(
            upload, principal, project_named(org, canonicalize_name(upload.project_name)))
        # The one-sdist rule is file_publish's (it raises ValidationError).
        problems = limits.quota_problems(org=org, project=project,
                                         project_name=project.name, size=upload.size)
        if problems:
            raise Refused(*problems)
        file = registry_services.file_publish(
            project=project, new=_new_file(upload, report, path, metadata_sha256),
            principal=principal)
        if created:
            _creation_count(principal)
        finish(upload, UploadStatus.PUBLISHED, file=file, publishing=True)
        release = file.release
        if release.description_renderer != RENDERER:  # new, or rendered by an older one
            # After the announcement above: the request has its answer while this renders.
            transaction.on_commit(lambda: _render_readme(release), robust=True)
    return file


def _new_file(upload: Upload, report, path: str,
              metadata_sha256: str) -> registry_services.NewFile:
    return registry_services.NewFile(
        filename=upload.filename, packagetype=upload.filetype,
        python_version=report.python_tag or upload.python_version, size=upload.size,
        md5=upload.md5_digest, sha256=upload.sha256_digest,
        blake2_256=upload.blake2_256_digest, path=path, metadata_sha256=metadata_sha256,
        version=report.version or upload.version, project_name=upload.project_name,
        metadata=report.metadata)


def _adopt(upload: Upload, row: Upload) -> None:
    """Take every value of the row as read (the message carried only some of them)."""
    for field in Upload._meta.concrete_fields:
        setattr(upload, field.attname, getattr(row, field.attname))
    upload.token, upload.user = row.token, row.user


def upload_load(upload_id: int) -> Upload | None:
    """The upload with its user and token (either may be gone: the upload keeps None)."""
    return (Upload.objects.select_related("user", "token__user")
            .filter(pk=upload_id).first())


def _render_readme(release: Release) -> None:
    """Render the release's README here (from the row this upload read or wrote), or leave
    it to a task that retries."""
    try:
        release_render(release)
    except Exception:
        log.warning("rendering the README of release %s failed; queued for a retry",
                    release.pk, exc_info=True)
        from uploads.tasks import render_readme

        render_readme.delay(release.pk)


def _creation_count(principal: Principal) -> None:
    """Count the project this publication created against the principal's creation limit,
    once everything else has passed, so that only projects actually created count; over the
    limit, the publication (and the project) rolls back."""
    try:
        rate_hit("project_create", principal.cache_key)
    except RateLimited as exc:
        raise Refused(f"Too many new projects; retry in {exc.retry_after} seconds.",
                      retry_after=exc.retry_after) from None


def _project_for(upload: Upload, principal: Principal,
                 project: Project | None) -> tuple[Project, bool]:
    """The project to publish into: ``project`` as read under the org lock, or a new one;
    and whether this publication created it."""
    if project is not None:
        project.org = upload.org  # the org locked above, not read a second time
    else:
        if not upload.create_project:
            raise Refused(f"Project '{upload.project_name}' no longer exists.")
        try:
            return registry_services.project_create(
                org=upload.org, name=upload.project_name, principal=principal), True
        except ValidationError:
            # Created in between (through the API, which does not take the org lock)?
            project = Project.objects.filter(
                org=upload.org, normalized_name=canonicalize_name(upload.project_name)).first()
            if project is None:
                raise
    if upload.create_project:  # someone else may have created it while this one waited
        held = project_capabilities(principal, project)
        if Capability.PROJECT_READ not in held:
            raise Refused(not_allowed_message(upload.project_name))
        if Capability.PROJECT_UPLOAD not in held:
            raise Refused(f"The token is not allowed to upload to project '{project.name}'.")
    return project, False


def _refused(upload: Upload, exc: Exception) -> None:
    # By id: the org may be what could not be read.
    known = replays.earlier_of(org_id=upload.org_id, filename=upload.filename,
                               blake2_256=upload.blake2_256_digest)
    outcome = replays.filename_outcome(known, filename=upload.filename,
                                       blake2_256=upload.blake2_256_digest)
    if outcome is not None and outcome.status == 200:  # the same file: a concurrent twin won
        existing = File.objects.filter(org_id=upload.org_id, filename=upload.filename).first()
        finish(upload, UploadStatus.EXISTED, file=existing)
        return
    if isinstance(exc, registry_services.FileExists | IntegrityError):
        messages = (list(outcome.messages) if outcome is not None
                    else [replays.name_taken_message(upload.filename)])
    elif isinstance(exc, Refused):
        messages = exc.messages
    else:
        messages = getattr(exc, "messages", None) or [str(exc)]
    problems = [_problem(CONFLICT, m) for m in messages]
    if getattr(exc, "retry_after", None):
        for problem in problems:
            problem["retry_after"] = exc.retry_after
    finish(upload, UploadStatus.REJECTED, problems)
