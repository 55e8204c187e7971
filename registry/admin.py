from django.contrib import admin, messages

from accounts.authentication import client_ip
from accounts.principals import Principal
from registry import moderation
from registry.models import File, FilenameRecord, ProhibitedName, Project, ProjectGrant, Release
from registry.services import file_delete, release_delete, release_yank


def _moderator(request) -> Principal:
    return Principal(user=request.user, ip=client_ip(request))


def _done(modeladmin, request, count: int, what: str) -> None:
    modeladmin.message_user(request, f"{what}: {count}.", messages.SUCCESS)


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0
    fields = ["version", "yanked", "yanked_reason", "created_at"]
    readonly_fields = ["yanked", "yanked_reason", "created_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "org", "visibility", "status", "restricted", "last_serial",
                    "created_at"]
    list_filter = ["visibility", "status", "restricted"]
    search_fields = ["name", "normalized_name", "org__slug"]
    readonly_fields = ["normalized_name", "last_serial", "status", "status_reason"]
    inlines = [ReleaseInline]
    actions = ["quarantine", "unquarantine"]

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
    readonly_fields = ["filename", "packagetype", "size", "quarantined", "uploaded_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "yanked", "created_at"]
    list_filter = ["yanked"]
    search_fields = ["project__name", "project__org__slug", "version"]
    raw_id_fields = ["project"]
    readonly_fields = ["yanked", "yanked_reason"]
    inlines = [FileInline]
    actions = ["yank", "unyank"]

    def has_add_permission(self, request):
        return False  # releases come from uploads

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
    readonly_fields = ["md5_digest", "sha256_digest", "blake2_256_digest", "path",
                       "metadata_sha256", "size", "quarantined"]
    raw_id_fields = ["release", "uploader", "uploaded_with"]
    actions = ["quarantine", "unquarantine"]

    def has_add_permission(self, request):
        return False  # files come from uploads, with their blobs

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


# The upstream indexes' admin pages live with them (registry.upstream.admin).
from registry.upstream import admin as upstream_admin  # noqa: E402, F401
