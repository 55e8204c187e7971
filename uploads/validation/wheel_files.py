"""The files inside a wheel's .dist-info directory: RECORD and WHEEL (entry_points.txt is
``entry_points``)."""

from __future__ import annotations

import base64
import csv
import email.parser
import email.policy
import hashlib
import io
import re
from dataclasses import dataclass

from packaging.tags import InvalidTag, Tag, parse_tag

from .core_metadata import short
from .results import Problem

# sha256 or stronger, as the wheel spec requires; md5 and sha1 are refused.
STRONG_HASHES = frozenset(
    {"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"}
)
UNHASHED = ("RECORD", "RECORD.jws", "RECORD.p7s")
_B64_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class RecordRow:
    """One line of RECORD."""

    path: str
    algorithm: str | None
    digest: str | None
    size: str
    # False when the line was already reported as malformed; it is not compared again.
    well_formed: bool = True


def parse_record(data: bytes) -> tuple[dict[str, RecordRow], list[Problem]]:
    """Parse RECORD into rows keyed by path, with problems for malformed lines."""
    try:
        lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        return {}, [_record_problem("record-invalid", f"RECORD cannot be read: {short(exc)}.")]
    rows: dict[str, RecordRow] = {}
    problems: list[Problem] = []
    for line in lines:
        if not line:
            continue
        row, problem = _parse_row(line)
        if problem is not None:
            problems.append(problem)
        if row.path in rows:
            problems.append(_record_problem("record-invalid", f"RECORD lists '{row.path}' twice."))
        else:
            rows[row.path] = row
    return rows, problems


def _parse_row(line: list[str]) -> tuple[RecordRow, Problem | None]:
    if len(line) != 3:
        message = f"RECORD line '{short(','.join(line))}' does not have 3 fields."
        return RecordRow(line[0], None, None, "", False), _record_problem("record-invalid", message)
    path, hash_field, size = line
    malformed = RecordRow(path, None, None, size, False)
    if not hash_field:
        return RecordRow(path, None, None, size), None
    algorithm, _, digest = hash_field.partition("=")
    if algorithm not in STRONG_HASHES:
        message = (
            f"RECORD hashes '{short(path)}' with '{short(algorithm)}'; use sha256 or stronger."
        )
        return malformed, _record_problem("record-invalid", message)
    if not _B64_RE.match(digest):
        message = f"RECORD has a malformed hash for '{short(path)}' (urlsafe base64, no padding)."
        return malformed, _record_problem("record-invalid", message)
    return RecordRow(path, algorithm, digest, size), None


def new_hasher(row: RecordRow | None) -> hashlib._Hash:
    """A hash object for the algorithm RECORD uses for a member (sha256 when unlisted)."""
    algorithm = row.algorithm if row is not None and row.algorithm else "sha256"
    return hashlib.new(algorithm)


def encode_digest(digest: bytes) -> str:
    """Encode a digest the way RECORD does."""
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def record_problems(
    rows: dict[str, RecordRow], members: dict[str, tuple[int, str]], dist_info: str
) -> list[Problem]:
    """Compare RECORD with the members actually read: ``path -> (size, encoded digest)``."""
    unhashed = {f"{dist_info}/{name}" for name in UNHASHED}
    problems = [
        _record_problem("record-missing-entry", f"'{path}' is in the wheel but not in RECORD.")
        for path in members
        if path not in rows and path not in unhashed
    ]
    for path, row in rows.items():
        if path not in members:
            message = f"RECORD lists '{short(path)}', which is not in the wheel."
            problems.append(_record_problem("record-extra-entry", message))
        elif path not in unhashed and row.well_formed:
            problems += _row_problems(row, *members[path])
    return problems


def _row_problems(row: RecordRow, size: int, digest: str) -> list[Problem]:
    if row.digest is None:
        return [_record_problem("record-invalid", f"RECORD has no hash for '{row.path}'.")]
    if row.digest != digest:
        message = f"The {row.algorithm} hash of '{row.path}' does not match RECORD."
        return [_record_problem("record-hash-mismatch", message)]
    if row.size != str(size):
        message = f"'{row.path}' is {size} bytes, but RECORD says '{short(row.size)}'."
        return [_record_problem("record-size-mismatch", message)]
    return []


def _record_problem(code: str, message: str) -> Problem:
    return Problem(code, message, "content")


def wheel_file_problems(data: bytes, filename_tags: frozenset[Tag]) -> list[Problem]:
    """Check the WHEEL file: version 1.x, tags equal to the filename's, Root-Is-Purelib."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [_wheel_problem("The WHEEL file is not UTF-8 text.")]
    headers = email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)
    problems = _wheel_version_problems(headers.get_all("Wheel-Version") or [])
    problems += _tag_problems(headers.get_all("Tag") or [], filename_tags)
    purelib = headers.get_all("Root-Is-Purelib") or []
    if len(purelib) != 1 or purelib[0].strip().lower() not in ("true", "false"):
        problems.append(_wheel_problem("The WHEEL file needs one 'Root-Is-Purelib: true|false'."))
    return problems


def _wheel_version_problems(versions: list[str]) -> list[Problem]:
    if len(versions) != 1 or not re.fullmatch(r"1\.\d+", versions[0].strip()):
        shown = ", ".join(short(v) for v in versions) or "none"
        return [_wheel_problem(f"The WHEEL file's Wheel-Version is {shown}; it must be 1.x.")]
    return []


def _tag_problems(lines: list[str], filename_tags: frozenset[Tag]) -> list[Problem]:
    tags: set[Tag] = set()
    for line in lines:
        try:
            tags |= parse_tag(line.strip())
        except (InvalidTag, ValueError):
            return [_wheel_problem(f"The WHEEL file has an invalid Tag '{short(line)}'.")]
    if tags == filename_tags:
        return []
    listed = ", ".join(sorted(map(str, tags))) or "none"
    expected = ", ".join(sorted(map(str, filename_tags)))
    message = f"The WHEEL file lists tags {short(listed, 200)}, but the filename has {expected}."
    return [Problem("wheel-tags-mismatch", message, "content")]


def _wheel_problem(message: str) -> Problem:
    return Problem("wheel-file-invalid", message, "content")
