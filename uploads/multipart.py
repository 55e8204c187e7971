"""The upload form, read in one pass: the text fields into memory, the file to a temporary
file while its md5, sha256 and blake2b-256 are computed.

Upload clients send ``multipart/form-data`` (RFC 7578): some twenty text fields and one file
part named ``content``. Django's general parser took 1.3 ms of such a request, a sixth to a
quarter of its CPU (benchmarks/RESULTS.md, session 11); this reader searches each chunk once
for the next delimiter. It keeps Django's limits (``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the
text fields, ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, ``DATA_UPLOAD_MAX_NUMBER_FILES``), and refuses
what it cannot read with a reason instead of guessing. Unlike Django's parser it keeps the file
name exactly as sent (no path stripped, no character dropped): upload validation judges the
name the client sent, and refuses one that carries a path or a control character.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils.http import parse_header_parameters

CONTENT_FIELD = "content"
CHUNK_BYTES = 64 * 1024
MAX_HEADER_BYTES = 8 * 1024
# Clients send some 60 bytes; Django's parser for the rarer forms is quadratic in the length.
MAX_DISPOSITION_CHARS = 1024
# RFC 2046: 1 to 70 characters, none of them a control character.
_BOUNDARY = re.compile(r"^[ -~]{0,69}[!-~]$")
# What every upload client sends; anything else goes through Django's full header parser
# (quoted pairs, RFC 2231 ``filename*``).
_PLAIN_DISPOSITION = re.compile(r'^form-data; name="([^"\\%*]*)"(?:; filename="([^"\\%*]*)")?$')
_ENCODED = frozenset({"base64", "quoted-printable"})


class FormError(Exception):
    """The body is not a form this endpoint can read; nothing was kept."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    file_fields: list[str] = field(default_factory=list)
    # The ``content`` part, with ``digests`` (md5, sha256, blake2_256 hex) and ``size`` set.
    content: TemporaryUploadedFile | None = None
    filename: str | None = None  # the ``content`` part's file name, exactly as sent
    too_large: bool = False  # a file part passed ``max_file_size``; its bytes were dropped

    def close(self) -> None:
        if self.content is not None:
            self.content.close()  # deletes the temporary file unless staging moved it


def form_read(request, *, max_file_size: int) -> Form:
    """Read ``request``'s multipart body. Raises FormError (400, or 413 for text fields
    over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) with the temporary file already removed."""
    separator = b"\r\n--" + _boundary(request.META.get("CONTENT_TYPE", ""))
    body = _Body(request, _content_length(request.META))
    form = Form()
    try:
        body.stream_until(separator, None)  # the preamble
        while (after := body.take(2)) == b"\r\n":
            _part_read(body, form, separator, max_file_size)
        if after != b"--":  # the closing delimiter; the epilogue after it is not read
            raise FormError(400, "The upload form is malformed (a delimiter is followed by "
                                 "neither a line break nor '--').")
    except BaseException:
        form.close()
        raise
    return form


def _boundary(content_type: str) -> bytes:
    kind, params = parse_header_parameters(content_type)
    if kind != "multipart/form-data":
        raise FormError(400, "Uploads are sent as multipart/form-data.")
    boundary = params.get("boundary", "")
    if not _BOUNDARY.match(boundary):
        raise FormError(400, "The upload form has no valid multipart boundary.")
    return boundary.encode("ascii")


def _content_length(meta) -> int:
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length <= 0:
        raise FormError(400, "The upload form is empty or its Content-Length is not a number.")
    return length


def _part_read(body: _Body, form: Form, separator: bytes, max_file_size: int) -> None:
    body.parts += 1  # every part, kept or skipped
    if body.most_parts is not None and body.parts > body.most_parts:
        raise FormError(400, f"The upload form has more than {body.most_parts} parts.")
    if body.starts_with(b"\r\n"):
        raise FormError(400, "A part of the upload form has no Content-Disposition.")
    raw = body.take_until(b"\r\n\r\n", MAX_HEADER_BYTES)
    if separator[2:] in raw:  # the part's headers never ended before the next part
        raise FormError(400, "A part of the upload form has no blank line after its headers.")
    name, filename = _part_headers(raw)
    if name is None:  # no usable name, or an empty file name: skipped, as Django does
        body.stream_until(separator, None)
    elif filename is None:
        _text_read(body, form, name, separator)
    else:
        _file_read(body, form, name, filename, separator, max_file_size)


def _text_read(body: _Body, form: Form, name: str, separator: bytes) -> None:
    most_fields, most_bytes = body.most_fields, body.most_text_bytes
    body.text_fields += 1
    if most_fields is not None and body.text_fields > most_fields:
        raise FormError(400, f"The upload form has more than {most_fields} fields.")
    room = None if most_bytes is None else most_bytes - body.text_bytes
    value = body.take_until(separator, room, too_long=(
        413, f"The upload form's text fields pass {most_bytes} bytes."))
    body.text_bytes += len(value)
    form.fields.setdefault(name, []).append(value.decode("utf-8", "replace"))


def _file_read(body: _Body, form: Form, name: str, filename: str, separator: bytes,
               max_file_size: int) -> None:
    most_files = body.most_files
    if most_files is not None and len(form.file_fields) >= most_files:
        raise FormError(400, f"The upload form has more than {most_files} files.")
    form.file_fields.append(name)
    if name != CONTENT_FIELD:  # read and dropped: only ``content`` is ever used
        body.stream_until(separator, _Counter(form, max_file_size))
        return
    if form.content is not None:
        raise FormError(400, "The upload form has more than one 'content' file.")
    # Named after the field: Django derives the temporary file's suffix from its name, and
    # cuts a name to its last path segment and 255 characters. The name sent is kept apart.
    form.content = TemporaryUploadedFile(CONTENT_FIELD, "application/octet-stream", 0, None)
    form.filename = filename
    sink = _HashingFile(form, max_file_size)
    body.stream_until(separator, sink)
    sink.finish()


def _part_headers(raw: bytes) -> tuple[str | None, str | None]:
    """The part's field name and, for a file, its file name as sent."""
    disposition = None
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "content-disposition":
            disposition = value
        elif key == "content-transfer-encoding" and value.lower() in _ENCODED:
            raise FormError(400, f"The upload form uses Content-Transfer-Encoding {value}; "
                                 "send the bytes as they are.")
    if disposition is None:
        raise FormError(400, "A part of the upload form has no Content-Disposition.")
    plain = _PLAIN_DISPOSITION.match(disposition)
    if plain:
        name, filename = plain.groups()
    else:
        name, filename = _disposition_parsed(disposition)
    if filename == "":  # no file chosen (RFC 7578 4.2): skipped, as Django does
        return None, None
    return (name or "").strip() or None, filename


def _disposition_parsed(disposition: str) -> tuple[str | None, str | None]:
    """Quoted pairs, RFC 2231 ``name*=`` / ``filename*=``: Django's header parser."""
    if len(disposition) > MAX_DISPOSITION_CHARS:
        raise FormError(400, "A part of the upload form has a Content-Disposition over "
                             f"{MAX_DISPOSITION_CHARS} characters.")
    try:
        kind, params = parse_header_parameters(disposition)
    except ValueError:  # an unknown RFC 2231 charset
        raise FormError(400, "A part of the upload form has an unreadable "
                             "Content-Disposition.") from None
    if kind != "form-data":
        raise FormError(400, "A part of the upload form is not form-data.")
    return params.get("name"), params.get("filename")


class _Counter:
    """Sink for a file part that is not kept: counts its bytes against the size limit."""

    def __init__(self, form: Form, max_size: int):
        self.form, self.max_size, self.size = form, max_size, 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_size:
            self.form.too_large = True


class _HashingFile(_Counter):
    """Sink for ``content``: the temporary file and three digests, until the size limit."""

    def __init__(self, form: Form, max_size: int):
        super().__init__(form, max_size)
        self.file = form.content
        self.hashes = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256(),
                       "blake2_256": hashlib.blake2b(digest_size=32)}

    def write(self, data: bytes) -> None:
        if self.file is None:
            return
        super().write(data)
        if self.size > self.max_size:  # the bytes so far are dropped with the file
            self.form.close()
            self.form.content = self.file = None
            return
        for digest in self.hashes.values():
            digest.update(data)
        self.file.write(data)

    def finish(self) -> None:
        if self.file is None:
            return
        self.file.flush()
        self.file.seek(0)
        self.file.size = self.size
        self.file.digests = {name: digest.hexdigest() for name, digest in self.hashes.items()}


class _Body:
    """The request body, read in chunks into a buffer that is searched for delimiters."""

    def __init__(self, request, length: int):
        self.request, self.left = request, length
        self.buffer = bytearray(b"\r\n")  # so the first delimiter matches the separator too
        self.text_fields = self.text_bytes = 0
        # Django's limits, read once (each read of ``settings`` goes through its lazy proxy).
        self.most_fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        self.most_files = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        self.most_text_bytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Every part counts against both limits together, those skipped for want of a name too.
        self.parts = 0
        self.most_parts = (None if self.most_fields is None or self.most_files is None
                           else self.most_fields + self.most_files)

    def _fill(self) -> None:
        chunk = self.request.read(min(CHUNK_BYTES, self.left)) if self.left > 0 else b""
        if not chunk:
            raise FormError(400, "The upload form ends before its closing delimiter.")
        self.left -= len(chunk)
        self.buffer += chunk

    def starts_with(self, prefix: bytes) -> bool:
        while len(self.buffer) < len(prefix):
            self._fill()
        return self.buffer.startswith(prefix)

    def take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        taken = bytes(self.buffer[:count])
        del self.buffer[:count]
        return taken

    def take_until(self, token: bytes, limit: int | None,
                   too_long: tuple[int, str] = (400, "A part header of the upload form is "
                                                     "too long.")) -> bytes:
        """The bytes before ``token`` (consumed with it); at most ``limit`` of them."""
        start = 0
        while (found := self.buffer.find(token, start)) < 0:
            if limit is not None and len(self.buffer) - len(token) >= limit:
                raise FormError(*too_long)
            start = max(0, len(self.buffer) - len(token) + 1)
            self._fill()
        if limit is not None and found > limit:
            raise FormError(*too_long)
        value = bytes(self.buffer[:found])
        del self.buffer[:found + len(token)]
        return value

    def stream_until(self, token: bytes, sink) -> None:
        """Hand the bytes before ``token`` to ``sink.write`` (if any) as they arrive."""
        while (found := self.buffer.find(token)) < 0:
            safe = len(self.buffer) - len(token) + 1
            if safe > 0:
                if sink is not None:
                    sink.write(bytes(self.buffer[:safe]))
                del self.buffer[:safe]
            self._fill()
        if sink is not None and found:
            sink.write(bytes(self.buffer[:found]))
        del self.buffer[:found + len(token)]
