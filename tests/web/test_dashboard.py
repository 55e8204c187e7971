"""``/``: a short landing page for anonymous visitors, the dashboard for signed-in users."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Invitation, Membership
from tests.factories import FileFactory, ReleaseFactory
from tests.web.reading import text_of


def test_anonymous_visitors_get_a_landing_page(browse):
    response = browse("anonymous").get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/accounts/login/"' in body and 'href="/accounts/signup/"' in body
    assert "Dashboard" not in text_of(response)


class TestDashboard:
    def test_my_orgs(self, browse):
        response = browse("member").get("/")
        assert [org.slug for org in response.context["orgs"]] == ["acme"]
        assert 'href="/acme/"' in response.content.decode()

    def test_someone_in_no_org_is_told_how_to_join(self, browse):
        assert "You are not a member of any organisation yet" in text_of(browse("loner").get("/"))

    def test_my_recent_uploads_newest_first(self, browse, world):
        later = FileFactory(release=ReleaseFactory(project=world.billing, version="3.0"),
                            uploader=world.uploader,
                            uploaded_at=timezone.now() + timedelta(minutes=5))
        FileFactory(release=ReleaseFactory(project=world.billing, version="4.0"),
                    uploader=world.admin)
        response = browse("uploader").get("/")
        assert {f.filename for f in response.context["uploads"]} == {
            later.filename, world.wheel.filename, world.sdist.filename}
        assert response.context["uploads"][0] == later
        assert 'href="/acme/project/billing/3.0/"' in response.content.decode()

    def test_uploads_i_may_no_longer_read_are_not_listed(self, browse, world):
        world.wheel.uploader = world.member
        world.wheel.save()
        public_file = world.public.releases.get().files.get()

        def listed():
            return {f.filename for f in browse("member").get("/").context["uploads"]}

        assert listed() == {world.wheel.filename, public_file.filename}
        world.billing.restricted = True
        world.billing.save()
        assert listed() == {public_file.filename}
        Membership.objects.filter(user=world.member).delete()
        assert listed() == set()

    def test_invitations_waiting_for_me(self, browse, world):
        now = timezone.now()
        for status, expires in (("pending", now + timedelta(days=1)),
                                ("pending", now - timedelta(days=1)),
                                ("accepted", now + timedelta(days=1))):
            Invitation.objects.create(org=world.other, inviter=world.outsider,
                                      invitee=world.member, role="admin", status=status,
                                      key_hash=f"{status}{expires}", expires_at=expires)
        response = browse("member").get("/")
        assert [i.status for i in response.context["invitations"]] == ["pending"]
        text = text_of(response)
        assert "Invitations waiting for you" in text and "Zeta Inc (zeta) admin outsider" in text

    @pytest.mark.django_db
    def test_no_invitations_no_section(self, browse):
        assert "Invitations waiting" not in text_of(browse("member").get("/"))
