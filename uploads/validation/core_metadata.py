"""Core metadata rules shared by the upload form and the METADATA / PKG-INFO in an archive.

``packaging.metadata`` does the spec-level validation; the rules layered on top are the
ones PyPI adds (supported versions, no direct URLs, known classifiers, real URLs and
emails) plus a few stricter ones.
"""

from __future__ import annotations

import email.utils
import functools
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import trove_classifiers
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import InvalidRequirement, Requirement

from .results import Problem

# 2.0 was never a real metadata version; anything newer than 2.5 has not been reviewed.
ALLOWED_METADATA_VERSIONS = ("1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5")
MAX_SUMMARY = 512
MAX_URL = 2048
MAX_URL_LABEL = 32

_FIELD_CODES = {
    "metadata-version": "metadata-version-unsupported",
    "description-content-type": "content-type-invalid",
    "license-expression": "license-expression-invalid",
    "summary": "summary-invalid",
    "requires-dist": "requirement-invalid",
    "requires-python": "requires-python-invalid",
}
_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_LIST_KEYS = (
    "requires_dist", "provides_extra", "license_files", "keywords", "classifiers", "dynamic",
)
_STRING_KEYS = (
    "summary", "description", "description_content_type", "requires_python", "license",
    "license_expression", "author", "author_email", "maintainer", "maintainer_email",
    "home_page", "metadata_version",
)


def check_raw_metadata(raw: RawMetadata, *, skip_fields: Iterable[str] = ()) -> list[Problem]:
    """Validate raw core metadata, returning every problem found.

    ``skip_fields`` names email-style fields (e.g. ``"name"``) whose packaging errors the
    caller already reports in its own words.
    """
    problems = _version_problems(raw)
    skipped = set(skip_fields)
    if problems:
        skipped.add("metadata-version")
    problems += [p for p in _packaging_problems(raw) if p.field not in skipped]
    problems += _dependency_problems(raw)
    problems += _classifier_problems(raw.get("classifiers") or [])
    problems += _license_problems(raw)
    problems += _url_problems(raw)
    problems += _summary_problems(raw.get("summary"))
    problems += _email_problems(raw)
    return problems


def unparsed_problems(unparsed: dict[str, list[str]]) -> list[Problem]:
    """Problems for header fields that ``parse_email`` could not make sense of."""
    return [
        Problem("metadata-invalid", f"The metadata field '{key}' is unknown or invalid.", key)
        for key in sorted(unparsed)
    ]


def metadata_dict(raw: RawMetadata) -> dict:
    """The JSON-able subset of core metadata the registry stores and shows."""
    result: dict = {key: raw.get(key) for key in _STRING_KEYS}
    for key in _LIST_KEYS:
        result[key] = list(raw.get(key) or [])
    result["platform"] = list(raw.get("platforms") or [])
    result["project_urls"] = dict(raw.get("project_urls") or {})
    return result


def short(value: object, limit: int = 80) -> str:
    """Clip a user-supplied value so it can be quoted in a one-line message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _version_problems(raw: RawMetadata) -> list[Problem]:
    version = raw.get("metadata_version")
    allowed = ", ".join(ALLOWED_METADATA_VERSIONS)
    if version is None:
        message = f"Metadata-Version is required; use one of {allowed}."
        return [Problem("metadata-version-missing", message, "metadata-version")]
    if version in ALLOWED_METADATA_VERSIONS:
        return []
    message = f"Unsupported Metadata-Version '{short(version)}': use one of {allowed}."
    return [Problem("metadata-version-unsupported", message, "metadata-version")]


def _packaging_problems(raw: RawMetadata) -> list[Problem]:
    data = dict(raw)
    if data.get("metadata_version") == "2.5" and not _packaging_knows("2.5"):
        # An older packaging that predates 2.5 still validates every 2.4 field correctly.
        data["metadata_version"] = "2.4"
    try:
        Metadata.from_raw(data)  # type: ignore[arg-type]
    except ExceptionGroup as group:
        return [_from_invalid(exc) for exc in group.exceptions]
    except ValueError as exc:  # packaging lets some through unwrapped: a number too long
        message = f"The metadata could not be read: {short(str(exc), 200)}"
        return [Problem("metadata-invalid", message, None)]
    return []


@functools.cache
def _packaging_knows(version: str) -> bool:
    try:
        Metadata.from_raw({"metadata_version": version, "name": "x", "version": "1"})
    except ExceptionGroup:
        return False
    return True


def _from_invalid(exc: Exception) -> Problem:
    field = getattr(exc, "field", None)
    detail = str(exc)
    cause = exc.__cause__
    if cause is not None and str(cause):
        detail += f" ({short(str(cause).splitlines()[0], 160)})"
    code = _FIELD_CODES.get(field or "", "metadata-invalid")
    if not isinstance(exc, InvalidMetadata):
        code = "metadata-invalid"
    return Problem(code, f"Invalid metadata: {detail}.", field)


def _dependency_problems(raw: RawMetadata) -> list[Problem]:
    problems = []
    for key, label in (
        ("requires_dist", "Requires-Dist"),
        ("provides_dist", "Provides-Dist"),
        ("obsoletes_dist", "Obsoletes-Dist"),
    ):
        for text in raw.get(key) or []:
            packaged = key == "requires_dist"
            problems += _requirement_problems(text, label, parsed_by_packaging=packaged)
    return problems


def _requirement_problems(text: str, label: str, *, parsed_by_packaging: bool) -> list[Problem]:
    field = label.lower()
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        if parsed_by_packaging:
            return []
        message = f"Invalid {label} '{short(text)}': it is not a valid requirement."
        return [Problem("requirement-invalid", message, field)]
    if requirement.url is None:
        return []
    message = (
        f"Invalid {label} '{short(text)}': direct URL references are not allowed; "
        "depend on a released version instead."
    )
    return [Problem("direct-url-dependency", message, field)]


def _classifier_problems(classifiers: list[str]) -> list[Problem]:
    problems = []
    for classifier in sorted(set(classifiers)):
        if classifier in trove_classifiers.deprecated_classifiers:
            problems.append(_deprecated(classifier))
        elif classifier not in trove_classifiers.classifiers and not _is_private(classifier):
            message = f"'{short(classifier)}' is not a valid classifier."
            problems.append(Problem("classifier-invalid", message, "classifier"))
    return problems


def _is_private(classifier: str) -> bool:
    # "Private ::" classifiers exist to keep a package off the public index; a private
    # registry is exactly where such packages belong.
    return classifier.startswith("Private :: ")


def _deprecated(classifier: str) -> Problem:
    replacements = trove_classifiers.deprecated_classifiers[classifier]
    if replacements:
        instead = " or ".join(f"'{r}'" for r in replacements)
        message = f"The classifier '{classifier}' is deprecated; use {instead} instead."
    else:
        message = f"The classifier '{classifier}' is deprecated; remove it."
    return Problem("classifier-deprecated", message, "classifier")


def _license_problems(raw: RawMetadata) -> list[Problem]:
    version = raw.get("metadata_version")
    if version not in ("2.4", "2.5"):
        return []
    if raw.get("license_expression") and raw.get("license"):
        message = (
            "License-Expression and License are both set; with Metadata-Version 2.4 or "
            "later use only License-Expression."
        )
        return [Problem("license-conflict", message, "license")]
    return []


def _url_problems(raw: RawMetadata) -> list[Problem]:
    problems = []
    for key, label in (("home_page", "Home-page"), ("download_url", "Download-URL")):
        url = raw.get(key)
        if url is not None and not _is_web_url(url):
            problems.append(_bad_url(url, label))
    for name, url in (raw.get("project_urls") or {}).items():
        problems += _project_url_problems(name, url)
    return problems


def _project_url_problems(label: str, url: str) -> list[Problem]:
    if not label:
        message = f"Project-URL '{short(url)}' has no label; write it as 'Label, URL'."
        return [Problem("url-invalid", message, "project-url")]
    if len(label) > MAX_URL_LABEL:
        message = f"Project-URL label '{short(label)}' is longer than {MAX_URL_LABEL} characters."
        return [Problem("url-invalid", message, "project-url")]
    if not _is_web_url(url):
        return [_bad_url(url, f"Project-URL '{short(label, 32)}'")]
    return []


def _is_web_url(url: str) -> bool:
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _bad_url(url: str, label: str) -> Problem:
    message = (
        f"Invalid URL '{short(url)}' for {label}: it must be an http(s) URL "
        f"of at most {MAX_URL} characters."
    )
    return Problem("url-invalid", message, "project-url" if "Project" in label else label.lower())


def _summary_problems(summary: str | None) -> list[Problem]:
    if summary is None or len(summary) <= MAX_SUMMARY:
        return []
    message = f"The summary is {len(summary)} characters long; the limit is {MAX_SUMMARY}."
    return [Problem("summary-invalid", message, "summary")]


def _email_problems(raw: RawMetadata) -> list[Problem]:
    problems = []
    for key, label in (("author_email", "Author-email"), ("maintainer_email", "Maintainer-email")):
        value = raw.get(key)
        if value:
            problems += [
                Problem("email-invalid", f"'{short(a)}' in {label} is not a valid email address.",
                        label.lower())
                for a in _bad_addresses(value)
            ]
    return problems


def _bad_addresses(value: str) -> list[str]:
    pairs = email.utils.getaddresses([value])
    if not pairs or all(not address for _, address in pairs):
        return [value]
    return [address for _, address in pairs if not _EMAIL_RE.match(address)]
