"""No existence oracle through uploads: uploading to a project the token may not read answers
exactly as uploading to a name that does not exist and that the token may not create."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Project
from tests.corpus import build_wheel
from tests.factories import OrgFactory, ProjectFactory, member, token_for
from tests.uploads.uploading import form_for, post
from uploads.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "secret-thing"
NOT_ALLOWED = (f"The token is not allowed to upload to project '{NAME}': it cannot see a "
               "project of that name, and may not create one.")


@pytest.fixture
def acme():
    org = OrgFactory(slug="acme", default_visibility="private",
                     members_can_create_projects=False)
    member(org, "owner")
    return org


def _member_token(org):
    return token_for(org, member(org, "member"), "upload")[1]


def _member_read_token(org):
    return token_for(org, member(org, "member"), "read")[1]


def _scoped_token(org):
    return token_for(org, None, "upload", projects=["other-thing"])[1]


def _other_orgs_token(_org):
    other = OrgFactory(slug="other")
    return token_for(other, member(other, "owner"), "admin")[1]


def _read_token(org):
    return token_for(org, None, "read")[1]


# Plain members read every project that is not restricted to named teams and users.
MEMBERS = {"plain member's": _member_token, "plain member's read-only": _member_read_token}
OUTSIDERS = {"scoped to another project": _scoped_token, "another org's": _other_orgs_token}
CASES = [pytest.param(make, True, id=f"{label} token, restricted project")
         for label, make in MEMBERS.items()] + [
    pytest.param(make, restricted, id=f"{label} token, {'restricted' if restricted else 'private'}"
                 " project")
    for label, make in OUTSIDERS.items() for restricted in (True, False)]


def answered(org, token, wheel):
    """The answer to an upload of ``wheel`` as NAME, and the statements it took."""
    with CaptureQueriesContext(connection) as queries:
        response = post(org, token, wheel, form_for(wheel, NAME, "1.0"))
    return (response.status_code, response.reason_phrase, response.content), len(queries)


@pytest.mark.parametrize(("make_token", "restricted"), CASES)
def test_a_project_the_token_cannot_read_answers_as_a_name_that_does_not_exist(
        acme, tmp_path, make_token, restricted):
    token = make_token(acme)
    wheel = build_wheel(tmp_path, NAME, "1.0")
    answered(acme, token, wheel)  # the token's first use is recorded; not measured
    ProjectFactory(org=acme, name=NAME, restricted=restricted, visibility="private")
    exists, exists_queries = answered(acme, token, wheel)
    Project.objects.filter(org=acme).delete()
    missing, missing_queries = answered(acme, token, wheel)
    assert exists == missing == (403, NOT_ALLOWED, NOT_ALLOWED.encode() + b"\n")
    assert exists_queries == missing_queries
    assert not Upload.objects.exists()


def test_a_member_who_may_create_projects_is_told_the_same_of_a_hidden_one(acme, tmp_path):
    acme.members_can_create_projects = True
    acme.save()
    token = _member_token(acme)
    ProjectFactory(org=acme, name=NAME, restricted=True, visibility="private")
    wheel = build_wheel(tmp_path, NAME, "1.0")
    response = post(acme, token, wheel, form_for(wheel, NAME, "1.0"))
    assert (response.status_code, response.reason_phrase) == (403, NOT_ALLOWED)
    assert not Upload.objects.exists() and Project.objects.count() == 1


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_a_project_the_token_reads_says_only_that_it_may_not_upload(acme, tmp_path,
                                                                     visibility):
    ProjectFactory(org=acme, name=NAME, visibility=visibility)
    wheel = build_wheel(tmp_path, NAME, "1.0")
    response = post(acme, _read_token(acme), wheel, form_for(wheel, NAME, "1.0"))
    assert response.status_code == 403
    assert response.reason_phrase == f"The token is not allowed to upload to project '{NAME}'."


def test_another_orgs_token_reading_a_public_project_may_be_told_it_may_not_upload(
        acme, tmp_path):
    ProjectFactory(org=acme, name=NAME, visibility="public")
    wheel = build_wheel(tmp_path, NAME, "1.0")
    response = post(acme, _other_orgs_token(acme), wheel, form_for(wheel, NAME, "1.0"))
    assert response.status_code == 403
    assert response.reason_phrase == f"The token is not allowed to upload to project '{NAME}'."


def test_a_hidden_project_created_while_the_upload_waited_is_not_named(
        acme, tmp_path, monkeypatch, settings):
    from tests.uploads.uploading import queue_tasks
    from uploads import tasks

    settings.UPLOAD_WAIT_SECONDS = 0
    queued = queue_tasks(monkeypatch)
    acme.members_can_create_projects = True
    acme.save()
    wheel = build_wheel(tmp_path, NAME, "1.0")
    response = post(acme, _member_token(acme), wheel, form_for(wheel, NAME, "1.0"))
    assert response.status_code == 503  # still pending: the test runs the worker
    ProjectFactory(org=acme, name=NAME, restricted=True, visibility="private")
    tasks.validate_upload(*queued.pop())
    (problem,) = Upload.objects.get().problems
    assert problem["message"] == NOT_ALLOWED
