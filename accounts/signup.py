"""Who may create an account: the sign-up policy, ``settings.SIGNUP_POLICY``.

- ``closed``: only through the link of an invitation sent to an email address, and with
  that address (GitLab with sign-up disabled; the production default).
- ``domains``: addresses at one of ``settings.SIGNUP_ALLOWED_DOMAINS`` (GitLab's allowlist
  for sign-ups), and invitations as under ``closed``.
- ``open``: anyone.

Every new account's address is unverified until the link sent to it is followed
(``accounts.verification``); until then the account counts for nothing.
"""

from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Invitation, User
from accounts.principals import Principal
from accounts.services import user_create


class SignupPolicy(StrEnum):
    CLOSED = "closed"
    DOMAINS = "domains"
    OPEN = "open"


CLOSED_MESSAGE = ("Sign-up on this instance is by invitation only: follow the link in the "
                  "invitation email you received.")


def signup_policy() -> SignupPolicy:
    return SignupPolicy(settings.SIGNUP_POLICY)


def signup_open() -> bool:
    """Whether anyone may try to sign up without an invitation."""
    return signup_policy() != SignupPolicy.CLOSED


def address_refusal(email: str) -> str | None:
    """Why an account may not have ``email`` under the policy, or None when it may."""
    if signup_policy() != SignupPolicy.DOMAINS:
        return None
    allowed = [domain.casefold() for domain in settings.SIGNUP_ALLOWED_DOMAINS]
    if email.rpartition("@")[2].casefold() in allowed:
        return None
    return f"Only addresses at {', '.join(allowed)} may be used on this instance."


def invitation_refusal(invitation: Invitation, email: str) -> str | None:
    """Why signing up with ``email`` through ``invitation``'s link is refused, or None."""
    if invitation.state != "pending" or invitation.invitee_id is not None:
        return "This invitation cannot be used to sign up; sign in instead."
    if email.casefold() != invitation.email.casefold():
        return f"Sign up with the address the invitation was sent to, {invitation.email}."
    return None


@transaction.atomic
def user_signup(*, username: str, email: str, password: str,
                invitation: Invitation | None = None, ip: str | None = None) -> User:
    """Create an account under the sign-up policy; its address is not verified yet.

    An invitation sent to an email address lets that address sign up whatever the policy
    (its admin chose the address); otherwise ``closed`` refuses everyone and ``domains``
    every address outside its list.
    """
    if invitation is not None:
        refusal = invitation_refusal(invitation, email)
    elif not signup_open():
        raise PermissionDenied(CLOSED_MESSAGE)
    else:
        refusal = address_refusal(email)
    if refusal:
        raise ValidationError({"email": [refusal]})
    user = user_create(username=username, email=email, password=password)
    audit_record(action="user.signup", org=invitation.org if invitation else None,
                 principal=Principal(user=user, ip=ip), target=username,
                 data={"email": user.email, "policy": signup_policy().value})
    return user
