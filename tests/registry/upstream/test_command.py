"""``python manage.py upstream ORG add|remove|list|reserve|warm|purge``."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from registry.models import Upstream, UpstreamFile, UpstreamPattern
from registry.upstream import credentials
from tests.factories import OrgFactory
from tests.live import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrgFactory(slug="acme")


def run(*args) -> str:
    out = StringIO()
    call_command("upstream", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class TestManageUpstreams:
    def test_add_list_remove(self, org):
        run("acme", "add", "http://127.0.0.1:9/simple")
        run("acme", "add", "http://127.0.0.1:8/simple/", "--username", "ci",
            "--password", "s3cret")
        listing = run("acme", "list")
        assert "1. http://127.0.0.1:9/simple/\n2. http://127.0.0.1:8/simple/ (as ci)" in listing
        stored = Upstream.objects.get(username="ci")
        assert "s3cret" not in stored.password_encrypted
        assert credentials.decrypt(stored.password_encrypted) == "s3cret"
        run("acme", "remove", "http://127.0.0.1:9/simple")
        assert list(Upstream.objects.values_list("url", flat=True)) == [
            "http://127.0.0.1:8/simple/"]
        assert AuditEvent.objects.filter(action__startswith="upstream.").count() == 3

    def test_reserve(self, org):
        assert "Reserved 'acme-*'" in run("acme", "reserve", "Acme_*")
        assert UpstreamPattern.objects.get().pattern == "acme-*"
        assert "reserved: acme-*" in run("acme", "list")

    @pytest.mark.parametrize("args, message", [
        (("nope", "list"), "Unknown organisation 'nope'."),
        (("acme", "add", "ftp://x/"), "is not an http.s. URL"),
        (("acme", "add"), "needs an argument"),
        (("acme", "remove", "http://127.0.0.1:1/"), "has no upstream"),
        (("acme", "reserve", "a/b"), "A pattern has letters"),
        (("acme", "warm", "/no/such/file"), "Cannot read"),
        (("acme", "list", "--password", "x"), "go with 'add' only"),
    ])
    def test_bad_input(self, org, args, message):
        with pytest.raises(CommandError, match=message):
            run(*args)

    def test_bad_input_is_one_line_and_a_non_zero_exit(self, settings):
        result = subprocess.run([sys.executable, "manage.py", "upstream", "nope", "frobnicate"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120,
                                env={"DEBUG": "1", "PATH": "/usr/bin:/bin"})
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1


class TestWarmAndPurge:
    def test_warm_fetches_the_newest_allowed_version_and_refuses_reserved(
            self, org, upstream_index, tmp_path):
        run("acme", "add", upstream_index.url)
        run("acme", "reserve", "acme-*")
        requirements = tmp_path / "requirements.txt"
        requirements.write_text("# deps\nrequests>=1.0  # http\nacme-utils==9.0\n")
        with pytest.raises(CommandError, match="Not warmed: acme-utils"):
            run("acme", "warm", str(requirements))
        assert list(UpstreamFile.objects.values_list("filename", flat=True)) == [
            "requests-2.0-py3-none-any.whl"]
        assert upstream_index.asked("acme-utils") == []
        requirements.write_text("requests\n")
        assert "requests 2.0: 0 files fetched" in run("acme", "warm", str(requirements))
        assert len(upstream_index.asked("/files/")) == 1

    def test_purge(self, org, upstream_index, tmp_path):
        run("acme", "add", upstream_index.url)
        requirements = tmp_path / "r.txt"
        requirements.write_text("requests\n")
        run("acme", "warm", str(requirements))
        assert "(1 files)" in run("acme", "purge", "Requests")
        assert not UpstreamFile.objects.exists()
