"""The members page: the list with roles, inviting by email, invitations waiting for an
answer (send again, withdraw), changing a role and removing a member."""

import pytest
from django.core import mail

from accounts import invitations
from accounts.models import ApiToken, AuditEvent, Invitation, Membership
from accounts.principals import Principal
from registry.models import ProjectGrant
from tests.factories import token_for
from tests.live import free_port
from tests.web.orgadmin import Admin, admin_objects, state
from tests.web.reading import messages_of, text_of

MEMBERS = "/acme/-/members/"
INVITE = "/acme/-/members/invite/"


@pytest.fixture
def admin_world(world) -> Admin:
    return admin_objects(world)


def role_of(world, username: str) -> str | None:
    return Membership.objects.filter(org=world.org, user__username=username).values_list(
        "role", flat=True).first()


class TestList:
    def test_every_member_with_their_role(self, browse):
        response = browse("member").get(MEMBERS)
        rows = [(m.user.username, m.role) for m in response.context["members"]]
        assert rows == [("admin", "admin"), ("member", "member"), ("owner", "owner"),
                        ("teammate", "member"), ("uploader", "member")]
        assert "5 members." in text_of(response)

    def test_managers_see_addresses_and_invitations(self, browse, admin_world):
        text = text_of(browse("admin").get(MEMBERS))
        assert "owner@example.com" in text
        assert "Invitations waiting for an answer" in text and "new@example.com" in text

    def test_an_expired_invitation_is_marked(self, browse, admin_world):
        from datetime import timedelta

        from django.utils import timezone

        admin_world.invitation.expires_at = timezone.now() - timedelta(hours=1)
        admin_world.invitation.save()
        assert "expired" in text_of(browse("admin").get(MEMBERS))

    def test_answered_invitations_are_not_listed(self, browse, world, admin_world):
        invitations.invitation_cancel(invitation=admin_world.invitation,
                                      principal=Principal(user=world.owner))
        text = text_of(browse("admin").get(MEMBERS))
        assert "new@example.com" not in text


class TestInvite:
    def test_by_email_with_a_role(self, browse, world):
        response = browse("admin").post(INVITE, {"email": "Dev@Example.com", "role": "admin"},
                                         follow=True)
        assert response.redirect_chain == [(MEMBERS, 302)]
        assert messages_of(response) == [
            "Invitation sent to Dev@Example.com as admin; the link in it works for 7 days."]
        invitation = Invitation.objects.get(email="Dev@Example.com")
        assert (invitation.role, invitation.inviter) == ("admin", world.admin)
        [email] = mail.outbox
        assert email.to == ["Dev@Example.com"] and "/accounts/invitations/" in email.body
        assert AuditEvent.objects.filter(action="invitation.create", actor=world.admin).exists()

    def test_an_owner_invites_an_owner(self, browse):
        browse("owner").post(INVITE, {"email": "boss@example.com", "role": "owner"})
        assert Invitation.objects.get(email="boss@example.com").role == "owner"

    def test_a_bad_address_is_refused_beside_the_field(self, browse):
        response = browse("admin").post(INVITE, {"email": "not-an-address", "role": "member"})
        assert response.status_code == 200
        assert "Enter a valid email address." in text_of(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Invitation.objects.exists()

    def test_a_second_pending_invitation_is_refused(self, browse, admin_world):
        response = browse("admin").post(INVITE, {"email": "NEW@example.com", "role": "member"})
        assert response.status_code == 200
        assert "There is already a pending invitation for them." in text_of(response)
        assert Invitation.objects.count() == 1

    def test_a_mail_server_refusal_keeps_nothing_and_says_so(self, browse, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
        response = browse("admin").post(INVITE, {"email": "dev@example.com", "role": "member"})
        assert response.status_code == 200
        assert "could not be sent" in messages_of(response)[0]
        assert not Invitation.objects.exists()


class TestInvitations:
    def url(self, admin_world, what: str) -> str:
        return f"/acme/-/members/invitations/{admin_world.invitation.pk}/{what}/"

    def test_send_again_with_a_new_link(self, browse, world, admin_world):
        assert "the link of the earlier email stops working" in text_of(
            browse("admin").get(self.url(admin_world, "resend")))
        mail.outbox.clear()
        response = browse("admin").post(self.url(admin_world, "resend"), follow=True)
        assert messages_of(response) == [
            "The invitation is sent to new@example.com again; the earlier link no longer "
            "works."]
        assert invitations.invitation_for_key(admin_world.invitation_key) is None
        [email] = mail.outbox
        assert email.to == ["new@example.com"]
        assert AuditEvent.objects.filter(action="invitation.resend", actor=world.admin).exists()

    def test_withdraw_asks_first(self, browse, world, admin_world):
        page = browse("admin").get(self.url(admin_world, "cancel"))
        assert "Its link stops working" in text_of(page)
        admin_world.invitation.refresh_from_db()
        assert admin_world.invitation.status == "pending"
        response = browse("admin").post(self.url(admin_world, "cancel"), follow=True)
        assert messages_of(response) == [
            "The invitation of new@example.com is withdrawn; its link no longer works."]
        admin_world.invitation.refresh_from_db()
        assert admin_world.invitation.status == "cancelled"

    def test_an_answered_invitation_says_so(self, browse, world, admin_world):
        invitations.invitation_cancel(invitation=admin_world.invitation,
                                      principal=Principal(user=world.owner))
        for what in ("resend", "cancel"):
            response = browse("admin").post(self.url(admin_world, what), follow=True)
            assert messages_of(response) == ["This invitation was already cancelled."]

    def test_another_orgs_invitation_is_404(self, browse, world):
        theirs, _ = invitations.invitation_create(org=world.other, email="x@example.com",
                                                  principal=Principal(user=world.outsider))
        before = state()
        for what in ("resend", "cancel"):
            url = f"/acme/-/members/invitations/{theirs.pk}/{what}/"
            assert browse("admin").get(url).status_code == 404
            assert browse("admin").post(url).status_code == 404
        assert state() == before


class TestRole:
    def test_the_form_page(self, browse):
        response = browse("admin").get("/acme/-/members/member/role/")
        assert response.status_code == 200
        assert "member is member of Acme Corp." in text_of(response)

    def test_change_a_role(self, browse, world):
        response = browse("admin").post("/acme/-/members/member/role/", {"role": "admin"},
                                         follow=True)
        assert response.redirect_chain == [(MEMBERS, 302)]
        assert messages_of(response) == ["member is now admin of acme."]
        assert role_of(world, "member") == "admin"
        event = AuditEvent.objects.get(action="member.role")
        assert (event.actor, event.target, event.data) == (
            world.admin, "member", {"before": "member", "after": "admin"})

    def test_an_owner_makes_an_owner(self, browse, world):
        browse("owner").post("/acme/-/members/admin/role/", {"role": "owner"})
        assert role_of(world, "admin") == "owner"

    def test_the_last_owner_stays_owner(self, browse, world):
        before = state()
        response = browse("owner").post("/acme/-/members/owner/role/", {"role": "admin"},
                                         follow=True)
        assert messages_of(response) == [
            "owner is the last owner of acme; make someone else an owner first. Nothing was "
            "changed."]
        assert role_of(world, "owner") == "owner" and state() == before

    def test_the_same_role_changes_nothing(self, browse):
        before = state()
        response = browse("admin").post("/acme/-/members/member/role/", {"role": "member"},
                                         follow=True)
        assert messages_of(response) == ["member is already member."]
        assert state() == before

    def test_an_unknown_role_is_refused_beside_the_field(self, browse, world):
        response = browse("admin").post("/acme/-/members/member/role/", {"role": "god"})
        assert response.status_code == 200
        assert "Select a valid choice" in text_of(response)
        assert role_of(world, "member") == "member"

    @pytest.mark.parametrize("username", ["outsider", "loner", "nobody"])
    def test_who_is_not_a_member_is_404(self, browse, username):
        before = state()
        for what in ("role", "remove"):
            url = f"/acme/-/members/{username}/{what}/"
            assert browse("admin").get(url).status_code == 404
            assert browse("admin").post(url, {"role": "admin"}).status_code == 404
        assert state() == before


class TestRemove:
    URL = "/acme/-/members/uploader/remove/"

    @pytest.fixture
    def uploader_things(self, world):
        """The uploader's token (and one created with it), a team and their grant."""
        theirs, _ = token_for(world.org, world.uploader, permission="admin")
        from accounts import services

        child, _ = services.token_create(org=world.org, user=None, permission="read",
                                         principal=Principal(user=world.uploader,
                                                             token=theirs))
        world.org.teams.get(slug="backend").members.add(world.uploader)
        return theirs, child

    def test_the_confirmation_shows_what_goes_with_them(self, browse, uploader_things):
        theirs, child = uploader_things
        text = text_of(browse("admin").get(self.URL))
        assert "Remove uploader from Acme Corp?" in text
        assert theirs.key_id in text and child.key_id in text
        assert "Backend: they leave it" in text
        assert "upload on billing: withdrawn" in text
        assert Membership.objects.filter(user__username="uploader").exists()

    def test_remove(self, browse, world, uploader_things):
        theirs, child = uploader_things
        response = browse("admin").post(self.URL, follow=True)
        assert response.redirect_chain == [(MEMBERS, 302)]
        assert messages_of(response) == [
            "uploader is no longer a member of acme; their tokens here are revoked and their "
            "teams and grants withdrawn."]
        assert role_of(world, "uploader") is None
        assert not ApiToken.objects.filter(pk__in=[theirs.pk, child.pk],
                                           revoked_at__isnull=True).exists()
        assert not world.uploader.teams.exists()
        assert not ProjectGrant.objects.filter(user=world.uploader).exists()
        assert AuditEvent.objects.filter(action="member.remove", actor=world.admin).exists()

    def test_the_last_owner_stays(self, browse, world):
        before = state()
        response = browse("owner").post("/acme/-/members/owner/remove/", follow=True)
        assert messages_of(response)[0].startswith("owner is the last owner of acme")
        assert role_of(world, "owner") == "owner" and state() == before

    def test_an_owner_who_leaves_lands_on_the_dashboard(self, browse, world):
        from tests.factories import MembershipFactory

        MembershipFactory(org=world.org, user=world.loner, role="owner")
        response = browse("owner").post("/acme/-/members/owner/remove/")
        assert response.status_code == 302 and response["Location"] == "/"
        assert role_of(world, "owner") is None
