"""The name rules for a new project, on every path that creates one (an upload, the
management API), fed by narrow queries."""

import pytest
from rest_framework.test import APIClient

from accounts.principals import Principal
from registry import names
from registry.models import ProhibitedName, Project
from registry.services import project_name_problems
from tests.corpus import build_wheel
from tests.factories import OrgFactory, ProjectFactory, member, token_for
from tests.uploads.uploading import form_for, post

pytestmark = pytest.mark.django_db


def codes(org, name):
    return [p.code for p in project_name_problems(org=org, name=name)]


def test_a_lookalike_of_an_existing_project_is_refused_in_its_org_only():
    acme, beta = OrgFactory(slug="acme"), OrgFactory(slug="beta")
    ProjectFactory(org=acme, name="req-uests")
    assert codes(acme, "Requests") == ["name-too-similar"]  # separators dropped
    assert codes(acme, "reqve5ts") == []
    assert codes(beta, "requests") == []
    ProjectFactory(org=acme, name="colorlib")
    assert codes(acme, "co1or_1ib") == ["name-too-similar"]  # l and 1, o and 0 fold


def test_prohibited_and_stdlib_names_are_refused():
    acme = OrgFactory(slug="acme")
    ProhibitedName.objects.create(normalized_name="evil-pkg", reason="squatting")
    assert codes(acme, "Evil_Pkg") == ["name-prohibited"]
    assert codes(acme, "asyncio") == ["name-stdlib"]
    assert codes(acme, "fine-name") == []


class TestTheLookalikeIsNamedOnlyToWhoMayReadIt:
    @pytest.fixture
    def acme(self):
        org = OrgFactory(slug="acme", default_visibility="private")
        ProjectFactory(org=org, name="colorlib", restricted=True, visibility="private")
        return org

    def message(self, acme, principal):
        (problem,) = project_name_problems(org=acme, name="co1or_1ib", principal=principal)
        return problem.message

    def test_an_admin_reads_it(self, acme):
        admin = Principal(user=member(acme, "admin"))
        assert self.message(acme, admin) == \
            "The name 'co1or_1ib' is too similar to an existing project, 'colorlib'."

    @pytest.mark.parametrize("who", ["member", "outsider", "nobody"])
    def test_others_are_not_told_its_name(self, acme, who):
        principal = {"member": lambda: Principal(user=member(acme, "member")),
                     "outsider": lambda: Principal(user=member(OrgFactory(), "owner")),
                     "nobody": lambda: None}[who]()
        assert self.message(acme, principal) == \
            "The name 'co1or_1ib' is too similar to an existing project."


def test_the_check_costs_the_same_however_many_projects_the_org_has(
        django_assert_num_queries, monkeypatch):
    acme = OrgFactory(slug="acme")
    for index in range(40):
        ProjectFactory(org=acme, name=f"project-{index}")
    ProjectFactory(org=acme, name="new.0ne")
    seen = []
    real_check = names.new_name_problems

    def check(name, *, existing_normalized, prohibited_normalized, shown_normalized):
        seen.append(sorted(existing_normalized))
        return real_check(name, existing_normalized=existing_normalized,
                          prohibited_normalized=prohibited_normalized,
                          shown_normalized=shown_normalized)

    monkeypatch.setattr(names, "new_name_problems", check)
    with django_assert_num_queries(2):  # lookalikes by skeleton; the name's prohibition
        assert codes(acme, "new-one") == ["name-too-similar"]
    assert seen == [["new-0ne"]]  # only the lookalike reached the rules, not the org's 41


@pytest.mark.django_db(transaction=True)
class TestOneSetOfRulesOnEveryPath:
    """Creating a project through the API refuses what an upload refuses, in the same words."""

    @pytest.fixture
    def acme(self, settings):
        settings.UPLOAD_WAIT_SECONDS = 10
        org = OrgFactory(slug="acme")
        admin = member(org, "admin")
        ProjectFactory(org=org, name="colorlib")
        ProhibitedName.objects.create(normalized_name="evil-pkg", reason="squatting")
        return org, admin

    @pytest.mark.parametrize("name", ["asyncio", "co1or_1ib", "Evil.Pkg"])
    def test_api_and_upload_refuse_alike(self, acme, tmp_path, name):
        org, admin = acme
        api = APIClient()
        api.force_authenticate(admin)
        response = api.post(f"/api/v1/orgs/{org.slug}/projects/", {"name": name})
        assert response.status_code == 400, response.json()
        _token, plaintext = token_for(org, admin, "upload")
        wheel = build_wheel(tmp_path, name, "1.0")
        uploaded = post(org, plaintext, wheel, form_for(wheel, name, "1.0"))
        assert uploaded.status_code == 400
        assert response.json()["detail"] == uploaded.reason_phrase
        assert not Project.objects.filter(normalized_name=names.normalize_name(name)).exists()
