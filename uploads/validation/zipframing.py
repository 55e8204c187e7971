"""ZIP framing: the central directory and the local headers must tell the same story.

Installers disagree on how to read a ZIP: most trust the central directory, streaming
readers trust the local file headers. An archive on which they would disagree (extra
data before, between or after entries, mismatched names or sizes, duplicates) could
install different files than were reviewed, so it is refused. Offsets are read from
the file itself, never adjusted the way ``zipfile`` does for prepended data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from .results import Limits, Problem

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_MAX_COMMENT = 0xFFFF
_U32 = 0xFFFFFFFF
_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800


class FramingError(Exception):
    """The archive's records cannot be reconciled; the message says where."""


class NotZipError(FramingError):
    """There is no ZIP end record at all: the file is not a ZIP archive."""


@dataclass(frozen=True)
class ZipEntry:
    """One central directory record, as stored."""

    name: str
    raw_name: bytes
    flags: int
    method: int
    crc: int
    compressed_size: int
    file_size: int
    header_offset: int
    create_system: int
    external_attr: int
    zip64: bool
    data_offset: int = -1  # where its (compressed) data starts, once its local header is read


def read_zip_entries(
    fp: BinaryIO, size: int, limits: Limits
) -> tuple[list[ZipEntry], list[Problem]]:
    """Read and cross-check every record of the ZIP in ``fp``.

    Raises ``FramingError`` when the structure is inconsistent; returns the entries and
    the per-entry problems (encryption, compression, name encoding, duplicates).
    """
    count, cd_offset, cd_size = _locate_central_directory(fp, size)
    if count > limits.max_members:
        raise TooManyMembersError(count)
    fp.seek(cd_offset)
    directory = fp.read(cd_size)
    entries = _check_local_headers(fp, _parse_central_directory(directory, count), cd_offset)
    return entries, _entry_problems(entries)


class TooManyMembersError(FramingError):
    """The end record announces more members than the limit; none were parsed."""

    def __init__(self, count: int) -> None:
        super().__init__(f"the archive has {count} members")
        self.count = count


def _locate_central_directory(fp: BinaryIO, size: int) -> tuple[int, int, int]:
    tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
    fp.seek(tail_start)
    tail = fp.read()
    eocd_at = _find_eocd(tail)
    if eocd_at is None:
        if b"PK\x05\x06" in tail:
            raise FramingError("there is data after the end of the archive")
        raise NotZipError("no end of central directory record")
    _, disk, cd_disk, on_disk, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, eocd_at)
    if disk or cd_disk or on_disk != count:
        raise FramingError("multi-disk archives are not supported")
    cd_end = tail_start + eocd_at
    zip64 = _read_zip64_end(fp, cd_end)
    if zip64 is not None:
        count, cd_offset, cd_size, cd_end = zip64
    if cd_offset + cd_size != cd_end:
        raise FramingError(
            "the central directory is not where its end record says; data was added before "
            "or inside the archive"
        )
    return count, cd_offset, cd_size


def _find_eocd(tail: bytes) -> int | None:
    # The record is the one whose comment runs exactly to the end of the file.
    at = tail.rfind(b"PK\x05\x06")
    while at >= 0:
        if at + _EOCD.size <= len(tail):
            comment_length = _EOCD.unpack_from(tail, at)[-1]
            if at + _EOCD.size + comment_length == len(tail):
                return at
        at = tail.rfind(b"PK\x05\x06", 0, at)
    return None


def _read_zip64_end(fp: BinaryIO, eocd_offset: int) -> tuple[int, int, int, int] | None:
    locator_at = eocd_offset - _EOCD64_LOCATOR.size
    if locator_at < 0:
        return None
    fp.seek(locator_at)
    locator = fp.read(_EOCD64_LOCATOR.size)
    if len(locator) != _EOCD64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
        return None
    _, _, record_at, _ = _EOCD64_LOCATOR.unpack(locator)
    fp.seek(record_at)
    record = fp.read(_EOCD64.size)
    if len(record) != _EOCD64.size or not record.startswith(b"PK\x06\x06"):
        raise FramingError("the ZIP64 end record is missing")
    _, length, _, _, disk, cd_disk, on_disk, count, cd_size, cd_offset = _EOCD64.unpack(record)
    if record_at + 12 + length != locator_at:
        raise FramingError("there is data around the ZIP64 end record")
    if disk or cd_disk or on_disk != count:
        raise FramingError("multi-disk archives are not supported")
    return count, cd_offset, cd_size, record_at


def _parse_central_directory(directory: bytes, count: int) -> list[ZipEntry]:
    entries = []
    at = 0
    for _ in range(count):
        if at + _CENTRAL.size > len(directory):
            raise FramingError("the central directory is truncated")
        fields = _CENTRAL.unpack_from(directory, at)
        if fields[0] != b"PK\x01\x02":
            raise FramingError("the central directory has an unknown record")
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        start = at + _CENTRAL.size
        raw_name = directory[start : start + name_len]
        extra = directory[start + name_len : start + name_len + extra_len]
        at = start + name_len + extra_len + comment_len
        if at > len(directory):
            raise FramingError("the central directory is truncated")
        entries.append(_entry(fields, raw_name, extra))
    if at != len(directory):
        raise FramingError("the central directory has unexplained extra bytes")
    return entries


def _entry(fields: tuple, raw_name: bytes, extra: bytes) -> ZipEntry:
    version_made, flags, method, crc, csize, usize = (
        fields[1], fields[3], fields[4], fields[7], fields[8], fields[9],
    )
    offset = fields[16]
    values = _zip64_values(extra)
    uses64 = _U32 in (usize, csize, offset)
    if usize == _U32:
        usize = _next(values)
    if csize == _U32:
        csize = _next(values)
    if offset == _U32:
        offset = _next(values)
    return ZipEntry(
        name=raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace"),
        raw_name=raw_name, flags=flags, method=method, crc=crc, compressed_size=csize,
        file_size=usize, header_offset=offset, create_system=version_made >> 8,
        external_attr=fields[15], zip64=uses64,
    )


def _next(values: list[int]) -> int:
    if not values:
        raise FramingError("a ZIP64 size is missing from its extra field")
    return values.pop(0)


def _zip64_values(extra: bytes) -> list[int]:
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) != length:
            raise FramingError("an extra field is truncated")
        if kind == 0x0001:
            return list(struct.unpack_from(f"<{length // 8}Q", body))
        at += 4 + length
    return []


def _check_local_headers(fp: BinaryIO, entries: list[ZipEntry],
                         cd_offset: int) -> list[ZipEntry]:
    """The entries, in central directory order, each with the offset of its data."""
    position = 0
    data_offsets = {}
    for index, entry in sorted(enumerate(entries), key=lambda pair: pair[1].header_offset):
        if entry.header_offset < position:
            raise FramingError(f"'{entry.name}' overlaps the entry before it")
        if entry.header_offset > position:
            raise FramingError(f"there is unexplained data at offset {position}")
        data_offsets[index], position = _check_one_local_header(fp, entry)
    if position != cd_offset:
        raise FramingError(f"there is unexplained data at offset {position}")
    return [replace(entry, data_offset=data_offsets[index]) for index, entry in enumerate(entries)]


def _check_one_local_header(fp: BinaryIO, entry: ZipEntry) -> tuple[int, int]:
    """Where the entry's data starts, and where the entry ends."""
    fp.seek(entry.header_offset)
    header = fp.read(_LOCAL.size)
    if len(header) != _LOCAL.size or not header.startswith(b"PK\x03\x04"):
        raise FramingError(f"the local header of '{entry.name}' is missing")
    _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len = _LOCAL.unpack(header)
    raw_name = fp.read(name_len)
    extra = fp.read(extra_len)
    if raw_name != entry.raw_name:
        raise FramingError(f"the local header of '{entry.name}' names another file")
    if method != entry.method or (flags ^ entry.flags) & (_FLAG_DESCRIPTOR | _FLAG_ENCRYPTED):
        raise FramingError(f"the local header of '{entry.name}' disagrees on compression")
    data_start = entry.header_offset + _LOCAL.size + name_len + extra_len
    data_end = data_start + entry.compressed_size
    local64 = _has_zip64(extra)
    if flags & _FLAG_DESCRIPTOR:
        return data_start, _check_descriptor(fp, entry, data_end, local64)
    if local64 and _U32 in (csize, usize):
        # A ZIP64 local header carries both real sizes in its extra field.
        values = _zip64_values(extra)
        usize = _next(values) if usize == _U32 else usize
        csize = _next(values) if csize == _U32 else csize
    if (crc, csize, usize) != (entry.crc, entry.compressed_size, entry.file_size):
        raise FramingError(f"the local header of '{entry.name}' disagrees on size or CRC")
    return data_start, data_end


def _has_zip64(extra: bytes) -> bool:
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        if kind == 0x0001:
            return True
        at += 4 + length
    return False


def _check_descriptor(fp: BinaryIO, entry: ZipEntry, data_end: int, local64: bool) -> int:
    fp.seek(data_end)
    data = fp.read(24)
    at = 4 if data.startswith(b"PK\x07\x08") else 0
    fmt = "<IQQ" if local64 or entry.zip64 else "<III"
    if len(data) < at + struct.calcsize(fmt):
        raise FramingError(f"the data descriptor of '{entry.name}' is truncated")
    crc, csize, usize = struct.unpack_from(fmt, data, at)
    if (crc, csize, usize) != (entry.crc, entry.compressed_size, entry.file_size):
        raise FramingError(f"the data descriptor of '{entry.name}' disagrees on size or CRC")
    return data_end + at + struct.calcsize(fmt)


def _entry_problems(entries: list[ZipEntry]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for entry in entries:
        problems += _one_entry_problems(entry)
        if entry.name in seen:
            message = f"The archive contains '{entry.name}' more than once."
            problems.append(Problem("zip-duplicate", message, "content"))
        seen.add(entry.name)
    return problems


def _one_entry_problems(entry: ZipEntry) -> list[Problem]:
    problems = []
    if entry.flags & _FLAG_ENCRYPTED:
        problems.append(Problem("zip-encrypted", f"'{entry.name}' is encrypted.", "content"))
    if entry.method not in (0, 8):
        message = (
            f"'{entry.name}' uses ZIP compression method {entry.method}; "
            "only stored and deflated members are allowed."
        )
        problems.append(Problem("zip-compression", message, "content"))
    if not _name_encoding_ok(entry):
        message = f"The member name '{entry.name}' is neither ASCII nor flagged as UTF-8."
        problems.append(Problem("zip-encoding", message, "content"))
    return problems


def _name_encoding_ok(entry: ZipEntry) -> bool:
    encoding = "utf-8" if entry.flags & _FLAG_UTF8 else "ascii"
    try:
        entry.raw_name.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
