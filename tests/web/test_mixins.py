"""The conventions of web.mixins: 404 to whoever may not read, 403 to whoever may read but
lacks the page's capability (for GET and POST apart), and ``can`` in the context."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views.generic import TemplateView

from accounts.capabilities import Capability
from tests.conftest import basic_auth
from tests.factories import token_for
from web.mixins import OrgPageMixin, ProjectPageMixin, capability_flags

pytestmark = pytest.mark.django_db


class SettingsLikePage(OrgPageMixin, TemplateView):
    """Members may look; only who manages settings may post."""

    template_name = "web/forbidden.html"
    post_capability = Capability.ORG_SETTINGS
    posted: list = []

    def post(self, request, *args, **kwargs):
        self.posted.append(self.principal.user.username)
        return HttpResponse("changed")


class MembersOnlyForAdmins(OrgPageMixin, TemplateView):
    template_name = "web/forbidden.html"
    view_capability = Capability.ORG_MEMBERS


class ForgotPostCapability(OrgPageMixin, TemplateView):
    template_name = "web/forbidden.html"

    def post(self, request, *args, **kwargs):
        return HttpResponse("changed")


class YankLikePage(ProjectPageMixin, TemplateView):
    template_name = "web/forbidden.html"
    view_capability = post_capability = Capability.PROJECT_YANK

    def post(self, request, *args, **kwargs):
        return HttpResponse("yanked")


def call(view, user, method="get", headers=None, **kwargs):
    request = getattr(RequestFactory(), method)("/", **(headers or {}))
    request.user = user if user is not None else AnonymousUser()
    response = view.as_view()(request, **kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


class TestOrgPageMixin:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_may_not_read_the_org_gets_the_unknown_orgs_404(self, world, name):
        with pytest.raises(Http404) as unknown:
            call(SettingsLikePage, world.person(name), org="nope")
        with pytest.raises(Http404) as hidden:
            call(SettingsLikePage, world.person(name), org="acme")
        assert str(hidden.value) == str(unknown.value) == "No such organisation."

    def test_a_member_reads_and_gets_the_capabilities_in_the_context(self, world):
        response = call(SettingsLikePage, world.member, org="acme")
        assert response.status_code == 200
        can = response.context_data["can"]
        assert can["ORG_READ"] is True and can["ORG_SETTINGS"] is False
        assert response.context_data["org"] == world.org

    def test_a_forged_post_from_a_member_is_refused_before_the_handler(self, world):
        SettingsLikePage.posted = []
        response = call(SettingsLikePage, world.member, "post", org="acme")
        assert response.status_code == 403
        assert b"Nothing was changed" in response.content
        assert b"org:settings:manage" in response.content
        assert SettingsLikePage.posted == []

    def test_who_holds_the_post_capability_may_post(self, world):
        SettingsLikePage.posted = []
        response = call(SettingsLikePage, world.admin, "post", org="acme")
        assert response.status_code == 200 and SettingsLikePage.posted == ["admin"]

    def test_view_capability_guards_get(self, world):
        assert call(MembersOnlyForAdmins, world.member, org="acme").status_code == 403
        assert call(MembersOnlyForAdmins, world.admin, org="acme").status_code == 200

    def test_a_post_handler_without_a_declared_capability_is_a_programming_error(self, world):
        with pytest.raises(ImproperlyConfigured):
            call(ForgotPostCapability, world.owner, "post", org="acme")

    def test_methods_without_a_handler_answer_405(self, world):
        assert call(MembersOnlyForAdmins, world.admin, "delete", org="acme").status_code == 405

    def test_a_bad_token_is_refused_with_its_reason(self, world):
        response = call(SettingsLikePage, None, headers=basic_auth("whk_nope"), org="acme")
        assert response.status_code == 401

    def test_a_token_counts_as_the_api_would_count_it(self, world):
        _, read = token_for(world.org, world.admin, "read")
        response = call(MembersOnlyForAdmins, None, headers=basic_auth(read), org="acme")
        assert response.status_code == 403  # a read token never manages members


class TestProjectPageMixin:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider", "member"])
    def test_who_may_not_read_the_project_gets_the_unknown_projects_404(self, world, name):
        with pytest.raises(Http404) as unknown:
            call(YankLikePage, world.person(name), org="acme", project="no-such")
        with pytest.raises(Http404) as hidden:
            call(YankLikePage, world.person(name), org="acme", project="secret-lib")
        with pytest.raises(Http404) as no_org:
            call(YankLikePage, world.person(name), org="nope", project="secret-lib")
        assert str(hidden.value) == str(unknown.value) == str(no_org.value) == "No such project."

    def test_a_reader_without_the_capability_gets_403(self, world):
        assert call(YankLikePage, world.member, org="acme", project="billing").status_code == 403
        assert call(YankLikePage, world.member, "post", org="acme",
                    project="billing").status_code == 403

    def test_a_granted_uploader_holds_it_and_sees_org_and_project_flags(self, world):
        response = call(YankLikePage, world.uploader, org="acme", project="Billing")
        assert response.status_code == 200
        can = response.context_data["can"]
        assert can["PROJECT_YANK"] and can["ORG_READ"] and not can["PROJECT_DELETE"]
        assert response.context_data["project"] == world.billing


def test_capability_flags_name_every_capability():
    flags = capability_flags(frozenset({Capability.ORG_READ}), frozenset({Capability.PROJECT_READ}))
    assert set(flags) == {c.name for c in Capability}
    assert [name for name, held in flags.items() if held] == ["PROJECT_READ", "ORG_READ"]
