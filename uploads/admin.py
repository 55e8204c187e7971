from django.contrib import admin

from uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "org", "status", "size", "user", "token", "ip", "created_at",
                    "finished_at"]
    list_filter = ["status"]
    search_fields = ["filename", "project_name", "org__slug", "sha256_digest"]
    readonly_fields = [f.name for f in Upload._meta.fields]

    def has_add_permission(self, request):
        return False
