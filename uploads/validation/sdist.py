"""Reading an sdist: a gzip-compressed tar streamed once, never extracted.

PyPI does not look inside tar files for bombs; here the decompressed stream is counted
as it is produced and reading stops at the limit.
"""

from __future__ import annotations

import gzip
import os
import tarfile

from .members import (
    CHUNK,
    CORRUPT_ERRORS,
    ArchiveResult,
    BombError,
    Budget,
    bounded,
    link_problem,
    path_problem,
    special_problem,
    too_many_members,
)
from .results import Limits, Problem

# Long names and PAX records are read whole into memory by tarfile, so they are bounded.
MAX_EXTENDED_HEADER = 1 << 20
_EXTENDED_TYPES = (
    tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE,
    tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK,
)


class _Refused(Exception):
    """A member that stops the scan; carries its problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _GuardedTarInfo(tarfile.TarInfo):
    # _proc_member is where tarfile dispatches on the header type before reading any
    # extended data, so it is the one place to refuse oversized or sparse headers.
    def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _EXTENDED_TYPES and self.size > MAX_EXTENDED_HEADER:
            message = f"The sdist has a {self.size} byte extended tar header; that is too large."
            raise _Refused(Problem("tar-header-too-large", message, "content"))
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise _Refused(_sparse_problem(self.name))
        return super()._proc_member(tar)  # type: ignore[misc]


class _CountingReader:
    """A read-only stream that charges every decompressed byte to a budget."""

    def __init__(self, stream: gzip.GzipFile, budget: Budget) -> None:
        self.stream = stream
        self.budget = budget

    def read(self, size: int = CHUNK) -> bytes:
        data = self.stream.read(size if size >= 0 else CHUNK)
        self.budget.add(len(data))
        return data


def check_sdist(path: os.PathLike | str, *, filename: str, limits: Limits) -> ArchiveResult:
    """Check the structure of the sdist at ``path`` and return its PKG-INFO."""
    with open(path, "rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            message = "The sdist is not a gzip-compressed tar file."
            return ArchiveResult([Problem("archive-invalid", message, "content")])
        raw.seek(0)
        budget = Budget(limits, os.path.getsize(path), "sdist")
        scan = _Scan(filename.removesuffix(".tar.gz"), limits)
        try:
            scan.run(_CountingReader(gzip.GzipFile(fileobj=raw, mode="rb"), budget))
        except BombError as exc:
            return ArchiveResult([Problem("tar-bomb", str(exc), "content")])
        except _Refused as exc:
            return ArchiveResult(bounded([*scan.problems, exc.problem]))
        except CORRUPT_ERRORS as exc:
            message = f"The sdist could not be read: {exc}. Rebuild it and upload again."
            return ArchiveResult([Problem("archive-corrupt", message, "content")])
    return ArchiveResult(bounded(scan.problems + scan.layout_problems()), scan.pkg_info)


class _Scan:
    """One streaming pass over the members of an sdist."""

    def __init__(self, stem: str, limits: Limits) -> None:
        self.stem = stem
        self.limits = limits
        self.problems: list[Problem] = []
        self.seen: set[str] = set()
        self.outside: str | None = None
        self.pkg_info: bytes | None = None
        self.pkg_info_found = False

    def run(self, stream: _CountingReader) -> None:
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_GuardedTarInfo) as tar:  # type: ignore[call-overload]
            for count, member in enumerate(tar, start=1):
                if count > self.limits.max_members:
                    raise _Refused(too_many_members(None, self.limits))
                self._member(tar, member)
        # Read to the end so a truncated or padded-with-garbage gzip stream is noticed.
        while stream.read(CHUNK):
            pass

    def _member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        problem = path_problem(member.name) or _type_problem(member)
        if problem is not None:
            self.problems.append(problem)
            return
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        key = "/".join(parts)
        if key in self.seen:
            message = f"The sdist contains '{key}' more than once."
            self.problems.append(Problem("tar-duplicate", message, "content"))
            return
        self.seen.add(key)
        if not parts or parts[0] != self.stem:
            self.outside = self.outside or member.name
        elif parts == [self.stem, "PKG-INFO"] and member.isreg():
            self._read_pkg_info(tar, member)

    def _read_pkg_info(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.pkg_info_found = True
        limit = self.limits.max_metadata_bytes
        if member.size > limit:
            message = f"'{member.name}' is larger than the {limit} byte limit."
            self.problems.append(Problem("metadata-too-large", message, "content"))
            return
        extracted = tar.extractfile(member)
        if extracted is not None:
            self.pkg_info = extracted.read(limit + 1)

    def layout_problems(self) -> list[Problem]:
        """Problems with where things are: one top-level directory holding PKG-INFO."""
        problems = []
        if self.outside is not None:
            message = (
                f"Everything in the sdist must be inside one top-level directory "
                f"'{self.stem}/', but '{self.outside}' is not."
            )
            problems.append(Problem("sdist-layout", message, "content"))
        if not self.pkg_info_found:
            message = f"The sdist has no '{self.stem}/PKG-INFO' file."
            problems.append(Problem("pkg-info-missing", message, "content"))
        return problems


def _type_problem(member: tarfile.TarInfo) -> Problem | None:
    if member.issym() or member.islnk():
        return link_problem(member.name)
    if member.issparse() or any(k.startswith("GNU.sparse.") for k in member.pax_headers):
        return _sparse_problem(member.name)
    if not (member.isreg() or member.isdir()):
        return special_problem(member.name)
    return None


def _sparse_problem(name: str) -> Problem:
    message = f"The member '{name}' is a sparse file; sparse tar members are not allowed."
    return Problem("sparse-member", message, "content")
