"""Sending an invitation again: a new key (the old link stops working), a new expiry, the
email again, and an audit event; only while the invitation is pending."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import invitations
from accounts.models import AuditEvent, InvitationStatus
from accounts.principals import Principal
from tests.factories import OrgFactory, UserFactory, member
from tests.live import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrgFactory(slug="acme")


@pytest.fixture
def admin(org):
    return member(org, "admin", username="ada")


@pytest.fixture
def invited(org, admin):
    """An invitation of new@example.com and the key its first email carried."""
    invitation, key = invitations.invitation_create(org=org, email="new@example.com",
                                                    principal=Principal(user=admin))
    mail.outbox.clear()
    return invitation, key


class TestResend:
    def test_a_new_key_replaces_the_old_one(self, invited, admin):
        invitation, old_key = invited
        again, new_key = invitations.invitation_resend(invitation=invitation,
                                                       principal=Principal(user=admin))
        assert again.pk == invitation.pk and new_key != old_key
        assert invitations.invitation_for_key(old_key) is None
        assert invitations.invitation_for_key(new_key).pk == invitation.pk

    def test_the_email_carries_the_new_link(self, invited, admin):
        invitation, _ = invited
        _, key = invitations.invitation_resend(invitation=invitation,
                                               principal=Principal(user=admin))
        [email] = mail.outbox
        assert email.to == ["new@example.com"]
        assert invitations.accept_path(key) in email.body

    def test_an_expired_invitation_is_pending_again_for_a_week(self, invited, admin):
        invitation, _ = invited
        invitation.expires_at = timezone.now() - timedelta(days=1)
        invitation.save()
        assert invitation.state == "expired"
        invitations.invitation_resend(invitation=invitation, principal=Principal(user=admin))
        invitation.refresh_from_db()
        assert invitation.state == "pending"
        assert invitation.expires_at > timezone.now() + timedelta(days=6)

    def test_it_is_recorded(self, invited, admin):
        invitation, _ = invited
        invitations.invitation_resend(invitation=invitation, principal=Principal(user=admin))
        event = AuditEvent.objects.get(action="invitation.resend")
        assert (event.actor, event.target, event.org) == (admin, "new@example.com",
                                                          invitation.org)

    @pytest.mark.parametrize("status", [InvitationStatus.ACCEPTED, InvitationStatus.DECLINED,
                                        InvitationStatus.CANCELLED])
    def test_only_a_pending_invitation(self, invited, admin, status):
        invitation, key = invited
        invitation.status = status
        invitation.save()
        with pytest.raises(ValidationError, match=f"already {status}"):
            invitations.invitation_resend(invitation=invitation, principal=Principal(user=admin))
        assert invitations.invitation_for_key(key).pk == invitation.pk
        assert not mail.outbox

    def test_an_invitation_without_an_address_has_nothing_to_send(self, org, admin):
        invitee = UserFactory(username="ivy", email="")
        invitation, key = invitations.invitation_create(org=org, invitee=invitee,
                                                        principal=Principal(user=admin))
        with pytest.raises(ValidationError, match="no email address"):
            invitations.invitation_resend(invitation=invitation, principal=Principal(user=admin))
        assert invitations.invitation_for_key(key).pk == invitation.pk

    def test_a_mail_server_refusal_changes_nothing(self, invited, admin, settings):
        invitation, key = invited
        expires = invitation.expires_at
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
        with pytest.raises(invitations.EmailFailed, match="could not be sent"):
            invitations.invitation_resend(invitation=invitation, principal=Principal(user=admin))
        invitation.refresh_from_db()
        assert invitation.expires_at == expires
        assert invitations.invitation_for_key(key).pk == invitation.pk
        assert not AuditEvent.objects.filter(action="invitation.resend").exists()
