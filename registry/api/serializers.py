"""Shapes of the registry part of the management API (no logic: services decide)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import PERMISSIONS, VISIBILITIES
from registry.models import File, Project, ProjectGrant, Release


class ProjectSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="org.slug")

    class Meta:
        model = Project
        fields = ["org", "name", "normalized_name", "visibility", "restricted", "status",
                  "status_reason", "last_serial", "created_at"]


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    visibility = serializers.ChoiceField(VISIBILITIES, required=False,
                                         help_text="The org's default when left out.")
    restricted = serializers.BooleanField(
        default=False, help_text="Readable only through grants, not by every org member.")


class ProjectUpdateSerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(VISIBILITIES, required=False)
    restricted = serializers.BooleanField(required=False)


class GrantSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    user = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = ProjectGrant
        fields = ["id", "team", "user", "permission", "created_at"]


class GrantCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=50, required=False, default="",
                                 help_text="A team slug (give a team or a user).")
    user = serializers.CharField(max_length=150, required=False, default="",
                                 help_text="A username (give a team or a user).")
    permission = serializers.ChoiceField(PERMISSIONS)

    def validate(self, attrs):
        if bool(attrs["team"]) == bool(attrs["user"]):
            raise serializers.ValidationError("Give either a team or a user.")
        return attrs


class GrantUpdateSerializer(serializers.Serializer):
    permission = serializers.ChoiceField(PERMISSIONS)


class FileSerializer(serializers.ModelSerializer):
    version = serializers.CharField(source="release.version")
    url = serializers.SerializerMethodField()

    class Meta:
        model = File
        fields = ["filename", "version", "packagetype", "python_version", "requires_python",
                  "size", "sha256_digest", "blake2_256_digest", "quarantined", "uploaded_at",
                  "url"]

    @extend_schema_field(serializers.CharField())
    def get_url(self, file) -> str:
        from registry.storage import url_path

        return f"/{file.org.slug}/files/{url_path(file.blake2_256_digest, file.filename)}"


class ReleaseSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["version", "created_at", "yanked", "yanked_reason", "requires_python",
                  "files"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_files(self, release) -> list[str]:
        shown = self.context.get("show_quarantined", False)  # the view decides; hidden if not
        return sorted(file.filename for file in release.files.all()
                      if shown or not file.quarantined)


class YankSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, default="")


class DeletedFilesSerializer(serializers.Serializer):
    detail = serializers.CharField()
    filenames = serializers.ListField(
        child=serializers.CharField(),
        help_text="These filenames stay used: they can never be uploaded again in this org.")
