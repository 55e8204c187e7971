"""Forms of a person's own pages: sign-up, email change, answering an invitation.

Each validates input only; the views call the services, which decide and refuse.
"""

import re

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from accounts.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="New email address")
    password = forms.CharField(label="Your password", widget=forms.PasswordInput,
                               strip=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError("That is not your password.")
        return self.cleaned_data["password"]


# The last path segment of an invitation link, /accounts/invitations/KEY/, or a bare key.
_KEY_IN_LINK = re.compile(r"/accounts/invitations/([^/?#\s]+)/?")


class InvitationKeyForm(forms.Form):
    """The key of an invitation sent to an email address: the link itself, or its last part."""

    key = forms.CharField(max_length=500, label="Link or key from the invitation email")

    def clean_key(self) -> str:
        text = self.cleaned_data["key"].strip()
        found = _KEY_IN_LINK.search(text)
        return found.group(1) if found else text
