"""The values validation hands back: problems, limits and the two reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, worded for the person running twine."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Limits:
    """Resource bounds applied while reading an untrusted archive."""

    max_members: int = 10_000
    max_uncompressed: int = 1 << 30
    max_ratio: float = 100.0
    max_metadata_bytes: int = 1 << 20


@dataclass(frozen=True)
class FormResult:
    """What the multipart text fields of an upload declare, and what is wrong with them."""

    problems: tuple[Problem, ...]
    name: str | None
    version: str | None
    filetype: str | None
    digests: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when the form has no problems."""
        return not self.problems


@dataclass(frozen=True)
class Report:
    """What the uploaded file contains, and what is wrong with it."""

    problems: tuple[Problem, ...]
    name: str | None
    version: str | None
    metadata_bytes: bytes | None
    metadata: dict
    python_tag: str | None

    @property
    def ok(self) -> bool:
        """True when the file has no problems."""
        return not self.problems
