"""Shapes of the accounts part of the management API (no logic: services decide)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.capabilities import OrgRole, Permission, Visibility
from accounts.models import ApiToken, AuditEvent, Invitation, Membership, Organization, Team

ROLES = [r.value for r in OrgRole]
PERMISSIONS = [p.value for p in Permission]
VISIBILITIES = [v.value for v in Visibility]


class OrgSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "default_visibility", "members_can_create_projects",
                  "max_file_size", "created_at"]


class OrgCreateSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200, required=False, default="")
    default_visibility = serializers.ChoiceField(VISIBILITIES, default=Visibility.PRIVATE.value)


class OrgUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    default_visibility = serializers.ChoiceField(VISIBILITIES, required=False)
    members_can_create_projects = serializers.BooleanField(required=False)
    max_file_size = serializers.IntegerField(
        required=False, allow_null=True,
        help_text="Bytes; null: the instance's default. At most the instance's cap.")


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")

    class Meta:
        model = Membership
        fields = ["username", "email", "role", "created_at"]


class MemberAddSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(ROLES, default=OrgRole.MEMBER.value)


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(ROLES)


class InvitationSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="org.slug")
    username = serializers.CharField(source="invitee.username", allow_null=True, default=None)
    inviter = serializers.CharField(source="inviter.username", allow_null=True, default=None)
    state = serializers.ChoiceField(["pending", "accepted", "declined", "cancelled", "expired"])

    class Meta:
        model = Invitation
        fields = ["id", "org", "username", "email", "role", "state", "inviter", "created_at",
                  "expires_at", "responded_at"]


class InvitationCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, required=False, default="")
    email = serializers.EmailField(required=False, default="")
    role = serializers.ChoiceField(ROLES, default=OrgRole.MEMBER.value)

    def validate(self, attrs):
        if bool(attrs["username"]) == bool(attrs["email"]):
            raise serializers.ValidationError("Give either a username or an email address.")
        return attrs


class InvitationAnswerSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True,
        help_text="The key from the invitation email's link (the last part of "
                  "/accounts/invitations/{key}/). Required to accept an invitation sent to "
                  "an email address (your account's verified address must be that one).")


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["slug", "name", "members", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_members(self, team) -> list[str]:
        return sorted(user.username for user in team.members.all())


class TeamCreateSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200, required=False, default="")


class TeamUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class TokenSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="org.slug")
    owner = serializers.CharField(source="user.username", allow_null=True, default=None,
                                  help_text="The owning user; null for an org service token.")
    projects = serializers.ListField(child=serializers.CharField(),
                                     help_text="Normalised project names; empty: the whole org.")
    active = serializers.BooleanField(source="is_active")
    parent = serializers.CharField(
        source="parent.key_id", allow_null=True, default=None,
        help_text="The token that created this one (it never outlives that token and is "
                  "revoked with it); null when a person or an operator created it.")

    class Meta:
        model = ApiToken
        fields = ["key_id", "org", "owner", "permission", "projects", "description", "active",
                  "created_at", "expires_at", "revoked_at", "last_used_at", "last_used_ip",
                  "parent"]


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The token itself. It is shown only this once.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class TokenCreateSerializer(serializers.Serializer):
    owner = serializers.ChoiceField(["me", "org"], default="me",
                                    help_text="'me': a token of yours; 'org': a service token "
                                              "of the org (for CI), which outlives any person.")
    permission = serializers.ChoiceField(PERMISSIONS, default=Permission.READ.value)
    projects = serializers.ListField(child=serializers.CharField(max_length=200), default=list,
                                     max_length=100)
    expires_days = serializers.IntegerField(min_value=1, max_value=3650, required=False,
                                            allow_null=True, default=None)
    description = serializers.CharField(max_length=200, required=False, default="")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    token = serializers.CharField(source="token.key_id", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "target", "actor", "token", "ip", "data"]


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
