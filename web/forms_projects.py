"""Forms of the project administration pages: create a project, its settings, its status, its
grants. Each checks the shape of the input only; the rules (names, the size cap, who may be
granted) are the services', whose ValidationError ``report`` puts beside the field it names.
"""

from django import forms
from django.core.exceptions import ValidationError

from accounts.capabilities import Permission, Visibility
from registry.models import Project, ProjectStatus
from registry.services import SETTABLE_STATUSES

MIB = 1024 * 1024

VISIBILITY_CHOICES = [
    (Visibility.PRIVATE.value, "Private: the organisation's members (only the teams and users "
                               "granted, when restricted)"),
    (Visibility.INTERNAL.value, "Internal: also everyone signed in who belongs to an "
                                "organisation of this registry"),
    (Visibility.PUBLIC.value, "Public: anyone, anonymous pip and uv included"),
]
STATUS_LABELS = {
    ProjectStatus.ACTIVE: "Active: accepts uploads",
    ProjectStatus.ARCHIVED: "Archived: accepts no new uploads; installers still install it",
    ProjectStatus.DEPRECATED: "Deprecated: still accepts uploads; installers may warn its users",
}
PERMISSION_CHOICES = [
    (Permission.READ.value, "read"),
    (Permission.UPLOAD.value, "upload (read, upload, yank)"),
    (Permission.ADMIN.value, "admin (upload, settings, grants, delete)"),
]
RESTRICTED_HELP = ("Org owners and admins always read it. Restriction matters for private "
                   "projects: internal and public ones are readable more widely anyway.")


def report(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on ``form``: each message beside the field it names
    (when the form has that field), the others on ``field`` or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(field, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else field, messages)


def mib(limit: int | None) -> int | None:
    """A limit in bytes as the forms show it, in whole MiB (rounded up)."""
    return None if limit is None else -(-limit // MIB)


def size_limit_field(label: str, help_text: str) -> forms.IntegerField:
    """A per-file size limit in MiB; empty for none. The bounds are the service's to check."""
    return forms.IntegerField(required=False, label=label, help_text=help_text,
                              widget=forms.NumberInput(attrs={"min": 1}))


def changed_settings(form: forms.Form) -> dict:
    """The values the person changed, as the services take them (limits in bytes)."""
    values = {name: form.cleaned_data[name] for name in form.changed_data}
    if values.get("max_file_size") is not None:
        values["max_file_size"] *= MIB
    return values


class ProjectCreateForm(forms.Form):
    name = forms.CharField(
        max_length=Project._meta.get_field("name").max_length, label="Project name",
        help_text="As in your package's metadata (Name); pip and uv find it under its "
                  "normalised form.")
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES, widget=forms.RadioSelect)
    restricted = forms.BooleanField(
        required=False, label="Restricted to the teams and users granted",
        help_text=RESTRICTED_HELP)

    def __init__(self, *args, default_visibility: str, **kwargs):
        kwargs["initial"] = {"visibility": default_visibility, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)


class ProjectSettingsForm(forms.Form):
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES, widget=forms.RadioSelect)
    restricted = forms.BooleanField(
        required=False, label="Restricted to the teams and users granted below",
        help_text=RESTRICTED_HELP)
    max_file_size = size_limit_field(
        "Largest file, in MiB",
        "Empty: the organisation's limit applies. This project's own limit may be larger or "
        "smaller than the organisation's, never above the registry's cap.")

    def __init__(self, *args, project: Project, **kwargs):
        kwargs["initial"] = {"visibility": project.visibility, "restricted": project.restricted,
                             "max_file_size": mib(project.max_file_size)}
        super().__init__(*args, **kwargs)


class ProjectStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, STATUS_LABELS[s]) for s in SETTABLE_STATUSES],
        widget=forms.RadioSelect)
    status_reason = forms.CharField(
        max_length=Project._meta.get_field("status_reason").max_length, required=False,
        label="Reason", help_text="Shown on the project page and in the index (PEP 792).")


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.slug if obj.name == obj.slug else f"{obj.slug} ({obj.name})"


class TeamGrantForm(forms.Form):
    team = TeamChoiceField(queryset=None, to_field_name="slug", empty_label=None)
    permission = forms.ChoiceField(choices=PERMISSION_CHOICES)

    def __init__(self, *args, teams, **kwargs):
        kwargs.setdefault("prefix", "team")  # field ids apart from UserGrantForm's
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class UserGrantForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username",
                               help_text="A member of the organisation.")
    permission = forms.ChoiceField(choices=PERMISSION_CHOICES)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "user")
        super().__init__(*args, **kwargs)


class GrantPermissionForm(forms.Form):
    permission = forms.ChoiceField(choices=PERMISSION_CHOICES)
