"""Every audit event reads as a sentence, and every action the code records has one.

No database: the sentences are made from an event's fields alone.
"""

import ast
from pathlib import Path

import pytest

from accounts.models import ApiToken, AuditEvent, User
from tests.live import ROOT
from web.audit_sentences import SENTENCES, audit_sentence

APPS = ("accounts", "registry", "uploads", "web", "config")


def _strings(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> list[str]:
    """The action strings an ``action=`` argument can hold (none when it cannot be told)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body, assigned), _strings(node.orelse, assigned)
        return body + orelse if body and orelse else []
    if isinstance(node, ast.Name) and node.id in assigned:
        found = [_strings(value, assigned) for value in assigned[node.id]]
        return [s for strings in found for s in strings] if all(found) else []
    return []


def _assignments(tree: ast.AST) -> dict[str, list[ast.AST]]:
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    return assigned


def _calls_audit_record(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return getattr(func, "id", None) == "audit_record" or getattr(func, "attr", None) == \
        "audit_record"


def written_actions() -> dict[str, str]:
    """Every action string passed to ``audit_record`` in the code, and where."""
    found: dict[str, str] = {}
    paths = sorted(path for app in APPS for path in (ROOT / app).rglob("*.py")
                   if "migrations" not in path.parts)
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))
        assigned = _assignments(tree)
        for call in filter(_calls_audit_record, ast.walk(tree)):
            where = f"{Path(path).relative_to(ROOT)}:{call.lineno}"
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            strings = _strings(action, assigned) if action is not None else []
            assert strings, f"{where}: write the action as a string the test can read"
            found.update((string, where) for string in strings)
    return found


def event(action: str, target: str = "", data: dict | None = None, actor: str | None = "ada",
          token: str | None = None, token_owner: str | None = None) -> AuditEvent:
    user = User(username=actor) if actor else None
    key = ApiToken(key_id=token, user=User(username=token_owner) if token_owner else None) \
        if token else None
    return AuditEvent(action=action, target=target, data=data or {}, actor=user, token=key)


class TestEveryAction:
    def test_the_scan_finds_both_branches_of_a_choice(self):
        actions = written_actions()
        for action in ("member.add", "member.role", "release.yank", "release.unyank",
                       "file.quarantine", "file.unquarantine", "invitation.resend"):
            assert action in actions

    def test_every_action_in_the_code_has_a_sentence(self):
        missing = {action: where for action, where in written_actions().items()
                   if action not in SENTENCES}
        assert not missing, f"write a sentence in web/audit_sentences.py for {missing}"

    @pytest.mark.parametrize("action", sorted(SENTENCES))
    def test_a_sentence_without_data_still_reads(self, action):
        sentence = audit_sentence(event(action, "x"))
        assert sentence.startswith("ada ") and sentence.endswith(".")
        assert "None" not in sentence and "{" not in sentence


class TestWho:
    def test_a_person(self):
        assert audit_sentence(event("team.create", "backend")) == "ada created the team backend."

    def test_a_persons_token(self):
        sentence = audit_sentence(event("team.create", "backend", token="AbCd1234",
                                        token_owner="ada"))
        assert sentence == "ada (with the token AbCd1234) created the team backend."

    def test_an_org_token(self):
        sentence = audit_sentence(event("file.upload", "billing 2.0 billing-2.0.tar.gz",
                                        actor=None, token="CiCi0000"))
        assert sentence == ("The organisation's token CiCi0000 uploaded billing-2.0.tar.gz "
                            "to billing 2.0.")

    def test_an_operator(self):
        sentence = audit_sentence(event("org.create", "acme", {"visibility": "private"},
                                        actor=None))
        assert sentence == ("An operator created the organisation acme (new projects are "
                            "private).")


class TestSentences:
    @pytest.mark.parametrize(("action", "target", "data", "expected"), [
        ("grant.set", "billing team:backend", {"before": None, "after": "upload"},
         "ada granted upload on billing to team backend."),
        ("grant.set", "billing user:bob", {"before": "read", "after": "admin"},
         "ada changed the grant of user bob on billing from read to admin."),
        ("grant.remove", "billing team:backend", {"before": "upload", "after": None},
         "ada withdrew the upload grant of team backend on billing."),
        ("member.add", "bob", {"before": None, "after": "member"}, "ada added bob as member."),
        ("member.role", "bob", {"before": "member", "after": "admin"},
         "ada changed bob's role from member to admin."),
        ("member.remove", "bob", {"before": "admin", "after": None,
                                  "tokens_revoked": ["a", "b"]},
         "ada removed bob (admin) from the organisation; 2 of their tokens were revoked."),
        ("token.create", "AbCd", {"permission": "upload", "projects": [], "owner": None,
                                  "expires_at": "2030-01-02T03:04:05+00:00"},
         "ada created the organisation's token AbCd with upload on the whole organisation, "
         "expiring 2030-01-02."),
        ("token.create", "AbCd", {"permission": "read", "projects": ["billing", "api"],
                                  "owner": "bob", "expires_at": None},
         "ada created bob's token AbCd with read on billing, api, without expiry."),
        ("token.revoke", "AbCd", {}, "ada revoked the token AbCd."),
        ("token.revoke", "Kid1", {"created_with": "AbCd"},
         "ada revoked the token Kid1, created with the token AbCd."),
        ("team.update", "backend", {"before": {"name": "Back"}, "after": {"name": "Backend"}},
         "ada renamed the team backend from “Back” to “Backend”."),
        ("team.delete", "backend", {"members": ["bob", "cy"]},
         "ada deleted the team backend (its members were bob, cy)."),
        ("team.member.add", "backend bob", {}, "ada added bob to the team backend."),
        ("team.member.remove", "backend bob", {}, "ada removed bob from the team backend."),
        ("invitation.create", "new@example.com", {"role": "admin"},
         "ada invited new@example.com to join as admin."),
        ("invitation.resend", "new@example.com", {"role": "admin"},
         "ada sent the invitation of new@example.com again."),
        ("invitation.cancel", "new@example.com", {},
         "ada withdrew the invitation of new@example.com."),
        ("invitation.accept", "ada", {"role": "member"},
         "ada accepted the invitation and joined as member."),
        ("org.update", "acme", {"before": {"name": "Acme", "members_can_create_projects": True},
                                "after": {"name": "Acme Corp",
                                          "members_can_create_projects": False}},
         "ada changed the organisation's settings: name from “Acme” to “Acme Corp”, members "
         "may create projects from yes to no."),
        ("project.update", "billing", {"before": {"visibility": "private"},
                                       "after": {"visibility": "public"}},
         "ada changed the project billing: visibility from private to public."),
        ("project.delete", "billing", {"files": ["a", "b", "c"]},
         "ada deleted the project billing with 3 files."),
        ("release.yank", "billing 2.0", {"reason": "wrong totals"},
         "ada yanked billing 2.0: “wrong totals”."),
        ("release.delete", "billing 2.0", {"files": ["a"]},
         "ada deleted the release billing 2.0 with 1 file."),
        ("file.quarantine", "billing 2.0 billing-2.0.tar.gz", {"reason": "malware"},
         "ada quarantined the file billing-2.0.tar.gz of billing 2.0: “malware”."),
        ("user.signup", "ada", {"email": "ada@example.com"},
         "ada signed up with the address ada@example.com."),
    ])
    def test_reads_as_a_person_would_say_it(self, action, target, data, expected):
        assert audit_sentence(event(action, target, data)) == expected

    @pytest.mark.parametrize(("action", "data", "expected"), [
        ("member.add", {"before": None, "after": "member"},
         "bob joined the organisation as member."),
        ("member.role", {"before": "admin", "after": "member"},
         "bob changed their own role from admin to member."),
        ("member.remove", {"before": "admin", "after": None}, "bob left the organisation."),
    ])
    def test_what_someone_did_to_themselves(self, action, data, expected):
        assert audit_sentence(event(action, "bob", data, actor="bob")) == expected

    def test_an_unknown_action_still_says_what_it_was(self):
        assert audit_sentence(event("thing.frob", "x")) == "ada did thing.frob on x."
