from django.contrib import admin

from registry.models import File, FilenameRecord, ProhibitedName, Project, ProjectGrant, Release


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0
    fields = ["version", "yanked", "yanked_reason", "created_at"]
    readonly_fields = ["created_at"]
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "org", "visibility", "status", "restricted", "last_serial",
                    "created_at"]
    list_filter = ["visibility", "status", "restricted"]
    search_fields = ["name", "normalized_name", "org__slug"]
    readonly_fields = ["normalized_name", "last_serial"]
    inlines = [ReleaseInline]


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = ["filename", "packagetype", "size", "quarantined", "uploaded_at"]
    readonly_fields = ["filename", "packagetype", "size", "uploaded_at"]
    show_change_link = True


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "yanked", "created_at"]
    list_filter = ["yanked"]
    search_fields = ["project__name", "project__org__slug", "version"]
    raw_id_fields = ["project"]
    inlines = [FileInline]


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ["filename", "org", "packagetype", "size", "quarantined", "uploader",
                    "uploaded_at"]
    list_filter = ["packagetype", "quarantined"]
    search_fields = ["filename", "sha256_digest", "org__slug"]
    readonly_fields = ["md5_digest", "sha256_digest", "blake2_256_digest", "path",
                       "metadata_sha256", "size"]
    raw_id_fields = ["release", "uploader", "uploaded_with"]


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
