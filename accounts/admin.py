from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.authentication import client_ip
from accounts.models import ApiToken, AuditEvent, Membership, Organization, Team, User
from accounts.principals import Principal
from accounts.services import token_revoke

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


@admin.action(description="Revoke the selected tokens (and the tokens created with them)")
def revoke_tokens(modeladmin, request, queryset):
    principal = Principal(user=request.user, ip=client_ip(request))
    for token in queryset.select_related("org"):
        token_revoke(token=token, principal=principal)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["key_id", "org", "user", "permission", "description", "created_at",
                    "expires_at", "revoked_at", "last_used_at", "last_used_ip"]
    list_filter = ["permission", "org", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["key_id", "description", "user__username", "org__slug"]
    readonly_fields = ["key_id", "secret_hash", "last_used_at", "last_used_ip", "created_at",
                       "parent"]
    actions = [revoke_tokens]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "org_slug", "action", "target", "actor", "token", "ip"]
    list_filter = ["action"]
    search_fields = ["org_slug", "action", "target", "actor__username"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
