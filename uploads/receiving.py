"""The upload form, read by Django's multipart parser: the text fields into memory, the file
to a temporary file while its md5, sha256 and blake2b-256 are computed (``DigestingHandler``).

Upload clients send ``multipart/form-data`` (RFC 7578): some twenty text fields and one file
part named ``content``. Django's limits apply (``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the text
fields, ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, ``DATA_UPLOAD_MAX_NUMBER_FILES``) and the file
parts together may not pass the org's largest file limit. Django's parser cuts a file name
to its last path segment and drops control characters; upload validation judges the name the
client sent, and refuses one that carries a path or a control character, so
``UploadFormParser`` keeps it as sent.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from uploads.services import Received

CONTENT_FIELD = "content"
class FormError(Exception):
    """The body is not a form this endpoint can read; nothing was kept."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class UploadFormParser(MultiPartParser):
    """Django's multipart parser, keeping each file name exactly as the client sent it."""

    def sanitize_file_name(self, file_name: str) -> str:
        return file_name


class DigestingHandler(FileUploadHandler):
    """Streams the ``content`` part to a temporary file and digests it on the way; other
    file parts are counted and dropped. Every file byte counts against ``max_size``: past it
    the file is dropped and ``too_large`` is set, and the rest of the form is still read."""

    def __init__(self, request=None, *, max_size: int):
        super().__init__(request)
        self.max_size = max_size
        self.size = 0  # of every file part so far
        self.too_large = self.interrupted = False
        self.file_fields: list[str] = []
        self.content: TemporaryUploadedFile | None = None
        self.filename: str | None = None  # the ``content`` part's file name, as sent
        self.hashes: dict | None = None  # while the ``content`` part streams

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.file_fields.append(field_name)
        if field_name != CONTENT_FIELD or self.too_large:
            return
        if self.filename is not None:
            raise FormError(400, "The upload form has more than one 'content' file.")
        self.filename = file_name
        # Named after the field: Django derives the temporary file's suffix from its name.
        self.content = TemporaryUploadedFile(CONTENT_FIELD, "application/octet-stream", 0, None)
        self.hashes = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256(),
                       "blake2_256": hashlib.blake2b(digest_size=32)}

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > self.max_size:
            self.too_large = True
            self.close()
            raise SkipFile
        if self.hashes is not None:
            for digest in self.hashes.values():
                digest.update(raw_data)
            self.content.write(raw_data)

    def file_complete(self, file_size: int) -> TemporaryUploadedFile | None:
        if self.hashes is None:
            return None
        content, hashes, self.hashes = self.content, self.hashes, None
        content.flush()
        content.seek(0)
        content.size = file_size
        content.digests = {name: digest.hexdigest() for name, digest in hashes.items()}
        return content

    def upload_interrupted(self) -> None:
        # Django says so after a skipped file too: only a ``content`` still streaming counts.
        self.interrupted = self.hashes is not None

    def close(self) -> None:
        """Remove the temporary file (unless staging moved it)."""
        if self.content is not None:
            self.content.close()
        self.content = self.hashes = None


def form_read(request, *, max_file_size: int) -> Received:
    """Read ``request``'s multipart body. Raises FormError (400, or 413 for text fields
    over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) with the temporary file already removed."""
    if not request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        raise FormError(400, "Uploads are sent as multipart/form-data.")
    handler = DigestingHandler(request, max_size=max_file_size)
    try:
        fields, _files = UploadFormParser(request.META, request, [handler],
                                          request.encoding).parse()
        if handler.interrupted:
            raise FormError(400, "The upload form ends before its closing delimiter.")
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent,
            TooManyFilesSent) as exc:
        handler.close()
        raise _refusal(exc) from None
    except BaseException:
        handler.close()
        raise
    if not fields and not handler.file_fields:
        raise FormError(400, "The upload form has no part with a name: a part with no "
                             "Content-Disposition, or no name in it, is ignored.")
    return Received(fields={key: fields.getlist(key) for key in fields},
                    file_fields=tuple(handler.file_fields), filename=handler.filename,
                    content=handler.content, too_large=handler.too_large)


def _refusal(exc: Exception) -> FormError:
    """The FormError for what Django's parser refused."""
    if isinstance(exc, RequestDataTooBig):
        return FormError(413, "The upload form's text fields pass "
                              f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    if isinstance(exc, TooManyFieldsSent):
        return FormError(400, "The upload form has more than "
                              f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.")
    if isinstance(exc, TooManyFilesSent):
        return FormError(400, "The upload form has more than "
                              f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.")
    return FormError(400, f"The upload form could not be read: {exc}.")
