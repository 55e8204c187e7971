"""check_distribution: every rule for one uploaded file, most important problems first."""

from __future__ import annotations

import os
import tarfile
import zipfile

from packaging.metadata import RawMetadata, parse_email
from packaging.version import Version

from registry.names import normalize_name

from .core_metadata import check_raw_metadata, metadata_dict, short, unparsed_problems
from .filenames import check_filename, wheel_python_tag
from .members import CORRUPT_ERRORS, ArchiveResult
from .readme import check_readme
from .results import Limits, Problem, Report
from .sdist import check_sdist
from .wheel import check_wheel


def check_distribution(
    path: os.PathLike,
    *,
    filename: str,
    filetype: str,
    name: str,
    version: str,
    limits: Limits = Limits(),  # noqa: B008 -- frozen, so a shared default is safe
) -> Report:
    """Check one uploaded wheel or sdist against its declared filetype, name and version.

    The report starts with ``check_filename``'s problems, then archive safety and
    layout, then the core metadata inside the archive, then the README.
    """
    problems = list(check_filename(filename, filetype=filetype, name=name, version=version))
    python_tag = "source" if filetype == "sdist" else wheel_python_tag(filename)
    if any(p.code in _FATAL_FILENAME_CODES for p in problems):
        # Without a parseable filename there is no expected layout to check against.
        return Report(tuple(problems), None, None, None, {}, python_tag)
    archive = _read_archive(path, filename, filetype, limits)
    problems += archive.problems
    if archive.metadata_bytes is None:
        return Report(tuple(problems), None, None, None, {}, python_tag)
    label = "METADATA" if filetype == "bdist_wheel" else "PKG-INFO"
    raw, metadata_problems = _check_metadata(archive.metadata_bytes, label, name, version)
    problems += metadata_problems
    problems += check_readme(raw.get("description"), raw.get("description_content_type"))
    return Report(
        tuple(problems), raw.get("name"), _canonical(raw.get("version")),
        archive.metadata_bytes, metadata_dict(raw), python_tag,
    )


_FATAL_FILENAME_CODES = frozenset(
    {"filename-invalid", "filename-extension", "sdist-zip", "filetype-invalid"}
)


def _read_archive(path: os.PathLike, filename: str, filetype: str, limits: Limits) -> ArchiveResult:
    try:
        polyglot = _is_zip(path) and _is_tar(path)
        if polyglot:
            message = "The file is both a ZIP and a tar archive; upload a plain wheel or sdist."
            return ArchiveResult([Problem("archive-polyglot", message, "content")])
        if filetype == "bdist_wheel":
            return check_wheel(path, filename=filename, limits=limits)
        return check_sdist(path, filename=filename, limits=limits)
    except CORRUPT_ERRORS as exc:
        message = f"The file could not be read as a {filetype}: {short(exc, 160)}."
        return ArchiveResult([Problem("archive-corrupt", message, "content")])


def _is_zip(path: os.PathLike) -> bool:
    return zipfile.is_zipfile(path)


def _is_tar(path: os.PathLike) -> bool:
    # Opening reads only the first header, so this is cheap even for a bomb.
    try:
        with tarfile.open(path, "r:*"):
            return True
    except CORRUPT_ERRORS:
        return False


def _check_metadata(
    data: bytes, label: str, name: str, version: str
) -> tuple[RawMetadata, list[Problem]]:
    try:
        raw, unparsed = parse_email(data)
    except CORRUPT_ERRORS as exc:
        message = f"The {label} file cannot be parsed: {short(exc, 160)}."
        return RawMetadata(), [Problem("metadata-invalid", message, "metadata")]
    problems = unparsed_problems(unparsed) + check_raw_metadata(raw)
    problems += _agreement_problems(raw, label, name, version)
    return raw, problems


def _agreement_problems(raw: RawMetadata, label: str, name: str, version: str) -> list[Problem]:
    problems = []
    found_name = raw.get("name")
    if found_name is not None and normalize_name(found_name) != normalize_name(name):
        message = (
            f"The name in {label} is '{short(found_name)}', but the upload is for "
            f"'{short(name)}'."
        )
        problems.append(Problem("metadata-name-mismatch", message, "name"))
    found_version = raw.get("version")
    if found_version is not None and not _same_version(found_version, version):
        message = (
            f"The version in {label} is '{short(found_version)}', but the upload declares "
            f"'{short(version)}'."
        )
        problems.append(Problem("metadata-version-mismatch", message, "version"))
    return problems


def _same_version(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return left == right


def _canonical(version: str | None) -> str | None:
    if version is None:
        return None
    try:
        return str(Version(version))
    except ValueError:  # InvalidVersion, or a number too long for int()
        return None
