"""Reading a ZIP member's data as its headers declare it, and no other way.

``zipfile`` stops a member at its declared size and checks the CRC-32 of what it read, so a
deflate stream that goes on past that size, or bytes after the end of the stream, go unseen
by it, yet a reader that follows the stream sees them: two installers could install different
files. Here a member must be exactly what its headers say: the stream ends where the declared
size does, its compressed data ends where the stream does, and the CRC-32 matches.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import BinaryIO

from .zipframing import ZipEntry

CHUNK = 1 << 16
_STORED, _DEFLATED = 0, 8


class MemberCorrupt(ValueError):
    """The member's data is not what its headers declare; the message names it."""


def member_chunks(fp: BinaryIO, entry: ZipEntry) -> Iterator[bytes]:
    """The member's bytes, at most ``CHUNK`` at a time; raises ``MemberCorrupt`` as soon as
    they stop agreeing with the headers (for the CRC-32, once all are read)."""
    fp.seek(entry.data_offset)
    if entry.method == _STORED:
        chunks = _stored(fp, entry)
    elif entry.method == _DEFLATED:
        chunks = _inflated(fp, entry)
    else:  # refused with its own problem before any member is read
        raise MemberCorrupt(f"'{entry.name}' uses compression method {entry.method}")
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if crc != entry.crc:
        raise MemberCorrupt(f"'{entry.name}' does not match its CRC-32")


def _stored(fp: BinaryIO, entry: ZipEntry) -> Iterator[bytes]:
    if entry.compressed_size != entry.file_size:
        raise MemberCorrupt(f"'{entry.name}' is stored uncompressed in "
                            f"{entry.compressed_size} bytes, but declares {entry.file_size}")
    left = entry.file_size
    while left:
        chunk = fp.read(min(CHUNK, left))
        if not chunk:
            raise MemberCorrupt(f"'{entry.name}' is cut short")
        left -= len(chunk)
        yield chunk


def _inflated(fp: BinaryIO, entry: ZipEntry) -> Iterator[bytes]:
    stream = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as ZIP stores it
    compressed_left, left = entry.compressed_size, entry.file_size
    while not stream.eof:
        data = stream.unconsumed_tail
        if not data:
            data = fp.read(min(CHUNK, compressed_left))
            if not data:
                raise MemberCorrupt(f"'{entry.name}' is cut short: its compressed data ends "
                                    "before its stream does")
            compressed_left -= len(data)
        # One byte more than may come: enough to see a stream that goes on.
        chunk = stream.decompress(data, min(CHUNK, left + 1))
        if len(chunk) > left:
            raise MemberCorrupt(f"'{entry.name}' inflates past the {entry.file_size} bytes its "
                                "headers declare")
        left -= len(chunk)
        if chunk:
            yield chunk
    if left:
        raise MemberCorrupt(f"'{entry.name}' ends before the {entry.file_size} bytes its "
                            "headers declare")
    if stream.unused_data or compressed_left:
        raise MemberCorrupt(f"'{entry.name}' has data after the end of its compressed stream")
