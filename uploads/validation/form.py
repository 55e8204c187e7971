"""Checks on the text fields of a twine upload (the legacy upload protocol)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from packaging.version import Version

from registry.names import name_syntax_problem

from .core_metadata import check_raw_metadata, short
from .results import FormResult, Problem

FILE_FIELDS_KEY = "__file_fields__"
# What the registry keeps of a release's version and of a file's python version.
MAX_VERSION_LENGTH = 100
MAX_PYVERSION_LENGTH = 100
FILETYPES = ("sdist", "bdist_wheel")
_DIGESTS = {
    "md5": ("md5_digest", re.compile(r"^[0-9a-f]{32}$")),
    "sha256": ("sha256_digest", re.compile(r"^[0-9a-f]{64}$")),
    "blake2_256": ("blake2_256_digest", re.compile(r"^[0-9a-f]{64}$")),
}
# Form field -> RawMetadata key. twine sends the RawMetadata key, except where noted.
_FORM_TO_RAW = {
    key: key
    for key in (
        "metadata_version", "name", "version", "summary", "description",
        "description_content_type", "keywords", "home_page", "download_url", "author",
        "author_email", "maintainer", "maintainer_email", "license", "license_expression",
        "classifiers", "requires_dist", "provides_dist", "obsoletes_dist", "requires_external",
        "requires_python", "provides_extra", "project_urls", "dynamic", "requires", "provides",
        "obsoletes",
    )
} | {
    "license_file": "license_files",
    "platform": "platforms",
    "supported_platform": "supported_platforms",
}
_SINGLE_RAW = {
    "metadata_version", "name", "version", "summary", "description", "description_content_type",
    "keywords", "home_page", "download_url", "author", "author_email", "maintainer",
    "maintainer_email", "license", "license_expression", "requires_python",
}
_ABSENT = ("", "UNKNOWN")


def check_form(fields: Mapping[str, Sequence[str]]) -> FormResult:
    """Check the multipart text fields of one upload, collecting every problem.

    ``fields`` maps each text field to all values sent for it; the special key
    ``"__file_fields__"`` lists the names of the file parts that were sent. Values that
    are empty or "UNKNOWN" count as absent. A wrong ``:action`` is reported alone
    (code ``action-gone`` for a retired action), since nothing else then matters.
    """
    values = {key: [v for v in vals if v not in _ABSENT] for key, vals in fields.items()}
    problems = _action_problems(values)
    if problems:
        # Nothing else in a request for a retired action is worth reporting.
        return FormResult(tuple(problems), None, None, None, {})
    problems += _protocol_problems(values)
    name, name_problems = _name(values)
    version, version_problems = _version(values)
    filetype, filetype_problems = _filetype(values)
    digests, digest_problems = _digests(values)
    problems += name_problems + version_problems + filetype_problems
    problems += _pyversion_problems(values, filetype) + digest_problems
    problems += _metadata_problems(values)
    return FormResult(tuple(problems), name, version, filetype, digests)


def _single(values: dict[str, list[str]], key: str) -> tuple[str | None, list[Problem]]:
    sent = values.get(key) or []
    if len(set(sent)) > 1:
        return None, [Problem("field-repeated", f"The field '{key}' was sent more than once.", key)]
    return (sent[0] if sent else None), []


def _action_problems(values: dict[str, list[str]]) -> list[Problem]:
    action, problems = _single(values, ":action")
    if problems:
        return problems
    if action is None:
        return [Problem("action-missing", "The ':action' field is required; send 'file_upload'.",
                        ":action")]
    if action != "file_upload":
        message = f"The ':action' '{short(action)}' is no longer supported; only 'file_upload' is."
        return [Problem("action-gone", message, ":action")]
    return []


def _protocol_problems(values: dict[str, list[str]]) -> list[Problem]:
    protocol, problems = _single(values, "protocol_version")
    if protocol is not None and protocol != "1":
        message = f"Unsupported protocol_version '{short(protocol)}': only '1' is supported."
        problems.append(Problem("protocol-unsupported", message, "protocol_version"))
    for part in sorted(set(values.get(FILE_FIELDS_KEY) or [])):
        if part != "content":
            message = f"The field '{short(part)}' was sent as a file; only 'content' may be a file."
            problems.append(Problem("file-field-invalid", message, part))
    if FILE_FIELDS_KEY in values and "content" not in values[FILE_FIELDS_KEY]:
        problems.append(Problem("content-missing", "No file was sent in the 'content' field.",
                                "content"))
    return problems


def _name(values: dict[str, list[str]]) -> tuple[str | None, list[Problem]]:
    name, problems = _single(values, "name")
    if problems:
        return None, problems
    if name is None:
        return None, [Problem("name-missing", "The project name is required.", "name")]
    invalid = name_syntax_problem(name)
    if invalid is not None:
        return None, [Problem(invalid.code, invalid.message, "name")]
    return name, []


def _version(values: dict[str, list[str]]) -> tuple[str | None, list[Problem]]:
    text, problems = _single(values, "version")
    if problems:
        return None, problems
    if text is None:
        return None, [Problem("version-missing", "The version is required.", "version")]
    try:
        version = Version(text)
    except ValueError:  # InvalidVersion, or a number too long for int()
        message = f"Invalid version '{short(text)}': it is not a valid PEP 440 version."
        return None, [Problem("version-invalid", message, "version")]
    if text != text.strip():
        message = f"Invalid version '{short(text)}': it has leading or trailing whitespace."
        return None, [Problem("version-invalid", message, "version")]
    if version.local is not None:
        message = f"Invalid version '{short(text)}': local versions are not allowed."
        return None, [Problem("version-local", message, "version")]
    if len(str(version)) > MAX_VERSION_LENGTH:
        message = (f"Invalid version '{short(text)}': it has {len(str(version))} characters; "
                   f"the limit is {MAX_VERSION_LENGTH}.")
        return None, [Problem("version-too-long", message, "version")]
    return str(version), []


def _filetype(values: dict[str, list[str]]) -> tuple[str | None, list[Problem]]:
    filetype, problems = _single(values, "filetype")
    if problems:
        return None, problems
    if filetype not in FILETYPES:
        shown = "nothing" if filetype is None else f"'{short(filetype)}'"
        message = f"Unsupported filetype {shown}: only 'sdist' and 'bdist_wheel' are accepted."
        return None, [Problem("filetype-invalid", message, "filetype")]
    return filetype, []


def _pyversion_problems(values: dict[str, list[str]], filetype: str | None) -> list[Problem]:
    pyversion, problems = _single(values, "pyversion")
    if pyversion is not None and len(pyversion) > MAX_PYVERSION_LENGTH:
        message = (f"Invalid pyversion '{short(pyversion)}': it has {len(pyversion)} "
                   f"characters; the limit is {MAX_PYVERSION_LENGTH}.")
        problems.append(Problem("pyversion-invalid", message, "pyversion"))
    if filetype == "sdist" and pyversion not in (None, "source"):
        message = f"Invalid pyversion '{short(pyversion)}': an sdist's pyversion must be 'source'."
        problems.append(Problem("pyversion-invalid", message, "pyversion"))
    if filetype == "bdist_wheel" and pyversion in (None, "source"):
        message = "A wheel upload needs a pyversion such as 'py3', and it cannot be 'source'."
        problems.append(Problem("pyversion-invalid", message, "pyversion"))
    return problems


def _digests(values: dict[str, list[str]]) -> tuple[dict[str, str], list[Problem]]:
    digests: dict[str, str] = {}
    problems: list[Problem] = []
    for kind, (field, pattern) in _DIGESTS.items():
        value, repeated = _single(values, field)
        problems += repeated
        if value is None:
            continue
        if pattern.match(value.lower()):
            digests[kind] = value.lower()
        else:
            message = f"Invalid {field} '{short(value)}': it must be a hex-encoded {kind} digest."
            problems.append(Problem("digest-invalid", message, field))
    if not digests and not problems:
        message = "Send at least one of sha256_digest, blake2_256_digest or md5_digest."
        problems.append(Problem("digest-missing", message, "sha256_digest"))
    return digests, problems


def _metadata_problems(values: dict[str, list[str]]) -> list[Problem]:
    raw, problems = _form_to_raw(values)
    # Name and version have their own, more specific, problems above.
    return problems + check_raw_metadata(raw, skip_fields=("name", "version"))  # type: ignore[arg-type]


def _form_to_raw(values: dict[str, list[str]]) -> tuple[dict, list[Problem]]:
    raw: dict = {}
    problems: list[Problem] = []
    for field, key in _FORM_TO_RAW.items():
        sent = values.get(field)
        if not sent:
            continue
        if key in _SINGLE_RAW and len(set(sent)) > 1:
            if field not in ("name", "version"):  # those two were reported above
                message = f"The field '{field}' was sent more than once."
                problems.append(Problem("field-repeated", message, field))
            continue
        if key == "keywords":
            raw[key] = [k.strip() for k in sent[0].split(",") if k.strip()]
        elif key == "project_urls":
            raw[key], url_problems = _project_urls(sent)
            problems += url_problems
        else:
            raw[key] = sent[0] if key in _SINGLE_RAW else list(sent)
    return raw, problems


def _project_urls(sent: list[str]) -> tuple[dict[str, str], list[Problem]]:
    urls: dict[str, str] = {}
    problems: list[Problem] = []
    for pair in sent:
        label, _, url = (part.strip() for part in pair.partition(","))
        if label in urls:
            message = f"The Project-URL label '{short(label, 32)}' is used more than once."
            problems.append(Problem("url-invalid", message, "project-url"))
        urls[label] = url
    return urls, problems
