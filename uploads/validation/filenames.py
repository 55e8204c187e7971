"""Filename rules: PEP 427 wheels, PEP 625 sdists and the platform tags PyPI accepts."""

from __future__ import annotations

import re

from packaging.utils import (
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from registry.names import escaped_name, normalize_name

from .core_metadata import short
from .results import Problem

# A file is stored under its own name, and a wheel's PEP 658 metadata beside it under the name
# plus ".metadata" (registry.storage.blob_path): each is one path component, and a local disk
# allows 255 bytes in one (ext4, XFS, APFS, NTFS). The whole S3 key, some 90 bytes of prefix
# and digest before the name, stays far below S3's 1,024.
MAX_STORED_NAME_BYTES = 255
METADATA_SUFFIX = ".metadata"
MAX_FILENAME_BYTES = MAX_STORED_NAME_BYTES - len(METADATA_SUFFIX)

_PLAIN_PLATFORMS = frozenset(
    {
        "any", "win32", "win_amd64", "win_arm64", "win_ia64",
        "manylinux1_x86_64", "manylinux1_i686", "manylinux2010_x86_64", "manylinux2010_i686",
        "manylinux2014_x86_64", "manylinux2014_i686", "manylinux2014_aarch64",
        "manylinux2014_armv7l", "manylinux2014_ppc64", "manylinux2014_ppc64le",
        "manylinux2014_s390x",
        # Raspberry Pi builds have no manylinux equivalent, so PyPI lets them through.
        "linux_armv6l", "linux_armv7l",
    }
)
_LINUX_ARCHES = frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"})
_PATTERNS = (
    (re.compile(r"^manylinux_\d+_\d+_(?P<arch>.+)$"), _LINUX_ARCHES | {"ppc64"}),
    (re.compile(r"^musllinux_\d+_\d+_(?P<arch>.+)$"), _LINUX_ARCHES),
    (re.compile(r"^macosx_10_\d+_(?P<arch>.+)$"), None),
    # From macOS 11 only the major version moves, so the minor must be 0.
    (re.compile(r"^macosx_(?:1[1-9]|2\d)_0_(?P<arch>.+)$"), None),
    (re.compile(r"^ios_\d+_\d+_(?P<arch>.+)_(?:iphoneos|iphonesimulator)$"), {"arm64", "x86_64"}),
    (re.compile(r"^android_\d+_(?P<arch>.+)$"), {"armeabi_v7a", "arm64_v8a", "x86", "x86_64"}),
)
_MACOS_ARCHES = frozenset(
    {"ppc", "ppc64", "i386", "x86_64", "arm64", "intel", "fat", "fat3", "fat64", "universal",
     "universal2"}
)


def check_filename(filename: str, *, filetype: str | None, name: str | None,
                   version: str | None) -> tuple[Problem, ...]:
    """Check an uploaded file's name, exactly as the client sent it, against its filetype and
    declared name and version.

    A filetype, name or version that the form lacks (``None``) skips the rules that need it,
    so the rest are still reported with the form's own problems.
    """
    problems = _character_problems(filename) + _length_problems(filename)
    if problems or filetype is None:
        return tuple(problems)
    problems = _extension_problems(filename, filetype)
    if problems:
        return tuple(problems)
    if filetype == "bdist_wheel":
        return tuple(_wheel_problems(filename, name, version))
    return tuple(_sdist_problems(filename, name, version))


def wheel_python_tag(filename: str) -> str | None:
    """The python tag part of a wheel filename, e.g. ``"py2.py3"``."""
    parts = filename.removesuffix(".whl").split("-")
    return parts[-3] if len(parts) in (5, 6) else None


def is_valid_platform(platform: str) -> bool:
    """True when a wheel platform tag is one PyPI accepts."""
    if platform in _PLAIN_PLATFORMS:
        return True
    for pattern, arches in _PATTERNS:
        match = pattern.match(platform)
        if match:
            return match["arch"] in (_MACOS_ARCHES if arches is None else arches)
    return False


def _character_problems(filename: str) -> list[Problem]:
    problems = []
    shown = short(printable(filename))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in filename):
        message = (f"The filename '{shown}' contains a NUL or another control character; "
                   "send the file's plain name.")
        problems.append(Problem("filename-invalid", message, "content"))
    if "/" in filename or "\\" in filename:
        message = (f"The filename '{shown}' carries a path ('/' or '\\'); send the file's "
                   "name alone, without its folders.")
        problems.append(Problem("filename-invalid", message, "content"))
    elif filename in (".", ".."):
        message = f"'{filename}' is not a filename; send the file's own name."
        problems.append(Problem("filename-invalid", message, "content"))
    return problems


def _length_problems(filename: str) -> list[Problem]:
    size = len(filename.encode("utf-8", "surrogatepass"))
    if size <= MAX_FILENAME_BYTES:
        return []
    message = (f"The filename is {size} bytes long; the limit is {MAX_FILENAME_BYTES} bytes "
               f"(the file is stored under its name, beside its '{METADATA_SUFFIX}' file, and "
               f"a stored name has at most {MAX_STORED_NAME_BYTES} bytes).")
    return [Problem("filename-too-long", message, "content")]


def printable(text: str) -> str:
    """``text`` with its control and other unprintable characters escaped (``\\x00``)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _extension_problems(filename: str, filetype: str) -> list[Problem]:
    if filetype == "bdist_wheel" and not filename.endswith(".whl"):
        message = f"A bdist_wheel upload must be a .whl file, not '{short(filename)}'."
        return [Problem("filename-extension", message, "content")]
    if filetype == "sdist" and filename.lower().endswith(".zip"):
        message = (
            f"The sdist '{short(filename)}' is a .zip file; source distributions must be "
            ".tar.gz files (PEP 625)."
        )
        return [Problem("sdist-zip", message, "content")]
    if filetype == "sdist" and not filename.endswith(".tar.gz"):
        message = f"An sdist upload must be a .tar.gz file (PEP 625), not '{short(filename)}'."
        return [Problem("filename-extension", message, "content")]
    if filetype not in ("sdist", "bdist_wheel"):
        message = f"Unsupported filetype '{short(filetype)}': only sdist and bdist_wheel files."
        return [Problem("filetype-invalid", message, "filetype")]
    return []


def _wheel_problems(filename: str, name: str | None, version: str | None) -> list[Problem]:
    try:
        _, file_version, _, tags = parse_wheel_filename(filename)
    except ValueError as exc:  # InvalidWheelFilename, InvalidVersion, or a too long number
        message = f"Invalid wheel filename '{short(filename)}' (PEP 427): {short(exc, 200)}"
        return [Problem("filename-invalid", message, "content")]
    problems = _name_problems(filename, filename.split("-", 1)[0], name)
    problems += _version_problems(filename, file_version, version)
    for platform in sorted({tag.platform for tag in tags}):
        if not is_valid_platform(platform):
            problems.append(_platform_problem(filename, platform))
    return problems


def _sdist_problems(filename: str, name: str | None, version: str | None) -> list[Problem]:
    try:
        _, file_version = parse_sdist_filename(filename)
    except ValueError as exc:  # InvalidSdistFilename, InvalidVersion, or a too long number
        message = f"Invalid sdist filename '{short(filename)}' (PEP 625): {short(exc, 200)}"
        return [Problem("filename-invalid", message, "content")]
    name_part = filename.removesuffix(".tar.gz").rpartition("-")[0]
    return _name_problems(filename, name_part, name) + _version_problems(
        filename, file_version, version
    )


def _name_problems(filename: str, name_part: str, name: str | None) -> list[Problem]:
    if name is None:  # the form's own problem says why
        return []
    if normalize_name(name_part) != normalize_name(name):
        message = (
            f"The filename '{short(filename)}' is for project '{short(name_part)}', "
            f"but the upload is for '{short(name)}'."
        )
        return [Problem("filename-name-mismatch", message, "content")]
    expected = escaped_name(name)
    if name_part != expected:
        message = (
            f"The filename must start with '{expected}-' (the normalized project name with "
            f"'_' for '-'), not '{short(name_part)}-'."
        )
        return [Problem("filename-not-normalized", message, "content")]
    return []


def _version_problems(filename: str, file_version: Version,
                      version: str | None) -> list[Problem]:
    if version is None:  # the form's own problem says why
        return []
    try:
        declared = Version(version)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return []  # the form check already reports an invalid declared version
    if file_version == declared:
        return []
    message = (
        f"The filename '{short(filename)}' has version '{file_version}', "
        f"but the upload declares version '{short(version)}'."
    )
    return [Problem("filename-version-mismatch", message, "content")]


def _platform_problem(filename: str, platform: str) -> Problem:
    if platform.startswith("linux_"):
        message = (
            f"The wheel '{short(filename)}' has the unsupported platform tag '{platform}': "
            "plain linux wheels only run where they were built; repair it with auditwheel "
            "into a manylinux or musllinux wheel."
        )
    else:
        message = f"The wheel '{short(filename)}' has the unsupported platform tag '{platform}'."
    return Problem("platform-tag-invalid", message, "content")
