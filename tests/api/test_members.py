from django.core import mail

from accounts.capabilities import Capability
from accounts.models import ApiToken, AuditEvent, Invitation, Membership
from accounts.principals import Principal
from registry.models import ProjectGrant
from registry.permissions import can
from tests.factories import UserFactory, member, token_for


class TestMembers:
    def test_list_and_filter_by_role(self, as_user, plain_member, admin, org):
        body = as_user(plain_member).get(f"/api/v1/orgs/{org.slug}/members/?role=admin").json()
        assert [m["username"] for m in body["results"]] == ["adam"]

    def test_admin_adds_a_member(self, as_user, admin, org):
        UserFactory(username="newbie")
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/members/",
                                       {"username": "newbie", "role": "member"})
        assert response.status_code == 201
        assert AuditEvent.objects.filter(action="member.add", target="newbie").exists()

    def test_a_plain_member_learns_nothing_about_usernames(self, as_user, plain_member, org):
        UserFactory(username="exists")
        answers = [as_user(plain_member).post(f"/api/v1/orgs/{org.slug}/members/",
                                              {"username": name, "role": "member"})
                   for name in ("exists", "no-such-user")]
        assert [a.status_code for a in answers] == [403, 403]
        assert answers[0].json() == answers[1].json()

    def test_an_unknown_user_is_a_400_naming_the_field(self, as_user, admin, org):
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/members/",
                                       {"username": "nobody", "role": "member"})
        assert response.status_code == 400
        message = "There is no active user 'nobody'."
        assert response.json() == {"detail": message, "errors": {"username": [message]}}

    def test_admin_cannot_make_owners(self, as_user, admin, plain_member, org):
        response = as_user(admin).patch(f"/api/v1/orgs/{org.slug}/members/mia/",
                                        {"role": "owner"})
        assert response.status_code == 403
        assert Membership.objects.get(user=plain_member).role == "member"

    def test_owner_changes_roles_with_before_and_after(self, as_user, owner, plain_member, org):
        response = as_user(owner).patch(f"/api/v1/orgs/{org.slug}/members/mia/",
                                        {"role": "admin"})
        assert response.status_code == 200
        event = AuditEvent.objects.get(action="member.role")
        assert event.data == {"before": "member", "after": "admin"}

    def test_last_owner_cannot_leave(self, as_user, owner, org):
        response = as_user(owner).delete(f"/api/v1/orgs/{org.slug}/members/olive/")
        assert response.status_code == 400
        assert "last owner" in response.json()["detail"]

    def test_member_cannot_remove_others(self, as_user, plain_member, admin, org):
        response = as_user(plain_member).delete(f"/api/v1/orgs/{org.slug}/members/adam/")
        assert response.status_code == 403

    def test_removal_revokes_access_and_tokens_at_once(self, as_user, admin, org, project):
        leaver = member(org, "member", username="leaver")
        ProjectGrant.objects.create(project=project, user=leaver, permission="upload")
        token, _ = token_for(org, leaver, "upload")
        response = as_user(admin).delete(f"/api/v1/orgs/{org.slug}/members/leaver/")
        assert response.status_code == 200
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert not ProjectGrant.objects.filter(user=leaver).exists()
        leaver.refresh_from_db()
        assert not can(Principal(user=leaver), Capability.PROJECT_READ, project)
        event = AuditEvent.objects.get(action="member.remove")
        assert event.data["tokens_revoked"] == [token.key_id]

    def test_org_tokens_survive_a_member_leaving(self, as_user, admin, org):
        leaver = member(org, "admin", username="leaver")
        org_token, _ = token_for(org, None, "upload")
        org_token.created_by = leaver
        org_token.save()
        assert as_user(admin).delete(
            f"/api/v1/orgs/{org.slug}/members/leaver/").status_code == 200
        assert not Membership.objects.filter(user__username="leaver").exists()
        assert ApiToken.objects.get(pk=org_token.pk).is_active


class TestInvitations:
    def test_invite_by_email_sends_the_accept_link(self, as_user, admin, org,
                                                   django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/",
                                           {"email": "new@example.com", "role": "member"})
        assert response.status_code == 201, response.json()
        assert len(mail.outbox) == 1
        assert "/accounts/invitations/" in mail.outbox[0].body
        assert mail.outbox[0].to == ["new@example.com"]

    def test_invitee_by_username_accepts(self, as_user, admin, org):
        invitee = UserFactory(username="ivy")
        as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/",
                            {"username": "ivy", "role": "admin"})
        mine = as_user(invitee).get("/api/v1/me/invitations/").json()["results"]
        assert [i["org"] for i in mine] == ["acme"]
        response = as_user(invitee).post(f"/api/v1/me/invitations/{mine[0]['id']}/accept/")
        assert response.status_code == 200, response.json()
        assert Membership.objects.get(user=invitee, org=org).role == "admin"

    def test_someone_else_cannot_accept(self, as_user, admin, org):
        UserFactory(username="ivy")
        intruder = UserFactory(username="eve")
        as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/", {"username": "ivy"})
        invitation = Invitation.objects.get()
        response = as_user(intruder).post(f"/api/v1/me/invitations/{invitation.pk}/accept/")
        assert response.status_code == 404
        assert not Membership.objects.filter(user=intruder).exists()

    def test_a_mail_server_refusal_keeps_no_invitation_and_says_so(self, as_user, admin, org,
                                                                   monkeypatch):
        import smtplib

        from accounts import invitations

        def refuse(*args, **kwargs):
            raise smtplib.SMTPServerDisconnected("mail server went away")

        monkeypatch.setattr(invitations, "send_mail", refuse)
        url = f"/api/v1/orgs/{org.slug}/invitations/"
        response = as_user(admin).post(url, {"email": "new@example.com"})
        assert response.status_code == 503
        assert "could not be sent" in response.json()["detail"]
        assert not Invitation.objects.exists()
        monkeypatch.undo()
        assert as_user(admin).post(url, {"email": "new@example.com"}).status_code == 201
        assert len(mail.outbox) == 1

    def test_email_invitation_needs_the_verified_address_and_the_key(self, as_user, admin,
                                                                       org):
        from accounts import invitations
        from accounts.principals import Principal

        invitation, key = invitations.invitation_create(
            org=org, email="x@example.com", principal=Principal(user=admin))
        someone = UserFactory(username="xavier", email="other@example.com")
        response = as_user(someone).post(f"/api/v1/me/invitations/{invitation.pk}/accept/",
                                         {"key": key})
        assert response.status_code == 404
        assert not Membership.objects.filter(user=someone, org=org).exists()
        invitee = UserFactory(username="xena", email="X@example.com")
        response = as_user(invitee).post(f"/api/v1/me/invitations/{invitation.pk}/accept/",
                                         {"key": key})
        assert response.status_code == 200
        assert Membership.objects.filter(user=invitee, org=org).exists()

    def test_expired_invitation_is_refused_with_a_reason(self, as_user, admin, org):
        from datetime import timedelta

        from django.utils import timezone

        invitee = UserFactory(username="ivy")
        as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/", {"username": "ivy"})
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        invitation = Invitation.objects.get()
        response = as_user(invitee).post(f"/api/v1/me/invitations/{invitation.pk}/accept/")
        assert response.status_code == 400
        assert "expired" in response.json()["detail"]

    def test_decline(self, as_user, admin, org):
        invitee = UserFactory(username="ivy")
        as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/", {"username": "ivy"})
        invitation = Invitation.objects.get()
        response = as_user(invitee).post(f"/api/v1/me/invitations/{invitation.pk}/decline/")
        assert response.status_code == 200
        assert response.json()["state"] == "declined"
        assert not Membership.objects.filter(user=invitee).exists()

    def test_members_cannot_invite(self, as_user, plain_member, org):
        response = as_user(plain_member).post(f"/api/v1/orgs/{org.slug}/invitations/",
                                              {"email": "a@example.com"})
        assert response.status_code == 403

    def test_an_unknown_username_is_a_400_and_nobody_is_invited(self, as_user, admin, org):
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/",
                                       {"username": "nobody"})
        assert response.status_code == 400
        assert response.json()["errors"] == {"username": ["There is no active user 'nobody'."]}
        assert not Invitation.objects.exists()

    def test_username_xor_email(self, as_user, admin, org):
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/invitations/", {})
        assert response.status_code == 400
        assert response.json()["errors"]["non_field_errors"]
