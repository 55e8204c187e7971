"""The settings an org's admins change on a project and on the org: visibility, restriction,
the per-file size limit (within the instance's cap) and the PEP 792 status, each checked by
the services (``registry.services.project_update``, ``accounts.services.org_update``), so
the API, the web pages and anything else share one set of rules."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from accounts.principals import Principal
from accounts.services import org_update
from registry import selectors
from registry.models import ProjectStatus
from registry.services import project_update
from tests.factories import OrgFactory, ProjectFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024


@pytest.fixture
def admin():
    return Principal(user=UserFactory(username="adam"))


@pytest.fixture
def project():
    return ProjectFactory(org=OrgFactory(slug="acme"), name="billing", visibility="private")


class TestFileSizeLimit:
    def test_a_limit_within_the_cap_is_kept_and_audited(self, project, admin, settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 10 * MIB
        project_update(project=project, principal=admin, max_file_size=10 * MIB)
        project.refresh_from_db()
        assert project.max_file_size == 10 * MIB
        event = AuditEvent.objects.get(action="project.update")
        assert event.data == {"before": {"max_file_size": None},
                              "after": {"max_file_size": 10 * MIB}}

    @pytest.mark.parametrize("value", [10 * MIB + 1, 0, -1])
    def test_outside_the_cap_is_refused_on_the_field(self, project, admin, settings, value):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 10 * MIB
        with pytest.raises(ValidationError) as refused:
            project_update(project=project, principal=admin, max_file_size=value)
        assert refused.value.message_dict == {"max_file_size": [
            "A file size limit must be more than 0 and at most 10 MiB, this instance's cap."]}
        project.refresh_from_db()
        assert project.max_file_size is None
        assert not AuditEvent.objects.exists()

    def test_none_goes_back_to_the_next_limit(self, project, admin):
        project.max_file_size = 5 * MIB
        project.save()
        project_update(project=project, principal=admin, max_file_size=None)
        project.refresh_from_db()
        assert project.max_file_size is None

    def test_the_org_limit_follows_the_same_rule(self, admin, settings):
        settings.UPLOAD_MAX_FILE_SIZE_CAP = 10 * MIB
        org = OrgFactory()
        org_update(org=org, principal=admin, max_file_size=2 * MIB)
        org.refresh_from_db()
        assert org.max_file_size == 2 * MIB
        with pytest.raises(ValidationError, match="at most 10 MiB, this instance's cap"):
            org_update(org=org, principal=admin, max_file_size=11 * MIB)
        org.refresh_from_db()
        assert org.max_file_size == 2 * MIB


class TestStatus:
    def test_archive_with_a_reason_and_back(self, project, admin):
        project_update(project=project, principal=admin, status="archived",
                       status_reason="moved to ledger")
        project.refresh_from_db()
        assert (project.status, project.status_reason) == ("archived", "moved to ledger")
        project_update(project=project, principal=admin, status="active")
        project.refresh_from_db()
        assert (project.status, project.status_reason) == ("active", "")
        assert AuditEvent.objects.filter(action="project.update").count() == 2

    def test_the_serial_moves_so_the_index_shows_the_status(self, project, admin):
        before = project.last_serial
        project_update(project=project, principal=admin, status="deprecated")
        project.refresh_from_db()
        assert project.last_serial == before + 1

    @pytest.mark.parametrize("start, wanted", [("active", "quarantined"),
                                               ("quarantined", "active"),
                                               ("quarantined", "archived")])
    def test_quarantine_is_for_moderators_only(self, project, admin, start, wanted):
        project.status = start
        project.save()
        with pytest.raises(ValidationError) as refused:
            project_update(project=project, principal=admin, status=wanted)
        assert refused.value.message_dict == {"status": [
            "Only the instance's moderators quarantine a project or lift a quarantine."]}
        project.refresh_from_db()
        assert project.status == start

    def test_a_quarantine_reason_is_the_moderators_too(self, project, admin):
        project.status, project.status_reason = ProjectStatus.QUARANTINED, "malware"
        project.save()
        with pytest.raises(ValidationError):
            project_update(project=project, principal=admin, status_reason="fine now")
        project_update(project=project, principal=admin, visibility="internal")
        project.refresh_from_db()
        assert (project.status_reason, project.visibility) == ("malware", "internal")

    def test_an_unknown_status_is_refused(self, project, admin):
        with pytest.raises(ValidationError, match="status"):
            project_update(project=project, principal=admin, status="gone")


class TestSelectors:
    def test_grant_get_finds_only_the_projects_own(self, project):
        other = ProjectFactory(org=project.org)
        team = TeamFactory(org=project.org)
        mine = project.grants.create(team=team, permission="read")
        theirs = other.grants.create(team=team, permission="read")
        assert selectors.grant_get(project, mine.pk) == mine
        assert selectors.grant_get(project, theirs.pk) is None

    def test_member_named_is_an_active_member_or_nobody(self, project):
        org = project.org
        ada = member(org, username="ada")
        gone = member(org, username="gone")
        gone.is_active = False
        gone.save()
        member(OrgFactory(), username="stranger")
        assert selectors.member_named(org, "ada") == ada
        for name in ("gone", "stranger", "nobody"):
            assert selectors.member_named(org, name) is None

    def test_projects_by_size_is_what_the_principal_reads_largest_first(self, project):
        org = project.org
        big = ProjectFactory(org=org, name="big", used_bytes=5000)
        hidden = ProjectFactory(org=org, name="hidden", restricted=True, used_bytes=9000)
        project.used_bytes = 10
        project.save()
        admin = Principal(user=member(org, "admin"))
        plain = Principal(user=member(org))
        assert list(selectors.projects_by_size(admin, org)) == [hidden, big, project]
        assert list(selectors.projects_by_size(plain, org)) == [big, project]
