"""Forms of the package pages. Each validates input only; the views call the services."""

from django import forms

from registry.models import Release


class YankForm(forms.Form):
    reason = forms.CharField(
        max_length=Release._meta.get_field("yanked_reason").max_length, required=False,
        label="Reason",
        help_text="Installers show it to whoever pins this version (pip prints it).")


class ConfirmNameForm(forms.Form):
    """Asks the person to type a name again before something is deleted for good."""

    name = forms.CharField(max_length=200, label="Type the project's name to confirm")

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.fields["name"].help_text = f"Type {expected} exactly as shown."

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name != self.expected:
            raise forms.ValidationError(
                f"That is not the project's name: type {self.expected} exactly.")
        return name
