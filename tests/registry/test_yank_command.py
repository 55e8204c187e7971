"""``python manage.py yank ORG PROJECT VERSION [--reason R] [--undo]``."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    org = OrgFactory(slug="acme")
    return ReleaseFactory(project=ProjectFactory(org=org, name="Demo"), version="1.0.0")


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("yank", *args, stdout=out)
    return out.getvalue()


class TestYankCommand:
    def test_yank_with_reason_bumps_serial_and_audits(self, release):
        serial = release.project.last_serial
        output = run("acme", "demo", "1.0.0", "--reason", "broken wheel")
        release.refresh_from_db()
        release.project.refresh_from_db()
        assert release.yanked and release.yanked_reason == "broken wheel"
        assert release.project.last_serial == serial + 1
        assert "Yanked Demo 1.0.0" in output
        assert AuditEvent.objects.filter(action="release.yank").count() == 1

    def test_equivalent_version_and_name_spelling(self, release):
        run("acme", "DEMO", "1.0")
        release.refresh_from_db()
        assert release.yanked and release.yanked_reason == ""

    def test_undo(self, release):
        run("acme", "demo", "1.0.0", "--reason", "r")
        output = run("acme", "demo", "1.0.0", "--undo")
        release.refresh_from_db()
        assert not release.yanked and release.yanked_reason == ""
        assert output.startswith("Un-yanked")

    @pytest.mark.parametrize(("args", "message"), [
        (("nope", "demo", "1.0"), "Unknown organisation 'nope'."),
        (("acme", "nope", "1.0"), "Unknown project 'nope' in 'acme'."),
        (("acme", "demo", "9.9"), "Project 'Demo' has no release 9.9."),
        (("acme", "demo", "banana!"), "'banana!' is not a valid version."),
        (("acme", "demo", "1.0", "--undo", "--reason", "x"), "--reason cannot be used with"),
    ])
    def test_bad_input_is_one_line_error(self, release, args, message):
        with pytest.raises(CommandError) as caught:
            run(*args)
        assert message in str(caught.value) and "\n" not in str(caught.value)
        release.refresh_from_db()
        assert not release.yanked

    def test_exit_status_is_non_zero(self, release, capsys):
        from django.core.management import execute_from_command_line

        with pytest.raises(SystemExit) as exited:
            execute_from_command_line(["manage.py", "yank", "nope", "demo", "1.0"])
        assert exited.value.code != 0
        assert capsys.readouterr().err.strip() == "CommandError: Unknown organisation 'nope'."
