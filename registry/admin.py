"""The moderators' admin. Every change that a cached page or a size counter depends on goes
through the services (``registry.services``, ``registry.moderation``), which keep both;
what the services do not offer is read-only here."""

from django import forms
from django.contrib import admin, messages

from accounts import admin as accounts_admin
from accounts import services as account_services
from accounts.authentication import client_ip
from accounts.models import Organization
from accounts.principals import Principal
from registry import moderation, services
from registry.models import File, FilenameRecord, ProhibitedName, Project, ProjectGrant, Release
from registry.services import file_delete, release_delete, release_yank

# What a moderator edits on a project's page (the status is the quarantine actions').
PROJECT_FIELDS = ("visibility", "restricted", "max_file_size")


def _moderator(request) -> Principal:
    return Principal(user=request.user, ip=client_ip(request))


def _done(modeladmin, request, count: int, what: str) -> None:
    modeladmin.message_user(request, f"{what}: {count}.", messages.SUCCESS)


def _every_field(model) -> list[str]:
    return [field.name for field in model._meta.fields]


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0
    fields = ["version", "yanked", "yanked_reason", "created_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False  # deleted through the release's page, by the service

    def has_add_permission(self, request, obj=None):
        return False


class ProjectForm(forms.ModelForm):
    def clean_max_file_size(self):
        limit = self.cleaned_data["max_file_size"]
        account_services.file_size_limit_check(limit)
        return limit


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectForm
    list_display = ["name", "org", "visibility", "status", "restricted", "last_serial",
                    "created_at"]
    list_filter = ["visibility", "status", "restricted"]
    search_fields = ["name", "normalized_name", "org__slug"]
    inlines = [ReleaseInline]
    actions = ["quarantine", "unquarantine"]

    def has_add_permission(self, request):
        return False  # projects come from their org: the API, the web UI, an upload

    def get_readonly_fields(self, request, obj=None):
        return [name for name in _every_field(Project) if name not in PROJECT_FIELDS]

    def save_model(self, request, obj, form, change):
        # The settings service on the row as stored: it records what changed, bumps the
        # serial and drops the cached pages.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        stored = Project.objects.select_related("org").get(pk=obj.pk)
        services.project_update(project=stored, principal=_moderator(request), **changes)

    def delete_model(self, request, obj):
        services.project_delete(project=obj, principal=_moderator(request))

    def delete_queryset(self, request, queryset):
        for project in queryset.select_related("org"):
            services.project_delete(project=project, principal=_moderator(request))

    @admin.action(description="Quarantine: hide from the index, JSON API and downloads")
    def quarantine(self, request, queryset):
        for project in queryset:
            moderation.project_quarantine(project=project, reason="Quarantined by a moderator.",
                                          principal=_moderator(request))
        _done(self, request, queryset.count(), "Quarantined projects")

    @admin.action(description="Release from quarantine")
    def unquarantine(self, request, queryset):
        for project in queryset:
            moderation.project_unquarantine(project=project, principal=_moderator(request))
        _done(self, request, queryset.count(), "Released projects")


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = ["filename", "packagetype", "size", "quarantined", "uploaded_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False  # deleted through the file's page, by the service

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "yanked", "created_at"]
    list_filter = ["yanked"]
    search_fields = ["project__name", "project__org__slug", "version"]
    inlines = [FileInline]
    actions = ["yank", "unyank"]

    def has_add_permission(self, request):
        return False  # releases come from uploads

    def get_readonly_fields(self, request, obj=None):
        return _every_field(Release)  # yanked through the actions, changed by no one

    # Through the service: the blobs go too, the filenames stay used, the audit log says so.
    def delete_model(self, request, obj):
        release_delete(release=obj, principal=_moderator(request))

    def delete_queryset(self, request, queryset):
        for release in queryset.select_related("project__org"):
            release_delete(release=release, principal=_moderator(request))

    @admin.action(description="Yank (pip and uv skip it unless pinned)")
    def yank(self, request, queryset):
        for release in queryset.select_related("project__org"):
            release_yank(release=release, reason="Yanked by a moderator.",
                         principal=_moderator(request))
        _done(self, request, queryset.count(), "Yanked releases")

    @admin.action(description="Un-yank")
    def unyank(self, request, queryset):
        for release in queryset.select_related("project__org"):
            release_yank(release=release, undo=True, principal=_moderator(request))
        _done(self, request, queryset.count(), "Un-yanked releases")


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ["filename", "org", "packagetype", "size", "quarantined", "uploader",
                    "uploaded_at"]
    list_filter = ["packagetype", "quarantined"]
    search_fields = ["filename", "sha256_digest", "org__slug"]
    actions = ["quarantine", "unquarantine"]

    def has_add_permission(self, request):
        return False  # files come from uploads, with their blobs

    def get_readonly_fields(self, request, obj=None):
        return _every_field(File)  # quarantined through the actions, changed by no one

    def delete_model(self, request, obj):
        file_delete(file=obj, principal=_moderator(request))

    def delete_queryset(self, request, queryset):
        for file in queryset.select_related("release__project__org"):
            file_delete(file=file, principal=_moderator(request))

    @admin.action(description="Quarantine: hide from the index, JSON API and downloads")
    def quarantine(self, request, queryset):
        for file in queryset.select_related("release__project__org"):
            moderation.file_quarantine(file=file, reason="Quarantined by a moderator.",
                                       principal=_moderator(request))
        _done(self, request, queryset.count(), "Quarantined files")

    @admin.action(description="Release from quarantine")
    def unquarantine(self, request, queryset):
        for file in queryset.select_related("release__project__org"):
            moderation.file_unquarantine(file=file, principal=_moderator(request))
        _done(self, request, queryset.count(), "Released files")


@admin.register(FilenameRecord)
class FilenameRecordAdmin(admin.ModelAdmin):
    list_display = ["filename", "org", "created_at"]
    search_fields = ["filename", "org__slug"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProjectGrant)
class ProjectGrantAdmin(admin.ModelAdmin):
    list_display = ["project", "team", "user", "permission", "created_at"]
    list_filter = ["permission"]
    search_fields = ["project__name", "team__slug", "user__username"]
    raw_id_fields = ["project", "team", "user"]


@admin.register(ProhibitedName)
class ProhibitedNameAdmin(admin.ModelAdmin):
    list_display = ["normalized_name", "reason", "created_at"]
    search_fields = ["normalized_name", "reason"]


# The org's page, from accounts, with the two changes cached pages depend on made safe: the
# slug names the org's URLs (and its cached pages), so it is fixed once the org exists, and
# deleting goes through the registry's service, which drops the org's pages.
admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationAdmin(accounts_admin.OrganizationAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def delete_model(self, request, obj):
        services.org_delete(org=obj, principal=_moderator(request))

    def delete_queryset(self, request, queryset):
        for org in queryset:
            services.org_delete(org=org, principal=_moderator(request))


# The upstream indexes' admin pages live with them (registry.upstream.admin).
from registry.upstream import admin as upstream_admin  # noqa: E402, F401
