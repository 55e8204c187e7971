from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from accounts import token_facts
from accounts.authentication import client_ip
from accounts.capabilities import Permission
from accounts.models import ApiToken, AuditEvent, Membership, Organization, Team, User
from accounts.principals import Principal
from accounts.services import token_create, token_revoke

admin.site.site_header = "Wheelhouse moderation"
admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "default_visibility", "members_can_create_projects",
                    "created_at"]
    list_filter = ["default_visibility", "members_can_create_projects"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "org__slug"]
    raw_id_fields = ["user", "org"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["slug", "org", "name", "created_at"]
    search_fields = ["slug", "name", "org__slug"]
    list_filter = ["org"]
    filter_horizontal = ["members"]


def _moderator(request) -> Principal:
    return Principal(user=request.user, ip=client_ip(request))


@admin.action(description="Revoke the selected tokens (and the tokens created with them)",
              permissions=["revoke"])
def revoke_tokens(modeladmin, request, queryset):
    for token in queryset.select_related("org"):
        token_revoke(token=token, principal=_moderator(request))


class TokenCreateForm(forms.Form):
    """What the token service needs; names rather than lists, which would hold every user."""

    org = forms.SlugField(label="Organisation", help_text="The organisation's slug.")
    user = forms.CharField(required=False, label="Owner",
                           help_text="Username of a member; empty for an organisation token "
                                     "(for CI: it outlives any one person).")
    permission = forms.ChoiceField(choices=[(p.value, p.value) for p in Permission])
    projects = forms.CharField(required=False,
                               help_text="Comma-separated project names; empty for the whole "
                                         "organisation.")
    expires_days = forms.IntegerField(required=False, min_value=1,
                                      help_text="Days until it expires; empty for never.")
    description = forms.CharField(required=False, max_length=200)

    def clean_org(self):
        org = Organization.objects.filter(slug=self.cleaned_data["org"]).first()
        if org is None:
            raise ValidationError(f"No organisation {self.cleaned_data['org']}.")
        return org

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        user = User.objects.filter(username=username).first() if username else None
        if username and user is None:
            raise ValidationError(f"No user {username}.")
        return user

    def clean_projects(self):
        return [name.strip() for name in self.cleaned_data["projects"].split(",")
                if name.strip()]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by the token service (the secret is shown once, on the answer to the
    form) and revoked by it; nothing else about a token is edited here."""

    list_display = ["key_id", "org", "user", "permission", "description", "created_at",
                    "expires_at", "revoked_at", "last_used_at", "last_used_ip"]
    list_filter = ["permission", "org", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["key_id", "description", "user__username", "org__slug"]
    exclude = ["secret_hash"]
    actions = [revoke_tokens]

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        token_facts.facts_drop([obj.key_id])  # the cache front forgets it at once
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        token_facts.facts_drop(queryset.values_list("key_id", flat=True))
        super().delete_queryset(request, queryset)

    def has_revoke_permission(self, request):
        # Revoking is the one change a token takes here: Django's change permission.
        return request.user.has_perm("accounts.change_apitoken")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TokenCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                token, secret = token_create(principal=_moderator(request), **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self._page(request, "admin/accounts/apitoken/created.html",
                                  "Token created", token=token, secret=secret)
        return self._page(request, "admin/accounts/apitoken/create.html", "Add API token",
                          form=form)

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": title, **context})


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "org_slug", "action", "target", "actor", "token", "ip"]
    list_filter = ["action"]
    search_fields = ["org_slug", "action", "target", "actor__username"]
    date_hierarchy = "created_at"

    # Append-only: written by the services, read here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
