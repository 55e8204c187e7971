"""``permission_held``: the most a person's token may be given, from the one decision."""

import pytest

from accounts.models import Membership
from registry.models import ProjectGrant, ProjectStatus
from registry.permissions import permission_held
from tests.factories import OrgFactory, ProjectFactory, TeamFactory, UserFactory, member


@pytest.fixture
def org(db):
    return OrgFactory(slug="acme", members_can_create_projects=False)


@pytest.fixture
def projects(org):
    return {name: ProjectFactory(org=org, name=name, visibility="private")
            for name in ("alpha", "beta", "gamma")}


class TestInTheWholeOrg:
    @pytest.mark.parametrize(("role", "held"), [("owner", "admin"), ("admin", "admin"),
                                                ("member", "read")])
    def test_by_role(self, org, projects, role, held):
        assert permission_held(member(org, role), org) == held

    def test_nothing_outside_the_org(self, org, projects):
        other = OrgFactory()
        assert permission_held(member(other, "owner"), org) is None
        assert permission_held(UserFactory(), org) is None

    def test_a_member_holds_what_grants_give_their_account_or_their_teams(self, org,
                                                                          projects):
        ivy = member(org)
        team = TeamFactory(org=org)
        team.members.add(ivy)
        ProjectGrant.objects.create(project=projects["alpha"], team=team, permission="upload")
        assert permission_held(ivy, org) == "upload"
        ProjectGrant.objects.create(project=projects["beta"], user=ivy, permission="admin")
        assert permission_held(ivy, org) == "admin"

    def test_another_orgs_grants_count_for_nothing(self, org, projects):
        ivy = member(org)
        elsewhere = ProjectFactory(org=OrgFactory())
        Membership.objects.create(org=elsewhere.org, user=ivy)
        ProjectGrant.objects.create(project=elsewhere, user=ivy, permission="admin")
        assert permission_held(ivy, org) == "read"

    def test_members_who_may_create_projects_hold_upload(self, org, projects):
        org.members_can_create_projects = True
        org.save()
        assert permission_held(member(org), org) == "upload"


class TestOnChosenProjects:
    def test_the_strongest_held_on_one_of_them(self, org, projects):
        ivy = member(org)
        ProjectGrant.objects.create(project=projects["alpha"], user=ivy, permission="upload")
        assert permission_held(ivy, org, [projects["beta"]]) == "read"
        assert permission_held(ivy, org, [projects["alpha"], projects["beta"]]) == "upload"

    def test_project_creation_does_not_count_on_existing_projects(self, org, projects):
        org.members_can_create_projects = True
        org.save()
        assert permission_held(member(org), org, [projects["alpha"]]) == "read"

    def test_a_restricted_or_quarantined_project_gives_a_member_nothing(self, org, projects):
        ivy = member(org)
        projects["alpha"].restricted = True
        projects["alpha"].save()
        projects["beta"].status = ProjectStatus.QUARANTINED
        projects["beta"].save()
        assert permission_held(ivy, org, [projects["alpha"]]) is None
        assert permission_held(ivy, org, [projects["beta"]]) is None
        assert permission_held(member(org, "admin"), org, [projects["alpha"]]) == "admin"
