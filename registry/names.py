"""Project name rules: PEP 503 normalisation, PEP 508 syntax, and the rules for a new name.

Pure (no Django): every way a project comes to be (an upload, the management API) applies
``new_name_problems`` through ``registry.services.project_name_problems``, and the upload
validation package uses the rest.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.utils import InvalidName, canonicalize_name

_SEPARATORS_RE = re.compile(r"[-_.]+")
# Characters people (and attackers) swap for one another when squatting a name.
CONFUSABLES = {"l": "1", "i": "1", "o": "0"}
_CONFUSABLES = str.maketrans(CONFUSABLES)
MAX_NAME_LENGTH = 200  # what a project's name column holds


@dataclass(frozen=True)
class NameProblem:
    """Why a name may not be used, worded for the person who chose it."""

    code: str
    message: str


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalised form of a project name."""
    return canonicalize_name(name)


def is_valid_name(name: str) -> bool:
    """True when ``name`` is a valid PEP 508 distribution name."""
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return False
    return True


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


def new_name_problems(
    name: str, *, existing_normalized: Iterable[str], prohibited_normalized: Iterable[str],
    shown_normalized: Iterable[str] = (),
) -> tuple[NameProblem, ...]:
    """Why ``name`` may not become a new project beside ``existing_normalized``.

    A look-alike is named in the message only if it is in ``shown_normalized`` (the caller may
    read it); otherwise the message says only that one exists, as PyPI's does.
    """
    invalid = name_syntax_problem(name)
    if invalid is not None:
        return (invalid,)
    normalized = normalize_name(name)
    if normalized in set(prohibited_normalized):
        return (NameProblem("name-prohibited", f"The name '{name}' is not allowed."),)
    if normalized in STDLIB_NAMES:
        message = (
            f"The name '{name}' is the name of a Python standard library module "
            "and cannot be used for a project."
        )
        return (NameProblem("name-stdlib", message),)
    similar = _similar_existing(normalized, existing_normalized)
    if similar:
        shown = sorted(set(similar) & set(shown_normalized))
        named = f", '{shown[0]}'" if shown else ""
        message = f"The name '{name}' is too similar to an existing project{named}."
        return (NameProblem("name-too-similar", message),)
    return ()


def _similar_existing(normalized: str, existing_normalized: Iterable[str]) -> list[str]:
    skeleton = name_skeleton(normalized)
    return [other for other in existing_normalized
            if other != normalized and name_skeleton(other) == skeleton]


def name_syntax_problem(name: str) -> NameProblem | None:
    """Why ``name`` is no project name at all (PEP 508 syntax, and the length one may have)."""
    shown = name if len(name) <= 80 else name[:77] + "..."
    if not is_valid_name(name):
        message = (
            f"Invalid project name '{shown}': it must start and end with a letter or digit "
            "and contain only ASCII letters, digits, '.', '_' and '-'."
        )
    elif len(name) > MAX_NAME_LENGTH:
        message = (f"Invalid project name '{shown}': it has {len(name)} characters; the "
                   f"limit is {MAX_NAME_LENGTH}.")
    else:
        return None
    return NameProblem("name-invalid", message)
