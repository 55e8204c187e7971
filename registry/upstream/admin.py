"""Django admin pages of upstream indexes, patterns, policies and the proxy cache."""

from django import forms
from django.contrib import admin

from registry.models import (
    HeldName,
    Upstream,
    UpstreamFile,
    UpstreamPage,
    UpstreamPattern,
    UpstreamPolicy,
)
from registry.upstream import credentials


class UpstreamAdminForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    new_password = forms.CharField(required=False, widget=forms.PasswordInput,
                                   help_text="Stored encrypted; empty keeps the current one.")

    class Meta:
        model = Upstream
        fields = ["org", "url", "position", "username", "trusted"]

    def save(self, commit=True):
        if self.cleaned_data.get("new_password"):
            self.instance.password_encrypted = credentials.encrypt(
                self.cleaned_data["new_password"])
        return super().save(commit)


@admin.register(Upstream)
class UpstreamAdmin(admin.ModelAdmin):
    form = UpstreamAdminForm
    list_display = ["org", "position", "url", "username", "created_at"]
    search_fields = ["org__slug", "url"]
    raw_id_fields = ["org"]


@admin.register(UpstreamPattern)
class UpstreamPatternAdmin(admin.ModelAdmin):
    list_display = ["org", "kind", "pattern", "created_at"]
    list_filter = ["kind"]
    search_fields = ["org__slug", "pattern"]
    raw_id_fields = ["org"]


@admin.register(UpstreamPolicy)
class UpstreamPolicyAdmin(admin.ModelAdmin):
    list_display = ["org", "allow_list_only", "refusals"]
    readonly_fields = ["refusals"]
    raw_id_fields = ["org"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HeldName)
class HeldNameAdmin(_ReadOnlyAdmin):
    list_display = ["normalized_name", "org", "created_at"]
    search_fields = ["normalized_name", "org__slug"]

    def has_delete_permission(self, request, obj=None):
        return False  # a name once held stays the org's: never proxied


@admin.register(UpstreamPage)
class UpstreamPageAdmin(_ReadOnlyAdmin):
    list_display = ["normalized_name", "org", "upstream_url", "fetched_at"]
    search_fields = ["normalized_name", "org__slug"]
    exclude = ["data"]


@admin.register(UpstreamFile)
class UpstreamFileAdmin(_ReadOnlyAdmin):
    list_display = ["filename", "org", "size", "last_used_at"]
    search_fields = ["filename", "org__slug"]
