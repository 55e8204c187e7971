"""Answering an invitation: from its email link, or from the dashboard.

The emailed link ``/accounts/invitations/{key}/`` leads someone without an account through
sign-up and verification back to it. The dashboard lists the invitations addressed to the
signed-in user (by username, or to their verified address) with accept and decline:
accepting one sent to an email address needs the key from the email (the link pasted
whole, or its last part); declining one listed there needs none
(``accounts.invitations.invitation_decline_listed`` says why that is safe).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.authentication import client_ip
from accounts.principals import Principal
from accounts.selectors import invitations_for
from web.account_forms import InvitationKeyForm
from web.views.account import pending_invitation, send_verification


def _refusal(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", None) or exc.args)


def invitation(request, key: str):
    """An invitation from its email link: sign up or in, verify the address, then answer."""
    found = pending_invitation(key)
    if not request.user.is_authenticated:
        return render(request, "web/account/invitation.html", {"invitation": found, "key": key})
    if request.method == "POST" and request.POST.get("answer") == "verify":
        send_verification(request, request.user, invitations.accept_path(key))
        return redirect(invitations.accept_path(key))
    if request.method == "POST":
        answer = (invitations.invitation_accept if request.POST.get("answer") == "accept"
                  else invitations.invitation_decline)
        try:
            answer(invitation=found, user=request.user, key=key,
                   principal=Principal(user=request.user, ip=client_ip(request)))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal(exc))
            return redirect(invitations.accept_path(key))
        return _answered(request, found)
    return render(request, "web/account/invitation.html", {
        "invitation": found, "key": key, "names_you": invitations.names(found, request.user)})


def _answered(request, found):
    if found.status == "accepted":
        messages.success(request, f"You joined {found.org.name} as {found.role}.")
        return redirect("org-home", found.org.slug)
    messages.success(request, f"You declined the invitation to {found.org.name}.")
    return redirect("home")


def _mine(request, invitation_id: int):
    """One of the invitations addressed to the signed-in user; any other is 404."""
    found = invitations_for(request.user).filter(pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation.")
    return found


@require_POST
@login_required
def accept(request, invitation_id: int):
    """Accept from the dashboard: one sent to an email address needs the email's key."""
    found = _mine(request, invitation_id)
    key = ""
    if found.invitee_id is None:
        form = InvitationKeyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Paste the link from the invitation email to accept it.")
            return redirect("home")
        key = form.cleaned_data["key"]
    try:
        invitations.invitation_accept(invitation=found, user=request.user, key=key,
                                      principal=Principal(user=request.user,
                                                          ip=client_ip(request)))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"Not accepted: {_refusal(exc)}")
        return redirect("home")
    return _answered(request, found)


@require_POST
@login_required
def decline(request, invitation_id: int):
    """Decline from the dashboard, without the key."""
    found = _mine(request, invitation_id)
    try:
        invitations.invitation_decline_listed(
            invitation=found, user=request.user,
            principal=Principal(user=request.user, ip=client_ip(request)))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"Not declined: {_refusal(exc)}")
        return redirect("home")
    return _answered(request, found)
