"""The name rules for a project an upload creates, fed by narrow queries."""

import pytest

from registry.models import ProhibitedName
from tests.factories import OrgFactory, ProjectFactory
from uploads.services import new_project_problems

pytestmark = pytest.mark.django_db


def codes(org, name):
    return [p.code for p in new_project_problems(org=org, name=name)]


def test_a_lookalike_of_an_existing_project_is_refused_in_its_org_only():
    acme, beta = OrgFactory(slug="acme"), OrgFactory(slug="beta")
    ProjectFactory(org=acme, name="req-uests")
    assert codes(acme, "Requests") == ["name-too-similar"]  # separators dropped
    assert codes(acme, "reqve5ts") == []
    assert codes(beta, "requests") == []
    ProjectFactory(org=acme, name="colorlib")
    problems = new_project_problems(org=acme, name="co1or_1ib")  # l and 1, o and 0 fold
    assert [p.code for p in problems] == ["name-too-similar"]
    assert "'colorlib'" in problems[0].message


def test_prohibited_and_stdlib_names_are_refused():
    acme = OrgFactory(slug="acme")
    ProhibitedName.objects.create(normalized_name="evil-pkg", reason="squatting")
    assert codes(acme, "Evil_Pkg") == ["name-prohibited"]
    assert codes(acme, "asyncio") == ["name-stdlib"]
    assert codes(acme, "fine-name") == []


def test_the_check_costs_the_same_however_many_projects_the_org_has(
        django_assert_num_queries, monkeypatch):
    from uploads import validation

    acme = OrgFactory(slug="acme")
    for index in range(40):
        ProjectFactory(org=acme, name=f"project-{index}")
    ProjectFactory(org=acme, name="new.0ne")
    seen = []
    real_check = validation.check_new_project_name

    def check(name, *, existing_normalized, prohibited_normalized):
        seen.append(sorted(existing_normalized))
        return real_check(name, existing_normalized=existing_normalized,
                          prohibited_normalized=prohibited_normalized)

    monkeypatch.setattr(validation, "check_new_project_name", check)
    with django_assert_num_queries(1):  # lookalikes by skeleton, and the prohibition
        assert codes(acme, "new-one") == ["name-too-similar"]
    assert seen == [["new-0ne"]]  # only the lookalike reached the rules, not the org's 41
