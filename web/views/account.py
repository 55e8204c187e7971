"""A person's own account: sign up, verify the email address, account settings.

Sign-up follows the sign-up policy (``accounts.signup``) or an invitation's link; the
verification link is signed and expires (``accounts.verification``). These pages are for a
browser session: a token presented to them counts for nothing.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from accounts import invitations
from accounts.authentication import client_ip
from accounts.models import User
from accounts.principals import Principal
from accounts.ratelimit import RateLimited, rate_hit, rate_limited
from accounts.selectors import memberships_of
from accounts.signup import CLOSED_MESSAGE, signup_open, user_signup
from accounts.verification import (
    VerificationFailed,
    email_verification_send,
    email_verify,
    user_email_change,
)
from web.account_forms import EmailChangeForm, SignupForm

SETTINGS_PATH = "/accounts/settings/"


def _local(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else ""


def send_verification(request, user: User, next_path: str) -> None:
    """Email the verification link, and say on the next page what happened."""
    try:
        rate_hit("verification_email", client_ip(request) or "unknown")
        email_verification_send(user=user, next_path=next_path,
                                base_url=settings.SITE_URL or request.build_absolute_uri("/"))
    except RateLimited as exc:
        messages.error(request, f"No link was sent: {exc}")
    except OSError:  # smtplib's errors are OSErrors
        messages.error(request, "The mail server refused the verification email; ask for a "
                                "new link from your account settings later.")
    else:
        messages.info(request, f"We sent a verification link to {user.email}. Follow it "
                               "within 24 hours to verify your address.")


def pending_invitation(key: str):
    found = invitations.invitation_for_key(key)
    if found is None:
        raise Http404("No such invitation.")
    return found


@rate_limited("signup")
def signup(request, key: str | None = None):
    """Create an account (under the sign-up policy, or through an email invitation's link),
    sign in, and send the link that verifies the address."""
    invitation = pending_invitation(key) if key else None
    if invitation is None and not signup_open():
        return render(request, "web/account/signup_closed.html", {"message": CLOSED_MESSAGE},
                      status=403)
    form = SignupForm(request.POST or None,
                      initial={"email": invitation.email} if invitation else None)
    if invitation is not None:
        form.fields["email"].disabled = True  # the invited address is the account's
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(username=form.cleaned_data["username"],
                               email=form.cleaned_data["email"],
                               password=form.cleaned_data["password1"],
                               invitation=invitation, ip=client_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            next_path = (invitations.accept_path(key) if invitation
                         else _local(request.POST.get("next", "")))
            send_verification(request, user, next_path)
            return redirect(next_path or SETTINGS_PATH)
    return render(request, "web/account/signup.html", {
        "form": form, "invitation": invitation, "next": request.GET.get("next", ""),
        "login_next": invitations.accept_path(key) if invitation else ""})


def verify(request, token: str):
    """Follow a verification link: the address is verified; then on to where it leads."""
    try:
        user, next_path = email_verify(token=token, ip=client_ip(request))
    except VerificationFailed as exc:
        return render(request, "web/account/verify_failed.html", {"message": str(exc)},
                      status=400)
    messages.success(request, f"Your email address {user.email} is verified.")
    next_path = next_path or SETTINGS_PATH
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect(next_path)
    return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': next_path})}")


@login_required
def account_settings(request):
    """The account's address (whether it is verified, changing it), its password, and the
    organisations it belongs to with its role and teams in each."""
    user = request.user
    action = request.POST.get("action")
    form = EmailChangeForm(user, request.POST if action == "change" else None)
    if request.method == "POST" and action == "resend":
        send_verification(request, user, "")
        return redirect(SETTINGS_PATH)
    if request.method == "POST" and form.is_valid():
        try:
            user_email_change(user=user, email=form.cleaned_data["email"],
                              principal=Principal(user=user, ip=client_ip(request)))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            send_verification(request, user, "")
            return redirect(SETTINGS_PATH)
    return render(request, "web/account/settings.html", {
        "form": form, "memberships": memberships_of(user), "nav_section": "settings"})
