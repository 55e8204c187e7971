"""Audit events as sentences a person reads: "ada granted upload on billing to team backend."

Pure: a sentence is made from the event's fields alone (``action``, ``target``, ``data``,
``actor``, ``token``), never from a database look-up, so an event about something deleted
since reads as well as any. ``SENTENCES`` has one entry for every action the services
record (tests/web/test_org_audit_sentences.py reads the code to make sure of it); each takes
the event's target and data and says what was done, without who did it; ``WHEN_SELF``
says it instead where the actor acted on themselves.
"""

from collections.abc import Callable

Phrase = Callable[[str, dict], str]

SETTING_LABELS = {
    "name": "name",
    "default_visibility": "default visibility",
    "members_can_create_projects": "members may create projects",
    "visibility": "visibility",
    "restricted": "restricted to named teams and users",
}


def _parts(target: str, count: int) -> list[str]:
    """``target`` split into ``count`` space-separated parts (the last keeps any spaces)."""
    parts = target.split(" ", count - 1)
    return parts + [""] * (count - len(parts))


def _quoted(value) -> str:
    return f"“{value}”"


def _changes(data: dict) -> str:
    before, after = data.get("before") or {}, data.get("after") or {}
    shown = [f"{SETTING_LABELS.get(key, key)} from {_setting(key, before.get(key))} to "
             f"{_setting(key, value)}" for key, value in after.items()]
    return ", ".join(shown) or "no change"


def _setting(key: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _quoted(value) if key == "name" else str(value)


def _reason(data: dict) -> str:
    reason = (data.get("reason") or "").strip()
    return f": {_quoted(reason)}" if reason else ""


def _count(items, noun: str) -> str:
    number = len(items or [])
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _grantee(text: str) -> str:
    kind, _, name = text.partition(":")
    return f"{kind} {name}" if name else text


def _file(target: str) -> str:
    project, version, filename = _parts(target, 3)
    return f"{filename} of {project} {version}"


def _token_created(target: str, data: dict) -> str:
    owner = data.get("owner")
    whose = f"{owner}'s token" if owner else "the organisation's token"
    scope = ", ".join(data.get("projects") or []) or "the whole organisation"
    expires = data.get("expires_at")
    until = f"expiring {expires[:10]}" if expires else "without expiry"
    return f"created {whose} {target} with {data.get('permission', 'read')} on {scope}, {until}"


def _grant_set(target: str, data: dict) -> str:
    project, grantee = _parts(target, 2)
    before, after = data.get("before"), data.get("after") or "a permission"
    if before:
        return (f"changed the grant of {_grantee(grantee)} on {project} from {before} "
                f"to {after}")
    return f"granted {after} on {project} to {_grantee(grantee)}"


def _grant_removed(target: str, data: dict) -> str:
    project, grantee = _parts(target, 2)
    return f"withdrew the {data.get('before') or ''} grant of {_grantee(grantee)} on {project}"


def _member_removed(target: str, data: dict) -> str:
    role = f" ({data['before']})" if data.get("before") else ""
    revoked = data.get("tokens_revoked") or []
    tokens = f"; {_count(revoked, 'of their token')} were revoked" if revoked else ""
    return f"removed {target}{role} from the organisation{tokens}"


def _team_member(verb: str, preposition: str) -> Phrase:
    def phrase(target: str, data: dict) -> str:
        team, user = _parts(target, 2)
        return f"{verb} {user} {preposition} the team {team}"
    return phrase


SENTENCES: dict[str, Phrase] = {
    "org.create": lambda t, d: f"created the organisation {t}"
    + (f" (new projects are {d['visibility']})" if d.get("visibility") else ""),
    "org.update": lambda t, d: f"changed the organisation's settings: {_changes(d)}",
    "org.delete": lambda t, d: f"deleted the organisation {t}",
    "member.add": lambda t, d: f"added {t} as {d.get('after') or 'member'}",
    "member.role": lambda t, d: f"changed {t}'s role from {d.get('before') or 'none'} to "
                                f"{d.get('after') or 'none'}",
    "member.remove": _member_removed,
    "invitation.create": lambda t, d: f"invited {t} to join as {d.get('role') or 'member'}",
    "invitation.resend": lambda t, d: f"sent the invitation of {t} again",
    "invitation.cancel": lambda t, d: f"withdrew the invitation of {t}",
    "invitation.accept": lambda t, d: "accepted the invitation and joined as "
                                      f"{d.get('role') or 'member'}",
    "invitation.decline": lambda t, d: "declined the invitation",
    "user.signup": lambda t, d: f"signed up with the address {d.get('email') or t}",
    "user.email.verify": lambda t, d: f"verified the address {d.get('email') or 'of ' + t}",
    "user.email.change": lambda t, d: f"changed the address of {t} from "
                                      f"{d.get('before') or 'none'} to {d.get('after') or 'none'}",
    "token.create": _token_created,
    "token.revoke": lambda t, d: f"revoked the token {t}"
    + (f", created with the token {d['created_with']}" if d.get("created_with") else ""),
    "team.create": lambda t, d: f"created the team {t}",
    "team.update": lambda t, d: f"renamed the team {t} from "
                                f"{_quoted((d.get('before') or {}).get('name', ''))} to "
                                f"{_quoted((d.get('after') or {}).get('name', ''))}",
    "team.delete": lambda t, d: f"deleted the team {t}"
    + (f" (its members were {', '.join(d['members'])})" if d.get("members") else ""),
    "team.member.add": _team_member("added", "to"),
    "team.member.remove": _team_member("removed", "from"),
    "project.create": lambda t, d: f"created the project {t}"
    + (f" ({d['visibility']})" if d.get("visibility") else ""),
    "project.update": lambda t, d: f"changed the project {t}: {_changes(d)}",
    "project.delete": lambda t, d: f"deleted the project {t} with {_count(d.get('files'), 'file')}",
    "project.quarantine": lambda t, d: f"quarantined the project {t}{_reason(d)}",
    "project.unquarantine": lambda t, d: f"released the project {t} from quarantine",
    "release.yank": lambda t, d: f"yanked {t}{_reason(d)}",
    "release.unyank": lambda t, d: f"un-yanked {t}",
    "release.delete": lambda t, d: f"deleted the release {t} with "
                                   f"{_count(d.get('files'), 'file')}",
    "file.upload": lambda t, d: "uploaded {2} to {0} {1}".format(*_parts(t, 3)),
    "file.delete": lambda t, d: f"deleted the file {_file(t)}",
    "file.quarantine": lambda t, d: f"quarantined the file {_file(t)}{_reason(d)}",
    "file.unquarantine": lambda t, d: f"released the file {_file(t)} from quarantine",
    "grant.set": _grant_set,
    "grant.remove": _grant_removed,
}


# What a person did to themselves: joining through an invitation (the member.add that
# follows invitation.accept), changing their own role, leaving.
WHEN_SELF: dict[str, Phrase] = {
    "member.add": lambda t, d: f"joined the organisation as {d.get('after') or 'member'}",
    "member.role": lambda t, d: f"changed their own role from {d.get('before') or 'none'} to "
                                f"{d.get('after') or 'none'}",
    "member.remove": lambda t, d: "left the organisation",
}


def _who(event) -> str:
    """Who acted: a person, a person's token, the organisation's token, or an operator
    (a command on the server, which acts as nobody)."""
    token = event.token
    if event.actor is not None:
        name = event.actor.username
        return f"{name} (with the token {token.key_id})" if token is not None else name
    if token is not None:
        return f"The organisation's token {token.key_id}"
    return "An operator"


def audit_sentence(event) -> str:
    """``event`` (an AuditEvent) as one sentence: who did what to what."""
    phrase = SENTENCES.get(event.action)
    if event.actor is not None and event.actor.username == event.target:
        phrase = WHEN_SELF.get(event.action, phrase)
    data = event.data if isinstance(event.data, dict) else {}
    what = phrase(event.target, data) if phrase else f"did {event.action} on {event.target}"
    return " ".join(f"{_who(event)} {what}".split()) + "."


# Upstream indexes (registry.upstream.services).
_REFUSALS = {"held": "the org has or had a project of that name",
             "reserved": "it matches a reserved pattern", "denied": "it matches the deny list",
             "not-allowed": "it is not on the allow list"}
SENTENCES.update({
    "upstream.add": lambda t, d: f"added the upstream index {t}"
    + (f" (as {d['username']})" if d.get("username") else ""),
    "upstream.remove": lambda t, d: f"removed the upstream index {t}",
    "upstream.pattern.add": lambda t, d: f"added the {d.get('kind', '')} name pattern {t}",
    "upstream.pattern.remove": lambda t, d: f"removed the {d.get('kind', '')} name pattern {t}",
    "upstream.policy.update": lambda t, d: "set upstream proxying to "
    + ("allow-listed names only" if d.get("allow_list_only") else "every name the guard allows"),
    "upstream.refuse": lambda t, d: f"was refused {t} from upstream: "
    + _REFUSALS.get(d.get("reason", ""), "the guard refused it")
    + (f" ({d['pattern']})" if d.get("pattern") else ""),
    "upstream.purge": lambda t, d: f"purged {t} from the upstream cache",
})
