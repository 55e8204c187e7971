"""Web pages of accounts: sign up, and answering an invitation from its email link."""

from django import forms
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from accounts import invitations
from accounts.authentication import client_ip
from accounts.models import User
from accounts.principals import Principal
from accounts.ratelimit import rate_limited


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


@rate_limited("signup")
def signup(request):
    """Create an account and sign in; then follow ``next`` (an invitation link, say)."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = request.POST.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//")
                        else "/")
    return render(request, "accounts/signup.html",
                  {"form": form, "next": request.GET.get("next", "")})


@login_required
def invitation(request, key: str):
    """Show an invitation and let the signed-in invitee accept or decline it."""
    found = invitations.invitation_for_key(key)
    if found is None:
        raise Http404("No such invitation.")
    error = None
    if request.method == "POST":
        principal = Principal(user=request.user, ip=client_ip(request))
        answer = (invitations.invitation_accept if request.POST.get("answer") == "accept"
                  else invitations.invitation_decline)
        try:
            answer(invitation=found, user=request.user, principal=principal)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(f"/{found.org.slug}/" if found.status == "accepted" else "/")
    return render(request, "accounts/invitation.html", {"invitation": found, "error": error})
