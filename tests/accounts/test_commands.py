"""The operator commands of ARCHITECTURE section 8, called as an operator would."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts import tokens
from accounts.models import ApiToken, Membership, Organization, User

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestCreateOrg:
    def test_creates_with_name_and_visibility(self):
        run("createorg", "acme", "--name", "Acme Corp", "--visibility", "internal")
        org = Organization.objects.get(slug="acme")
        assert (org.name, org.default_visibility) == ("Acme Corp", "internal")

    @pytest.mark.parametrize("args,message", [
        (["Bad Slug"], "Invalid organisation"),
        (["api"], "reserved"),
    ])
    def test_bad_input_is_one_line_error(self, args, message):
        with pytest.raises(CommandError, match=message):
            run("createorg", *args)

    def test_duplicate_is_refused(self):
        run("createorg", "acme")
        with pytest.raises(CommandError, match="already exists"):
            run("createorg", "acme")


class TestAddMember:
    def test_create_user_and_change_role(self):
        run("createorg", "acme")
        run("addmember", "acme", "alice", "--create", "--email", "a@example.com")
        run("addmember", "acme", "alice", "--role", "admin")
        membership = Membership.objects.get(org__slug="acme", user__username="alice")
        assert membership.role == "admin"
        assert User.objects.get(username="alice").email == "a@example.com"

    def test_unknown_user_without_create(self):
        run("createorg", "acme")
        with pytest.raises(CommandError, match="Unknown user 'bob'"):
            run("addmember", "acme", "bob")

    def test_unknown_org(self):
        with pytest.raises(CommandError, match="Unknown organisation 'nope'"):
            run("addmember", "nope", "bob", "--create")


class TestCreateToken:
    def test_prints_the_token_alone_on_the_last_line(self):
        run("createorg", "acme")
        run("addmember", "acme", "alice", "--create")
        out = run("createtoken", "--org", "acme", "--user", "alice", "--projects", "A_b,c",
                  "--permission", "upload", "--expires-days", "3", "--description", "ci")
        plaintext = out.strip().splitlines()[-1]
        key_id, _secret = tokens.parse(plaintext)
        token = ApiToken.objects.get(key_id=key_id)
        assert token.projects == ["a-b", "c"] and token.permission == "upload"
        assert token.user.username == "alice" and token.expires_at is not None
        assert token.description == "ci"

    def test_org_owned_token_without_user(self):
        run("createorg", "acme")
        plaintext = run("createtoken", "--org", "acme").strip().splitlines()[-1]
        token = ApiToken.objects.get(key_id=tokens.parse(plaintext)[0])
        assert token.user is None and token.permission == "read" and token.projects == []

    @pytest.mark.parametrize("args,message", [
        (["--org", "nope"], "Unknown organisation"),
        (["--org", "acme", "--user", "ghost"], "Unknown user"),
        (["--org", "acme", "--expires-days", "0"], "positive"),
    ])
    def test_bad_input(self, args, message):
        run("createorg", "acme")
        with pytest.raises(CommandError, match=message):
            run("createtoken", *args)

    def test_token_for_non_member_is_refused(self):
        run("createorg", "acme")
        User.objects.create(username="outsider")
        with pytest.raises(CommandError, match="not a member"):
            run("createtoken", "--org", "acme", "--user", "outsider")


class TestDemo:
    def test_is_idempotent_and_prints_working_command_lines(self, settings, tmp_path):
        settings.VAR_DIR = tmp_path
        first = run("demo")
        second = run("demo")
        token_line = first.splitlines()[1]
        assert tokens.parse(token_line) is not None
        assert token_line in second  # the same valid token is printed again
        assert "twine upload --repository-url http://127.0.0.1:8000/demo/legacy/" in first
        assert f"http://__token__:{token_line}@127.0.0.1:8000/demo/simple/" in first
        assert Organization.objects.filter(slug="demo").count() == 1
        assert ApiToken.objects.filter(org__slug="demo", revoked_at=None).count() == 1


class TestFromTheShell:
    @pytest.mark.parametrize("args", [
        ["createorg", "acme", "--visibility", "secret"],
        ["addmember", "acme", "bob", "--role", "boss"],
        ["createtoken", "--org", "acme", "--permission", "root"],
        ["yank", "acme"],
    ])
    def test_bad_arguments_exit_non_zero_with_one_line(self, args, tmp_path):
        import os
        import subprocess
        import sys

        env = {**os.environ, "WHEELHOUSE_VAR_DIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        result = subprocess.run([sys.executable, "manage.py", *args], capture_output=True,
                                text=True, timeout=60, env=env)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "error" in result.stderr
