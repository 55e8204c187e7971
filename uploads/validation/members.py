"""Rules for archive members that hold for wheels and sdists alike.

Decompressed bytes are counted as they are produced, so a bomb is stopped at the limit
whatever sizes its headers declare.
"""

from __future__ import annotations

import re
import stat
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field

from .results import Limits, Problem

# Below this many decompressed bytes a high ratio is harmless (tiny, repetitive files).
RATIO_FLOOR = 1 << 20
CHUNK = 1 << 16
MAX_LISTED = 25
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_SEPARATOR_RE = re.compile(r"[\\/]")

# Errors a corrupt or hostile archive can raise from the standard library readers.
CORRUPT_ERRORS = (
    OSError, EOFError, ValueError, LookupError, zlib.error, struct.error,
    zipfile.BadZipFile, tarfile.TarError, NotImplementedError,
)


@dataclass
class ArchiveResult:
    """What reading an archive found: problems, and the raw core metadata if it got that far."""

    problems: list[Problem] = field(default_factory=list)
    metadata_bytes: bytes | None = None


class BombError(Exception):
    """Decompression went past a limit; the message is user-facing."""


class Budget:
    """Counts decompressed bytes of one archive against the limits."""

    def __init__(self, limits: Limits, compressed_size: int, kind: str) -> None:
        self.limits = limits
        self.compressed_size = max(compressed_size, 1)
        self.kind = kind
        self.total = 0

    def add(self, count: int) -> None:
        """Account for ``count`` more decompressed bytes; raise ``BombError`` past a limit."""
        self.total += count
        limit = self.limits.max_uncompressed
        if self.total > limit:
            raise BombError(
                f"The {self.kind} expands to more than {_human(limit)}, the limit; "
                "it looks like a decompression bomb."
            )
        self.check_ratio(self.total, self.compressed_size, "The " + self.kind)

    def check_ratio(self, produced: int, compressed: int, subject: str) -> None:
        """Raise ``BombError`` when ``produced`` bytes from ``compressed`` is too steep."""
        ratio = produced / max(compressed, 1)
        if produced > RATIO_FLOOR and ratio > self.limits.max_ratio:
            raise BombError(
                f"{subject} expands more than {self.limits.max_ratio:g} times its compressed "
                "size; it looks like a decompression bomb."
            )


def path_problem(name: str) -> Problem | None:
    """A problem when an archive member's path could escape or confuse an extractor."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return Problem("path-unsafe", f"The member '{name!r}' has control characters in its name.",
                       "content")
    if name.startswith(("/", "\\")) or _DRIVE_RE.match(name):
        return Problem("path-unsafe", f"The member '{name}' has an absolute path.", "content")
    if ".." in _SEPARATOR_RE.split(name):
        return Problem("path-unsafe", f"The member '{name}' has a '..' path component.", "content")
    return None


def zip_mode_problem(name: str, create_system: int, external_attr: int) -> Problem | None:
    """A problem when a ZIP member carries Unix file-type bits for a link or device."""
    if create_system != 3:  # only Unix-made archives carry st_mode in the high bits
        return None
    mode = external_attr >> 16
    if stat.S_ISLNK(mode):
        return link_problem(name)
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return special_problem(name)
    return None


def link_problem(name: str) -> Problem:
    """The problem for a symbolic or hard link member."""
    return Problem("link-member", f"The member '{name}' is a link; links are not allowed.",
                   "content")


def special_problem(name: str) -> Problem:
    """The problem for a device, FIFO or otherwise special member."""
    message = f"The member '{name}' is a device, FIFO or other special file; only files allowed."
    return Problem("special-member", message, "content")


def too_many_members(count: int | None, limits: Limits) -> Problem:
    """The problem for an archive with more members than allowed."""
    found = "more" if count is None else f"{count}"
    message = f"The archive has {found} members; the limit is {limits.max_members}."
    return Problem("too-many-members", message, "content")


def bounded(problems: list[Problem]) -> list[Problem]:
    """Keep a long list of member problems readable."""
    if len(problems) <= MAX_LISTED:
        return problems
    extra = len(problems) - MAX_LISTED
    more = Problem("more-problems", f"{extra} more problems like these were found.", "content")
    return [*problems[:MAX_LISTED], more]


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.0f} {unit}"
        size /= 1024
    return f"{size} bytes"
