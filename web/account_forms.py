"""Forms of a person's own pages: sign-up, email change, answering an invitation, tokens.

Each validates input only; the views call the services, which decide and refuse.
"""

import re

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from accounts.capabilities import PERMISSION_ORDER, Permission
from accounts.models import ApiToken, User


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


PERMISSION_HELP = {
    Permission.READ: "read: install with pip, uv and other clients",
    Permission.UPLOAD: "upload: read, upload new releases, yank releases",
    Permission.ADMIN: "admin: upload, and the management API within its scope",
}

EXPIRY_CHOICES = [("7", "in 7 days"), ("30", "in 30 days"), ("90", "in 90 days"),
                  ("365", "in a year"), ("", "never")]
WHOLE_ORG, CHOSEN_PROJECTS = "org", "projects"


class TokenCreateForm(forms.Form):
    """A new token of the signed-in user in one org: what it may do, where, until when.

    ``projects`` are the org's projects the user may read (names to show, normalised names
    as values); ``up_to`` is the strongest permission offered, the one the user holds in
    the org. Whether the permission is held on the chosen projects is the service's call.
    """

    description = forms.CharField(
        max_length=ApiToken._meta.get_field("description").max_length, required=False,
        help_text="What the token is for, e.g. \"laptop\" or \"CI of billing\".")
    permission = forms.ChoiceField(widget=forms.RadioSelect, initial=Permission.READ)
    scope = forms.ChoiceField(
        widget=forms.RadioSelect, initial=WHOLE_ORG, label="Scope",
        choices=[(WHOLE_ORG, "the whole organisation"),
                 (CHOSEN_PROJECTS, "only the projects chosen below")])
    projects = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, required=False, label="Projects",
        help_text="Projects you may read. A token scoped to projects reads nothing else.")
    expires_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, initial="30", coerce=int, empty_value=None, required=False,
        label="Expires")

    def __init__(self, *args, projects: list[tuple[str, str]], up_to: Permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = projects
        offered = PERMISSION_ORDER[:PERMISSION_ORDER.index(up_to) + 1]
        self.fields["permission"].choices = [(p.value, PERMISSION_HELP[p]) for p in offered]

    def clean(self):
        data = super().clean()
        if data.get("scope") == CHOSEN_PROJECTS and not data.get("projects"):
            self.add_error("projects", "Choose at least one project, or the whole organisation.")
        if data.get("scope") == WHOLE_ORG:
            data["projects"] = []
        return data
