"""Forms of the org administration pages (members, teams, tokens, the audit log).

Each validates input only; the views call the services, which decide and write.
"""

from django import forms
from packaging.utils import InvalidName, canonicalize_name

from accounts.capabilities import OrgRole, Permission
from accounts.models import Organization, Team, slug_validator
from accounts.selectors import membership_role, user_get

ROLE_HELP = ("Members read the organisation's projects that are not restricted to teams; "
             "admins manage members, teams, projects, tokens and settings; owners also "
             "manage owners.")


def role_choices(may_manage_owners: bool) -> list[tuple[str, str]]:
    """The roles someone may give: owners only by an owner."""
    roles = [OrgRole.MEMBER, OrgRole.ADMIN] + ([OrgRole.OWNER] if may_manage_owners else [])
    return [(role.value, role.value) for role in roles]


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address",
                             help_text="We send a link there; it works for 7 days.")
    role = forms.ChoiceField(label="Role", help_text=ROLE_HELP)

    def __init__(self, *args, may_manage_owners: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(may_manage_owners)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", help_text=ROLE_HELP)

    def __init__(self, *args, may_manage_owners: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(may_manage_owners)


TEAM_NAME_LENGTH = Team._meta.get_field("name").max_length


class TeamCreateForm(forms.Form):
    slug = forms.CharField(max_length=50, validators=[slug_validator], label="Slug",
                           help_text="Lowercase letters, digits and hyphens; it names the team "
                                     "in URLs and the API and never changes.")
    name = forms.CharField(max_length=TEAM_NAME_LENGTH, required=False, label="Name",
                           help_text="Shown to people; the slug when empty.")


class TeamRenameForm(forms.Form):
    name = forms.CharField(max_length=TEAM_NAME_LENGTH, label="Name")


class TeamMemberForm(forms.Form):
    """Adds a member of the org to a team. Whoever is not a member (no such user, a
    disabled one, someone of another org) gets the same message: no oracle of usernames."""

    username = forms.CharField(max_length=150, label="Username",
                               help_text="A member of the organisation.")

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = user_get(username)
        if user is None or membership_role(self.org, user) is None:
            raise forms.ValidationError(f"“{username}” is not a member of {self.org.slug}.")
        return user


EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"),
                  ("", "Never (revoke it by hand)")]


class TokenCreateForm(forms.Form):
    """An org-owned token, for CI: it belongs to the organisation, not to a person."""

    description = forms.CharField(max_length=200, label="Description",
                                  help_text="Where it is used, e.g. “release pipeline”.")
    permission = forms.ChoiceField(
        choices=[(p.value, p.value) for p in Permission], initial=Permission.UPLOAD.value,
        label="Permission",
        help_text="read installs; upload also uploads and yanks (and creates projects); admin "
                  "also manages the organisation through the API.")
    projects = forms.CharField(
        max_length=2000, required=False, label="Projects",
        help_text="Project names separated by commas or spaces. Leave it empty for every "
                  "project of the organisation.")
    expires_days = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", required=False,
                                     label="Expires after")

    def clean_projects(self) -> list[str]:
        names = self.cleaned_data["projects"].replace(",", " ").split()
        invalid = []
        for name in names:
            try:
                canonicalize_name(name, validate=True)
            except InvalidName:
                invalid.append(name)
        if invalid:
            raise forms.ValidationError(
                f"Not a valid project name: {', '.join(invalid)}. Names use letters, digits "
                "and . _ - between them.")
        return names

    def clean_expires_days(self) -> int | None:
        value = self.cleaned_data["expires_days"]
        return int(value) if value else None


class AuditFilterForm(forms.Form):
    """The audit log's filters (a GET form: every field is optional)."""

    action = forms.ChoiceField(required=False, label="Action")
    actor = forms.CharField(max_length=150, required=False, label="By (username)")
    project = forms.CharField(max_length=200, required=False, label="Project")

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        groups = sorted({action.split(".")[0] for action in actions})
        self.fields["action"].choices = [("", "Any action")] + [
            (group, f"{group}.*") for group in groups] + [(a, a) for a in sorted(actions)]
