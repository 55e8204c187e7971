"""Build wheels, sdists and deliberately broken archives for the validation tests."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NAME = "demo-pkg"
VERSION = "1.0"
DESCRIPTION = "Demo\n====\n\nA *demo* package.\n"


def metadata(
    *,
    name: str = NAME,
    version: str = VERSION,
    metadata_version: str = "2.4",
    headers: tuple[tuple[str, str], ...] = (),
    description: str | None = DESCRIPTION,
    content_type: str | None = "text/x-rst",
) -> bytes:
    """A METADATA / PKG-INFO document."""
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        "Summary: A demo package.",
        "Author-email: Jane Doe <jane@example.com>",
        "License-Expression: MIT",
        "Requires-Python: >=3.9",
        "Requires-Dist: packaging>=24",
        "Classifier: Programming Language :: Python :: 3",
        "Project-URL: Source, https://example.com/demo",
    ]
    if content_type is not None:
        lines.append(f"Description-Content-Type: {content_type}")
    lines += [f"{key}: {value}" for key, value in headers]
    text = "\n".join(lines) + "\n\n" + (description or "")
    return text.encode("utf-8")


def wheel_file(tags: str = "py3-none-any", version: str = "1.0") -> bytes:
    """A WHEEL file for one compressed tag set."""
    return (
        f"Wheel-Version: {version}\nGenerator: builders\nRoot-Is-Purelib: true\nTag: {tags}\n"
    ).encode()


def record_line(path: str, data: bytes, algorithm: str = "sha256") -> list[str]:
    """One RECORD row for ``data`` stored at ``path``."""
    digest = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=")
    return [path, f"{algorithm}={digest.decode()}", str(len(data))]


def wheel(
    directory: Path,
    *,
    escaped: str = "demo_pkg",
    version: str = VERSION,
    tags: str = "py3-none-any",
    filename: str | None = None,
    files: dict[str, bytes] | None = None,
    metadata_bytes: bytes | None = None,
    wheel_bytes: bytes | None = None,
    entry_points: bytes | None = None,
    dist_info: str | None = None,
    rows: Callable[[list[list[str]]], list[list[str]]] | None = None,
    unlisted: dict[str, bytes] | None = None,
    infos: list[tuple[zipfile.ZipInfo, bytes]] | None = None,
) -> Path:
    """Write a wheel; ``rows`` may rewrite RECORD, ``unlisted`` adds members after it."""
    dist_info = dist_info or f"{escaped}-{version}.dist-info"
    members = dict(files if files is not None else {"demo_pkg/__init__.py": b"VALUE = 1\n"})
    members[f"{dist_info}/METADATA"] = metadata_bytes if metadata_bytes is not None else metadata()
    members[f"{dist_info}/WHEEL"] = wheel_bytes if wheel_bytes is not None else wheel_file(tags)
    if entry_points is not None:
        members[f"{dist_info}/entry_points.txt"] = entry_points
    record = [record_line(path, data) for path, data in members.items()]
    record.append([f"{dist_info}/RECORD", "", ""])
    record = rows(record) if rows else record
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(record)
    members[f"{dist_info}/RECORD"] = out.getvalue().encode()
    path = directory / (filename or f"{escaped}-{version}-{tags}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, data in (unlisted or {}).items():
            archive.writestr(name, data)
        for info, data in infos or []:
            archive.writestr(info, data)
    return path


def tar_member(name: str, data: bytes = b"", **attributes: object) -> tuple[tarfile.TarInfo, bytes]:
    """A tar member with ``attributes`` (type, linkname, ...) set on its header."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attributes.items():
        setattr(info, key, value)
    return info, data


def sdist(
    directory: Path,
    *,
    escaped: str = "demo_pkg",
    version: str = VERSION,
    filename: str | None = None,
    top: str | None = None,
    pkg_info: bytes | None = None,
    extra: list[tuple[tarfile.TarInfo, bytes]] | None = None,
    tar_format: int = tarfile.PAX_FORMAT,
) -> Path:
    """Write a gzip-compressed tar sdist with one top-level directory holding PKG-INFO."""
    top = top or f"{escaped}-{version}"
    path = directory / (filename or f"{escaped}-{version}.tar.gz")
    members = [
        tar_member(top, type=tarfile.DIRTYPE, mode=0o755),
        tar_member(f"{top}/PKG-INFO", pkg_info if pkg_info is not None else metadata()),
        tar_member(f"{top}/pyproject.toml", b"[project]\nname = 'demo-pkg'\n"),
        *(extra or []),
    ]
    with tarfile.open(path, "w:gz", format=tar_format) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


@dataclass
class RawMember:
    """A ZIP member written byte by byte, so its framing can be made inconsistent."""

    name: bytes
    data: bytes = b"x = 1\n"
    method: int = 0
    flags: int = 0
    local_name: bytes | None = None
    local_size: int | None = None
    gap_before: bytes = b""
    external_attr: int = 0o644 << 16
    declared_size: int | None = None  # in both headers; the data's own size if None
    declared_crc: int | None = None  # in both headers; the data's own CRC-32 if None
    payload: bytes | None = None  # the stored bytes; ``data`` compressed by ``method`` if None


def raw_zip(members: list[RawMember], *, prefix: bytes = b"", trailer: bytes = b"") -> bytes:
    """A ZIP whose offsets are absolute file positions, with the given oddities."""
    out = bytearray(prefix)
    central = bytearray()
    for member in members:
        out += member.gap_before
        offset = len(out)
        payload = (member.payload if member.payload is not None
                   else _compress(member.data, member.method))
        crc = member.declared_crc if member.declared_crc is not None else zlib.crc32(member.data)
        local_name = member.local_name if member.local_name is not None else member.name
        local_size = member.local_size if member.local_size is not None else len(payload)
        size = member.declared_size if member.declared_size is not None else len(member.data)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, member.flags, member.method, 0,
                           0x21, crc, local_size, size, len(local_name), 0)
        out += local_name + payload
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", (3 << 8) | 20, 20,
                               member.flags, member.method, 0, 0x21, crc, len(payload),
                               size, len(member.name), 0, 0, 0, 0,
                               member.external_attr, offset)
        central += member.name
    cd_offset = len(out)
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                       len(central), cd_offset, 0)
    return bytes(out) + trailer


def deflated(data: bytes) -> bytes:
    """``data`` as a raw deflate stream, as a ZIP member holds it."""
    return _compress(data, 8)


def _compress(data: bytes, method: int) -> bytes:
    if method == 8:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush()
    return data


def good_raw_members(first: RawMember | None = None) -> list[RawMember]:
    """The members of a complete, valid wheel, ready for :func:`raw_zip`; ``first`` replaces
    its module, with a RECORD line for the bytes a reader that trusts the declared size and
    CRC-32 would take from it."""
    members = [
        first or RawMember(b"demo_pkg/__init__.py"),
        RawMember(b"demo_pkg-1.0.dist-info/METADATA", metadata()),
        RawMember(b"demo_pkg-1.0.dist-info/WHEEL", wheel_file()),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(record_line(m.name.decode(), m.data[:m.declared_size]) for m in members)
    writer.writerow(["demo_pkg-1.0.dist-info/RECORD", "", ""])
    return [*members, RawMember(b"demo_pkg-1.0.dist-info/RECORD", out.getvalue().encode())]
