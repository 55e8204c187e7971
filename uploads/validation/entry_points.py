"""A wheel's entry_points.txt, checked against the Entry points specification.

The file is INI: groups of ``name = object reference``. Group names are dotted words; an object
reference is ``importable.module`` or ``importable.module:object.attr``, every part a Python
identifier, with deprecated ``[extras]`` after it. The meaning of a name is the group's
consumer's, except in ``console_scripts`` and ``gui_scripts``, where installers create a
command of that name: there, as on PyPI, it must be a bare command name, not a path.
"""

from __future__ import annotations

import configparser
import re

from registry.names import is_valid_name

from .core_metadata import short
from .results import Problem

SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})
# Dotted words. The specification recommends plain identifiers, but groups with dashes are
# in common use and only their consumer reads them, so dashes are allowed in a word.
_GROUP_RE = re.compile(r"^[\w-]+(\.[\w-]+)*$")
# The specification's recommended names, which PyPI requires for commands.
_SCRIPT_NAME_RE = re.compile(r"^[\w.-]+$")
_REFERENCE_RE = re.compile(r"^(?P<reference>[^\[\]]*?)\s*(?:\[(?P<extras>[^\[\]]*)\])?$")
# A section name no header can give (headers are one line), so that ``[DEFAULT]`` is an
# ordinary group, as installers read it, instead of being merged into every other group.
_NO_DEFAULT_SECTION = "\n"


def entry_point_problems(data: bytes) -> list[Problem]:
    """Every problem of an entry_points.txt: its syntax, group names, names and references."""
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=True,
                                       default_section=_NO_DEFAULT_SECTION)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # names are case-sensitive
    try:
        parser.read_string(data.decode("utf-8"))
    except (UnicodeDecodeError, configparser.Error) as exc:
        reason = str(exc).splitlines()[0]
        return [_problem(f"entry_points.txt cannot be parsed: {short(reason, 160)}.")]
    problems = []
    for group in parser.sections():
        if not _GROUP_RE.match(group):
            problems.append(_problem(f"Invalid entry point group '{short(group)}'."))
        for name, value in parser.items(group, raw=True):
            problems += _entry_problems(group, name, value)
    return problems


def _entry_problems(group: str, name: str, value: str) -> list[Problem]:
    problems = []
    if not name or name.startswith("[") or name != name.strip():
        problems.append(_problem(f"Invalid entry point name '{short(name)}' in "
                                 f"[{short(group)}]."))
    elif group in SCRIPT_GROUPS and not is_command_name(name):
        problems.append(_problem(
            f"Invalid script name '{short(name)}' in [{group}]: a command name holds only "
            "letters, digits, '_', '.' and '-', and is not '.' or '..'."))
    if not is_object_reference(value):
        problems.append(_problem(
            f"Invalid entry point '{short(name)} = {short(value)}' in [{short(group)}]: "
            "expected 'module.sub:attr [extras]'."))
    return problems


def is_command_name(name: str) -> bool:
    """True when ``name`` can only name a command, never a path."""
    return bool(_SCRIPT_NAME_RE.match(name)) and name not in (".", "..")


def is_object_reference(value: str) -> bool:
    """True for ``importable.module[:object.attr] [extras]``, each part an identifier."""
    match = _REFERENCE_RE.match(value.strip())
    if match is None:
        return False
    module, colon, attribute = match["reference"].partition(":")
    if not _dotted_identifiers(module.strip()):
        return False
    if colon and not _dotted_identifiers(attribute.strip()):
        return False
    extras = [extra.strip() for extra in (match["extras"] or "").split(",")]
    return all(is_valid_name(extra) for extra in extras if extra)


def _dotted_identifiers(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _problem(message: str) -> Problem:
    return Problem("entry-points-invalid", message, "content")
