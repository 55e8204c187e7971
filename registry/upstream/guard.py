"""The dependency-confusion guard: whether a name may fall through to an upstream. Pure.

A name never falls through when the org has or ever had a project of that normalised name,
when it matches one of the org's reserved patterns, or when the org's policy forbids it
(a deny-list match, or in "allow-list only" mode no allow-list match). The deny list wins over
the allow list.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

_SEPARATORS = re.compile(r"[-_.]+")


def normalize_pattern(pattern: str) -> str:
    """A glob over names, normalised as PEP 503 normalises names: ``Acme_*`` is ``acme-*``."""
    return _SEPARATORS.sub("-", pattern.strip()).lower()


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is no usable name glob, or None."""
    normalized = normalize_pattern(pattern)
    if not normalized or len(normalized) > 200:
        return "A pattern has 1 to 200 characters."
    if not re.fullmatch(r"[a-z0-9*?\[\]!-]+", normalized):
        return ("A pattern has letters, digits, '-', '_', '.' and the glob characters "
                "'*', '?' and '[...]' only.")
    return None


def first_match(name: str, patterns: Iterable[str]) -> str | None:
    """The first of ``patterns`` matching the normalised ``name``."""
    return next((p for p in patterns if fnmatchcase(name, normalize_pattern(p))), None)


@dataclass(frozen=True)
class GuardFacts:
    """What the org holds that bears on one name."""

    held: bool  # the org has, or once had, a project of this normalised name
    reserved: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_list_only: bool = False


@dataclass(frozen=True)
class Refusal:
    reason: str  # "held", "reserved", "denied" or "not-allowed"
    pattern: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return {
            "held": "the org has or had a project of this name",
            "reserved": f"the name matches the reserved pattern '{self.pattern}'",
            "denied": f"the name matches the deny-list pattern '{self.pattern}'",
            "not-allowed": "the org proxies allow-listed names only",
        }[self.reason]


def refusal(name: str, facts: GuardFacts) -> Refusal | None:
    """Why the normalised ``name`` may not fall through to an upstream, or None if it may."""
    if facts.held:
        return Refusal("held")
    reserved = first_match(name, facts.reserved)
    if reserved is not None:
        return Refusal("reserved", reserved)
    denied = first_match(name, facts.deny)
    if denied is not None:
        return Refusal("denied", denied)
    if facts.allow_list_only and first_match(name, facts.allow) is None:
        return Refusal("not-allowed")
    return None
