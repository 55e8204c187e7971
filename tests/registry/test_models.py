import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from packaging.utils import canonicalize_name

from accounts.models import Organization
from accounts.services import org_create
from registry.models import File, ProjectGrant
from registry.services import project_create
from tests.factories import FileFactory, OrgFactory, ProjectFactory, ReleaseFactory, TeamFactory

pytestmark = pytest.mark.django_db


class TestNameNormalisation:
    @pytest.mark.parametrize("name", ["Foo.Bar", "foo_bar", "FOO-BAR", "foo__bar", "Foo-._Bar"])
    def test_pep503_forms_collapse_to_one(self, name):
        assert canonicalize_name(name) == "foo-bar"

    def test_project_create_stores_the_normalised_name(self):
        project = project_create(org=OrgFactory(), name="My.Cool_Pkg")
        assert project.name == "My.Cool_Pkg" and project.normalized_name == "my-cool-pkg"

    def test_same_normalised_name_twice_in_one_org_is_refused(self):
        org = OrgFactory()
        project_create(org=org, name="utils")
        with pytest.raises(ValidationError, match="already exists"):
            project_create(org=org, name="Utils")

    def test_two_orgs_may_each_have_utils(self):
        a, b = OrgFactory(), OrgFactory()
        assert project_create(org=a, name="utils").org == a
        assert project_create(org=b, name="utils").org == b


class TestOrganisations:
    @pytest.mark.parametrize("slug", ["api", "admin", "simple", "files", "legacy", "pypi", "-"])
    def test_reserved_slugs_are_refused(self, slug):
        with pytest.raises(ValidationError, match="reserved|lowercase"):
            org_create(slug=slug)

    @pytest.mark.parametrize("slug", ["Upper", "-lead", "trail-", "sp ace", "x" * 51])
    def test_bad_slugs_are_refused(self, slug):
        with pytest.raises(ValidationError):
            org_create(slug=slug)
        assert not Organization.objects.filter(slug=slug).exists()

    def test_default_visibility_is_private_and_projects_inherit_it(self):
        org = org_create(slug="acme", visibility="internal")
        assert project_create(org=org, name="x").visibility == "internal"


class TestConstraints:
    def test_filename_unique_per_org(self):
        file = FileFactory()
        other_release = ReleaseFactory(project=ProjectFactory(org=file.org))
        with pytest.raises(IntegrityError), transaction.atomic():
            FileFactory(release=other_release, filename=file.filename)

    def test_same_filename_in_another_org_is_fine(self):
        file = FileFactory()
        FileFactory(release=ReleaseFactory(project=ProjectFactory(name=file.release.project.name)),
                    filename=file.filename)
        assert File.objects.filter(filename=file.filename).count() == 2

    def test_release_version_unique_per_project(self):
        release = ReleaseFactory(version="1.0")
        with pytest.raises(IntegrityError), transaction.atomic():
            ReleaseFactory(project=release.project, version="1.0")

    def test_grant_goes_to_exactly_one_team_or_user(self):
        project = ProjectFactory()
        team = TeamFactory(org=project.org)
        with pytest.raises(IntegrityError), transaction.atomic():
            ProjectGrant.objects.create(project=project, permission="read")
        ProjectGrant.objects.create(project=project, team=team, permission="read")
        assert project.grants.count() == 1
