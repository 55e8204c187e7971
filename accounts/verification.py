"""Proving an email address: a signed link, valid for a day, sent to the address.

The link signs the account's id, the address it was sent to and where to go next; following
it marks that address verified (``User.verified_email``). An address counts only while it is
still the account's address, so a change by any path leaves the account unverified until a
link sent to the new address is followed. Nothing is stored for a link: its signature and
age are its whole state, and one sent to an old address is dead once the address changes.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.principals import Principal

SALT = "accounts.email-verification"
LINK_LIFETIME = timedelta(hours=24)  # GitLab's confirmation links live as long


class VerificationFailed(Exception):
    """The link is not valid (any more); the message says what to do."""


def verify_path(token: str) -> str:
    return f"/accounts/verify/{token}/"


def _local(next_path: str) -> str:
    """``next_path`` when it stays on this site, else nothing."""
    return next_path if next_path.startswith("/") and not next_path.startswith("//") else ""


def verification_link(user: User, *, base_url: str = "", next_path: str = "") -> str:
    """The link that proves ``user``'s current address; it leads on to ``next_path``."""
    token = signing.dumps({"user": user.pk, "email": user.email, "next": _local(next_path)},
                          salt=SALT)
    return f"{base_url.rstrip('/')}{verify_path(token)}"


def email_verification_send(*, user: User, base_url: str = "", next_path: str = "") -> None:
    """Email ``user`` the link that verifies their current address.

    Raises OSError when the mail server refuses (smtplib's errors are OSErrors): nothing is
    stored, so asking again is always safe.
    """
    if not user.email:
        raise ValidationError("The account has no email address to verify.")
    body = render_to_string("accounts/verification_email.txt", {
        "user": user, "hours": int(LINK_LIFETIME.total_seconds() // 3600),
        "link": verification_link(user, base_url=base_url or settings.SITE_URL,
                                  next_path=next_path),
    })
    send_mail("Verify your email address for Wheelhouse", body, None, [user.email])


def _payload(token: str) -> dict:
    try:
        return signing.loads(token, salt=SALT, max_age=LINK_LIFETIME)
    except signing.SignatureExpired as exc:
        raise VerificationFailed("This verification link has expired; ask for a new one "
                                 "from your account settings.") from exc
    except signing.BadSignature as exc:
        raise VerificationFailed("This verification link is not valid.") from exc


@transaction.atomic
def email_verify(*, token: str, ip: str | None = None) -> tuple[User, str]:
    """Mark the address the link was sent to as verified; returns the user and where next."""
    payload = _payload(token)
    user = User.objects.select_for_update().filter(pk=payload["user"], is_active=True).first()
    if user is None or user.email.casefold() != str(payload["email"]).casefold():
        raise VerificationFailed("This link was sent to an address the account no longer "
                                 "has; verify the current one from your account settings.")
    if not user.has_verified_email:
        user.verified_email = user.email
        user.email_verified_at = timezone.now()
        user.save(update_fields=["verified_email", "email_verified_at"])
        audit_record(action="user.email.verify", org=None, principal=Principal(user=user, ip=ip),
                     target=user.username, data={"email": user.email})
    return user, _local(str(payload.get("next", "")))


@transaction.atomic
def user_email_change(*, user: User, email: str, principal: Principal) -> User:
    """Give ``user`` a new address, unverified until the link sent to it is followed."""
    from accounts.signup import address_refusal

    email = User.objects.normalize_email(email)
    if email == user.email:
        return user
    refusal = address_refusal(email)
    if refusal:
        raise ValidationError({"email": [refusal]})
    before = user.email
    user.email = email
    user.full_clean(exclude=["password"])
    user.verified_email, user.email_verified_at = "", None
    user.save(update_fields=["email", "verified_email", "email_verified_at"])
    audit_record(action="user.email.change", org=None, principal=principal,
                 target=user.username, data={"before": before, "after": user.email})
    return user
