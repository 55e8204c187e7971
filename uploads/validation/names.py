"""Project name rules: PEP 503 normalisation, PEP 508 syntax and rules for new names."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from .results import Problem

_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[-_.]+")
# Characters people (and attackers) swap for one another when squatting a name.
CONFUSABLES = {"l": "1", "i": "1", "o": "0"}
_CONFUSABLES = str.maketrans(CONFUSABLES)


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalised form of a project name."""
    return _SEPARATORS_RE.sub("-", name).lower()


def is_valid_name(name: str) -> bool:
    """True when ``name`` is a valid PEP 508 distribution name."""
    return bool(_NAME_RE.match(name))


def escaped_name(name: str) -> str:
    """The name as it must appear in a wheel or sdist filename (PEP 427 / PEP 625)."""
    return normalize_name(name).replace("-", "_")


def name_skeleton(name: str) -> str:
    """Fold a name so that names a reader could confuse compare equal (separators dropped,
    then ``CONFUSABLES`` folded)."""
    return _SEPARATORS_RE.sub("", name.lower()).translate(_CONFUSABLES)


def _stdlib_names() -> frozenset[str]:
    # Private modules such as "_abc" normalise to "-abc", which is no valid name anyway.
    names = (normalize_name(module.strip("_.-")) for module in sys.stdlib_module_names)
    return frozenset(name for name in names if name)


STDLIB_NAMES = _stdlib_names()


def check_new_project_name(
    name: str, *, existing_normalized: Iterable[str], prohibited_normalized: Iterable[str]
) -> tuple[Problem, ...]:
    """Check a name for a project that does not exist yet in the organisation."""
    if not is_valid_name(name):
        return (_invalid_name(name),)
    normalized = normalize_name(name)
    if normalized in set(prohibited_normalized):
        return (Problem("name-prohibited", f"The name '{name}' is not allowed.", "name"),)
    if normalized in STDLIB_NAMES:
        message = (
            f"The name '{name}' is the name of a Python standard library module "
            "and cannot be used for a project."
        )
        return (Problem("name-stdlib", message, "name"),)
    similar = _similar_existing(normalized, existing_normalized)
    if similar is not None:
        message = f"The name '{name}' is too similar to an existing project '{similar}'."
        return (Problem("name-too-similar", message, "name"),)
    return ()


def _similar_existing(normalized: str, existing_normalized: Iterable[str]) -> str | None:
    skeleton = name_skeleton(normalized)
    candidates = sorted(
        other
        for other in existing_normalized
        if other != normalized and name_skeleton(other) == skeleton
    )
    return candidates[0] if candidates else None


def _invalid_name(name: str) -> Problem:
    message = (
        f"Invalid project name '{name}': it must start and end with a letter or digit "
        "and contain only ASCII letters, digits, '.', '_' and '-'."
    )
    return Problem("name-invalid", message, "name")
