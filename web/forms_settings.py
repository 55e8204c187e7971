"""Forms of the org settings pages: the settings themselves, and the confirmation that deletes
the org. The rules are ``accounts.services.org_update``'s (``web.forms_projects.report`` puts
its refusals beside the fields)."""

from django import forms

from accounts.models import Organization
from web.forms_projects import VISIBILITY_CHOICES, mib, size_limit_field


class OrgSettingsForm(forms.Form):
    name = forms.CharField(max_length=Organization._meta.get_field("name").max_length,
                           label="Display name",
                           help_text="The slug, which is in every URL, stays as it is.")
    default_visibility = forms.ChoiceField(
        choices=VISIBILITY_CHOICES, widget=forms.RadioSelect,
        label="Visibility of new projects",
        help_text="Existing projects keep theirs.")
    members_can_create_projects = forms.BooleanField(
        required=False, label="Members may create projects",
        help_text="Through this site, the API, or by uploading a new name with a token. Owners "
                  "and admins always may.")
    max_file_size = size_limit_field(
        "Largest file, in MiB",
        "Empty: the registry's default applies. A project may set its own limit; none goes "
        "above the registry's cap.")

    def __init__(self, *args, org: Organization, **kwargs):
        kwargs["initial"] = {
            "name": org.name, "default_visibility": org.default_visibility,
            "members_can_create_projects": org.members_can_create_projects,
            "max_file_size": mib(org.max_file_size)}
        super().__init__(*args, **kwargs)


class ConfirmSlugForm(forms.Form):
    """The org's slug typed again before the org is deleted for good."""

    slug = forms.CharField(max_length=50, label="Type the organisation's slug to confirm")

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.fields["slug"].help_text = f"Type {expected} exactly as shown."

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug != self.expected:
            raise forms.ValidationError(
                f"That is not the organisation's slug: type {self.expected} exactly.")
        return slug
