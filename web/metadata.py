"""A release's core metadata as a person reads it on the project page. Pure: no Django.

``describe(metadata)`` takes the dict uploads store in ``Release.metadata`` (the keys of
``uploads.validation.core_metadata.metadata_dict``: ``author``, ``license_expression``,
``requires_dist``, ``project_urls``...) and returns what the page shows: people with their
addresses, the license, links (only http and https, whatever the metadata says),
classifiers grouped by their first part, and Requires-Dist grouped by extra.
"""

import email.utils
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

_EXTRA = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")
_ONLY_EXTRAS = re.compile(r"""^[\s()]*extra\s*==\s*["'][^"']+["'][\s()]*"""
                          r"""(?:\bor\b[\s()]*extra\s*==\s*["'][^"']+["'][\s()]*)*$""")


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Dependency:
    requirement: str  # name, extras and specifier
    marker: str = ""  # the environment marker, when it says more than the extra


@dataclass(frozen=True)
class DependencyGroup:
    extra: str  # "" for what every install needs
    dependencies: list[Dependency]


@dataclass(frozen=True)
class Facts:
    summary: str = ""
    authors: list[Person] = field(default_factory=list)
    maintainers: list[Person] = field(default_factory=list)
    license: str = ""
    license_is_expression: bool = False
    links: list[Link] = field(default_factory=list)
    classifiers: list[tuple[str, list[str]]] = field(default_factory=list)
    dependencies: list[DependencyGroup] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def describe(metadata: dict | None) -> Facts:
    meta = metadata or {}
    expression = _text(meta.get("license_expression"))
    return Facts(
        summary=_text(meta.get("summary")),
        authors=people(meta.get("author"), meta.get("author_email")),
        maintainers=people(meta.get("maintainer"), meta.get("maintainer_email")),
        license=expression or _text(meta.get("license")),
        license_is_expression=bool(expression),
        links=links(meta),
        classifiers=classifier_groups(meta.get("classifiers") or []),
        dependencies=dependency_groups(meta.get("requires_dist") or []),
        extras=list(meta.get("provides_extra") or []),
        keywords=keywords(meta.get("keywords")),
    )


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def people(names, emails) -> list[Person]:
    """Author (or Maintainer) and its ``-email`` field, which may hold ``Name <address>``
    entries of its own: each address once, with the name beside it when there is one."""
    found = [Person(name=name.strip(), email=address)
             for name, address in email.utils.getaddresses([_text(emails)]) if address]
    name = _text(names)
    if name and not any(person.name for person in found):
        if len(found) == 1:
            return [Person(name=name, email=found[0].email)]
        found.insert(0, Person(name=name))
    return found


def safe_url(url) -> str:
    """``url`` when it is an http or https URL with a host, else "" (never a script link)."""
    text = _text(url)
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


def links(meta: dict) -> list[Link]:
    """Project-URL entries, then Home-page and Download-URL when no entry has them already."""
    found = [Link(label=str(label), url=safe_url(url))
             for label, url in (meta.get("project_urls") or {}).items()]
    urls = {link.url for link in found}
    for label, key in (("Homepage", "home_page"), ("Download", "download_url")):
        url = safe_url(meta.get(key))
        if url and url not in urls:
            found.append(Link(label=label, url=url))
    return [link for link in found if link.url]


def classifier_groups(classifiers: list[str]) -> list[tuple[str, list[str]]]:
    """``("Programming Language", ["Python :: 3", ...])``, groups in first-seen order."""
    groups: dict[str, list[str]] = {}
    for classifier in classifiers:
        head, _, rest = str(classifier).partition(" :: ")
        groups.setdefault(head, []).append(rest or head)
    return list(groups.items())


def dependency_groups(requires_dist: list[str]) -> list[DependencyGroup]:
    """Requires-Dist grouped by the extra that asks for it; the unconditional group first."""
    groups: dict[str, list[Dependency]] = {"": []}
    for line in requires_dist:
        for extra, dependency in _placed(str(line)):
            groups.setdefault(extra, []).append(dependency)
    return [DependencyGroup(extra, deps) for extra, deps in groups.items() if deps]


def _placed(line: str) -> list[tuple[str, Dependency]]:
    try:
        requirement = Requirement(line)
    except InvalidRequirement:  # stored metadata was validated; show it as it is anyway
        return [("", Dependency(requirement=line))]
    text = requirement.name
    if requirement.extras:
        text += "[" + ",".join(sorted(requirement.extras)) + "]"
    text += str(requirement.specifier)
    marker = str(requirement.marker) if requirement.marker else ""
    extras = [canonicalize_name(extra) for extra in _EXTRA.findall(marker)]
    shown = "" if extras and _ONLY_EXTRAS.match(marker) else marker
    return [(extra, Dependency(text, shown)) for extra in dict.fromkeys(extras or [""])]


def keywords(value) -> list[str]:
    """Keywords: a list, or text separated by commas (else by spaces)."""
    if isinstance(value, list | tuple):
        words = [str(word) for word in value]
    else:
        text = _text(value)
        words = text.split(",") if "," in text else text.split()
    return [word.strip() for word in words if word.strip()]
