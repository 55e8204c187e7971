"""Invitations to join an org: created by an admin, accepted or declined by the invitee.

An invitation names a user (by username) or an email address. The email carries a link with
a random key; only its hash is stored. Pending invitations expire.

Only the invitee answers, and only once their own address is verified: an invitation by
username is for that account; one sent to an address is for an account that has verified
that address (compared case-insensitively) and presents the key from the email.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import audit_record
from accounts.capabilities import OrgRole
from accounts.models import Invitation, InvitationStatus, Membership, Organization, User
from accounts.principals import Principal
from accounts.services import membership_set

INVITATION_DAYS = 7


def key_hash(key: str) -> str:
    """The stored form of an invitation key."""
    return hashlib.sha256(key.encode()).hexdigest()


def accept_path(key: str) -> str:
    """Where the invitee accepts or declines, relative to the site."""
    return f"/accounts/invitations/{key}/"


def _check_new(org: Organization, invitee: User | None, email: str) -> None:
    if invitee is None and not email:
        raise ValidationError("Invite someone by username or by email.")
    if invitee is not None and Membership.objects.filter(org=org, user=invitee).exists():
        raise ValidationError(f"{invitee.username} is already a member of {org.slug}.")
    pending = Invitation.objects.filter(org=org, status=InvitationStatus.PENDING,
                                        expires_at__gt=timezone.now())
    if invitee is not None and pending.filter(invitee=invitee).exists() or \
            email and pending.filter(email__iexact=email).exists():
        raise ValidationError("There is already a pending invitation for them.")


@transaction.atomic
def invitation_create(*, org: Organization, role: str = OrgRole.MEMBER,
                      invitee: User | None = None, email: str = "",
                      principal: Principal) -> tuple[Invitation, str]:
    """Invite a user or an email address; emails the link; returns it and its key."""
    _check_new(org, invitee, email)
    key = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        org=org, inviter=principal.user, invitee=invitee,
        email=email or (invitee.email if invitee else ""), role=OrgRole(role),
        key_hash=key_hash(key), expires_at=timezone.now() + timedelta(days=INVITATION_DAYS))
    audit_record(action="invitation.create", org=org, principal=principal,
                 target=invitee.username if invitee else email, data={"role": role})
    if invitation.email:
        _send_or_undo(invitation, key)
    return invitation, key


@transaction.atomic
def invitation_resend(*, invitation: Invitation, principal: Principal) -> tuple[Invitation, str]:
    """Email a pending (or expired) invitation again with a new key and a new expiry; the
    link of the earlier email stops working. Returns it and its new key."""
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was already {invitation.status}.")
    if not invitation.email:
        raise ValidationError("This invitation has no email address to send it to; its "
                              "invitee answers it from their dashboard.")
    key = secrets.token_urlsafe(32)
    invitation.key_hash = key_hash(key)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["key_hash", "expires_at"])
    audit_record(action="invitation.resend", org=invitation.org, principal=principal,
                 target=_invitee_name(invitation), data={"role": invitation.role})
    _send_or_undo(invitation, key)
    return invitation, key


def _invitee_name(invitation: Invitation) -> str:
    return invitation.invitee.username if invitation.invitee else invitation.email


class EmailFailed(Exception):
    """The invitation's email could not be sent; the invitation was rolled back."""


def _send_or_undo(invitation: Invitation, key: str) -> None:
    """Send the link before the commit: if the mail server refuses, EmailFailed undoes the
    change (a key nobody received would be lost, and "already invited" would block a second
    try)."""
    try:
        _send(invitation, key)
    except OSError as exc:  # smtplib's errors are OSErrors
        raise EmailFailed(f"The invitation email to {invitation.email} could not be sent "
                          "(the mail server refused it); nothing was saved. Try again "
                          "later.") from exc


def _send(invitation: Invitation, key: str) -> None:
    inviter = invitation.inviter.username if invitation.inviter else "An administrator"
    body = render_to_string("accounts/invitation_email.txt", {
        "inviter": inviter, "org": invitation.org, "role": invitation.role,
        "accept_url": f"{settings.SITE_URL}{accept_path(key)}",
        "expires_at": invitation.expires_at,
    })
    send_mail(f"Join {invitation.org.name} on Wheelhouse", body, None, [invitation.email])


def invitation_for_key(key: str) -> Invitation | None:
    """The invitation a key from an email link opens, or None."""
    return Invitation.objects.select_related("org", "invitee").filter(
        key_hash=key_hash(key)).first()


def names(invitation: Invitation, user: User) -> bool:
    """Whether the invitation names ``user``'s account or current address (verified or not)."""
    if invitation.invitee_id is not None:
        return invitation.invitee_id == user.pk
    return bool(user.email) and user.email.casefold() == invitation.email.casefold()


def is_addressed_to(invitation: Invitation, user: User) -> bool:
    """Whether ``user`` is the invitee: by username, or by their verified address."""
    if invitation.invitee_id is not None:
        return invitation.invitee_id == user.pk
    return user.has_verified_email and names(invitation, user)


def key_matches(invitation: Invitation, key: str) -> bool:
    return hmac.compare_digest(key_hash(key), invitation.key_hash)


def _check_answerable(invitation: Invitation, user: User, key: str, *,
                      key_needed: bool = True) -> None:
    if invitation.state == "expired":
        raise ValidationError(
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask for a new one.")
    if invitation.state != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was already {invitation.state}.")
    if not user.has_verified_email:
        raise PermissionDenied("Verify your email address first: follow the link we sent "
                               "to it, or ask for a new one from your account settings.")
    if not is_addressed_to(invitation, user):
        raise PermissionDenied("This invitation is for someone else.")
    if key_needed and (key or invitation.invitee_id is None) and \
            not key_matches(invitation, key):
        raise PermissionDenied("Answering an invitation sent to an email address needs the "
                               "key from the email's link.")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, key: str = "",
                      principal: Principal) -> Membership:
    """The invitee joins the org with the invited role."""
    _check_answerable(invitation, user, key)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.invitee = user
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "invitee", "responded_at"])
    existing = Membership.objects.filter(org=invitation.org, user=user).first()
    role = existing.role if existing else invitation.role  # never demotes a current member
    audit_record(action="invitation.accept", org=invitation.org, principal=principal,
                 target=user.username, data={"role": role})
    return membership_set(org=invitation.org, user=user, role=role, principal=principal)


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: User, key: str = "",
                       principal: Principal) -> None:
    """The invitee says no."""
    _check_answerable(invitation, user, key)
    _decline(invitation, user, principal)


@transaction.atomic
def invitation_decline_listed(*, invitation: Invitation, user: User,
                              principal: Principal) -> None:
    """The invitee says no from the invitations listed to them, without the email's key.

    Safe without it: only the invitee gets through (the account the invitation names, or one
    that has verified the invited address and so receives the email with the key anyway),
    and declining grants nothing. Accepting still needs the key.
    """
    _check_answerable(invitation, user, "", key_needed=False)
    _decline(invitation, user, principal)


def _decline(invitation: Invitation, user: User, principal: Principal) -> None:
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit_record(action="invitation.decline", org=invitation.org, principal=principal,
                 target=user.username)


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, principal: Principal) -> None:
    """An admin withdraws a pending invitation."""
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was already {invitation.status}.")
    invitation.status = InvitationStatus.CANCELLED
    invitation.save(update_fields=["status"])
    audit_record(action="invitation.cancel", org=invitation.org, principal=principal,
                 target=_invitee_name(invitation))
