"""Reading a wheel: ZIP framing, member safety, bombs, layout, RECORD, WHEEL, entry points."""

from __future__ import annotations

import os
from typing import BinaryIO

from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from .entry_points import entry_point_problems
from .members import (
    CORRUPT_ERRORS,
    ArchiveResult,
    BombError,
    Budget,
    bounded,
    path_problem,
    too_many_members,
    zip_mode_problem,
)
from .results import Limits, Problem
from .wheel_files import (
    RecordRow,
    encode_digest,
    new_hasher,
    parse_record,
    record_problems,
    wheel_file_problems,
)
from .zipframing import (
    FramingError,
    NotZipError,
    TooManyMembersError,
    ZipEntry,
    read_zip_entries,
)
from .zipmembers import member_chunks

# RECORD grows with the member count, so its bound follows max_members, not metadata size.
_RECORD_BYTES_PER_MEMBER = 512


def check_wheel(path: os.PathLike | str, *, filename: str, limits: Limits) -> ArchiveResult:
    """Check the structure and contents of the wheel at ``path``."""
    size = os.path.getsize(path)
    with open(path, "rb") as fp:
        try:
            entries, problems = read_zip_entries(fp, size, limits)
        except FramingError as exc:
            return ArchiveResult([_framing_problem(exc, limits)])
        problems = bounded(problems + _safety_problems(entries))
        if problems:
            return ArchiveResult(problems)
        return _Contents(fp, entries, filename, limits, size).check()


def _framing_problem(exc: FramingError, limits: Limits) -> Problem:
    if isinstance(exc, TooManyMembersError):
        return too_many_members(exc.count, limits)
    if isinstance(exc, NotZipError):
        return Problem("archive-invalid", "The wheel is not a ZIP archive.", "content")
    message = f"The wheel is not a well-formed ZIP archive: {exc}. Rebuild it with a standard tool."
    return Problem("zip-framing", message, "content")


def _safety_problems(entries: list[ZipEntry]) -> list[Problem]:
    problems = []
    for entry in entries:
        problem = path_problem(entry.name) or zip_mode_problem(
            entry.name, entry.create_system, entry.external_attr
        )
        if problem is not None:
            problems.append(problem)
    return problems


class _Contents:
    """One pass over the members of a framing-checked wheel."""

    def __init__(
        self, fp: BinaryIO, entries: list[ZipEntry], filename: str, limits: Limits, size: int,
    ) -> None:
        self.fp = fp
        self.filename = filename
        self.limits = limits
        self.budget = Budget(limits, size, "wheel")
        # Names are unique by now (a duplicate is refused before any member is read).
        self.entries = {e.name: e for e in entries if not e.name.endswith("/")}
        self.files = list(self.entries)
        self.kept: dict[str, bytes] = {}
        self.problems: list[Problem] = []

    def check(self) -> ArchiveResult:
        dist_info = self._dist_info()
        if dist_info is None:
            return ArchiveResult(self.problems)
        try:
            self._read_everything(dist_info)
        except BombError as exc:
            return ArchiveResult([Problem("zip-bomb", str(exc), "content")])
        except CORRUPT_ERRORS as exc:
            message = f"The wheel could not be read: {exc}. Rebuild it and upload again."
            return ArchiveResult([Problem("archive-corrupt", message, "content")])
        metadata = self.kept.get(f"{dist_info}/METADATA")
        return ArchiveResult(bounded(self.problems), metadata)

    def _dist_info(self) -> str | None:
        found = sorted({f.split("/", 1)[0] for f in self.files if f.split("/", 1)[0].endswith(
            ".dist-info")})
        expected = _expected_dist_info(self.filename)
        matching = [d for d in found if _same_dist_info(d, expected)]
        if len(found) != 1 or not matching:
            listed = ", ".join(f"'{d}'" for d in found) or "none"
            message = (
                f"The wheel must contain exactly one '{expected}' directory; found {listed}."
            )
            self.problems.append(Problem("wheel-layout", message, "content"))
            return None
        required = ("METADATA", "WHEEL", "RECORD")
        missing = [n for n in required if f"{found[0]}/{n}" not in self.files]
        for name in missing:
            message = f"The wheel has no '{found[0]}/{name}' file."
            self.problems.append(Problem("wheel-layout", message, "content"))
        return None if missing else found[0]

    def _read_everything(self, dist_info: str) -> None:
        record_limit = max(self.limits.max_metadata_bytes,
                           self.limits.max_members * _RECORD_BYTES_PER_MEMBER)
        record_bytes = self._read_small(f"{dist_info}/RECORD", record_limit)
        rows, problems = parse_record(record_bytes or b"")
        self.problems += problems
        small = {f"{dist_info}/{n}" for n in ("METADATA", "WHEEL", "entry_points.txt")}
        digests = {name: self._stream(name, rows.get(name), name in small) for name in self.files}
        if record_bytes is not None:  # an oversized RECORD was reported; comparing adds noise
            self.problems += record_problems(rows, digests, dist_info)
        self._check_dist_info_files(dist_info)

    def _read_small(self, name: str, limit: int) -> bytes | None:
        data = bytearray()
        for chunk in member_chunks(self.fp, self.entries[name]):
            self.budget.add(len(chunk))
            data += chunk
            if len(data) > limit:
                self._too_large(name, limit)
                return None
        return bytes(data)

    def _stream(self, name: str, row: RecordRow | None, keep: bool) -> tuple[int, str]:
        entry = self.entries[name]
        hasher = new_hasher(row)
        kept = bytearray() if keep else None
        size = 0
        for chunk in member_chunks(self.fp, entry):
            size += len(chunk)
            self.budget.add(len(chunk))
            self.budget.check_ratio(size, entry.compressed_size, f"The member '{name}'")
            hasher.update(chunk)
            if kept is not None and len(kept) <= self.limits.max_metadata_bytes:
                kept += chunk
        self._keep(name, kept)
        return size, encode_digest(hasher.digest())

    def _keep(self, name: str, kept: bytearray | None) -> None:
        if kept is None:
            return
        if len(kept) > self.limits.max_metadata_bytes:
            self._too_large(name, self.limits.max_metadata_bytes)
        else:
            self.kept[name] = bytes(kept)

    def _too_large(self, name: str, limit: int) -> None:
        message = f"'{name}' is larger than the {limit} byte limit."
        self.problems.append(Problem("metadata-too-large", message, "content"))

    def _check_dist_info_files(self, dist_info: str) -> None:
        wheel = self.kept.get(f"{dist_info}/WHEEL")
        if wheel is not None:
            self.problems += wheel_file_problems(wheel, parse_wheel_filename(self.filename)[3])
        entry_points = self.kept.get(f"{dist_info}/entry_points.txt")
        if entry_points is not None:
            self.problems += entry_point_problems(entry_points)


def _expected_dist_info(filename: str) -> str:
    name, version = filename.split("-")[:2]
    return f"{name}-{version}.dist-info"


def _same_dist_info(found: str, expected: str) -> bool:
    # Installers compare these names canonically, so differences in case or
    # separators do not matter; a different project or version does.
    found_name, _, found_version = found.removesuffix(".dist-info").rpartition("-")
    expected_name, _, expected_version = expected.removesuffix(".dist-info").rpartition("-")
    try:
        same_version = Version(found_version) == Version(expected_version)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return False
    return same_version and canonicalize_name(found_name) == canonicalize_name(expected_name)
