from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from accounts.capabilities import OrgRole, Permission, Visibility

RESERVED_ORG_SLUGS = frozenset(
    {"api", "admin", "accounts", "static", "media", "healthz", "readyz", "simple", "files",
     "legacy", "pypi", "-"}
)

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1-50 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)


def validate_org_slug(value: str) -> None:
    slug_validator(value)
    if value in RESERVED_ORG_SLUGS:
        raise ValidationError(f"'{value}' is reserved and cannot be an organisation slug.")


class User(AbstractUser):
    """The instance's users. A custom model from the first migration, so it can grow."""

    # The address that a signed link sent to it proved (accounts.verification), and when.
    # The account's address counts only while it is still that address: a change by any
    # path (the settings page, the admin, a bulk update) leaves it unverified.
    verified_email = models.EmailField(blank=True, editable=False)
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def has_verified_email(self) -> bool:
        """Whether the account's current address is the one a verification link proved."""
        return bool(self.email) and self.email.casefold() == self.verified_email.casefold()


class Organization(models.Model):
    slug = models.CharField(max_length=50, unique=True, validators=[validate_org_slug])
    name = models.CharField(max_length=200)
    default_visibility = models.CharField(
        max_length=10, choices=[(v.value, v.value) for v in Visibility],
        default=Visibility.PRIVATE,
    )
    members_can_create_projects = models.BooleanField(default=True)
    max_file_size = models.BigIntegerField(null=True, blank=True)
    # Bytes of the org's distribution files, kept by registry.usage for the upload quota.
    used_bytes = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=10, choices=[(r.value, r.value) for r in OrgRole], default=OrgRole.MEMBER
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.org} ({self.role})"


class Team(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    slug = models.CharField(max_length=50, validators=[slug_validator])
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "slug"], name="unique_team_slug")]

    def __str__(self) -> str:
        return f"{self.org}/{self.slug}"


class ApiToken(models.Model):
    """An API token. Only a hash of its secret is stored; the token is shown once."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tokens")
    # None: an org-owned service token (for CI; it outlives any one person).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="tokens",
    )
    key_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    # Normalised project names; empty means the whole org. Names, not foreign keys, so a
    # token may be scoped to a project that does not exist yet.
    projects = models.JSONField(default=list, blank=True)
    permission = models.CharField(
        max_length=10, choices=[(p.value, p.value) for p in Permission], default=Permission.READ
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The token that created this one through the API: this one never outlives it and is
    # revoked (or deleted) with it.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.org}, {self.permission})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def covers(self, normalized_name: str) -> bool:
        return not self.projects or normalized_name in self.projects


class AuditEvent(models.Model):
    """Who did what, when, from where; written by every service that changes state."""

    org = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    org_slug = models.CharField(max_length=50, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Invitation(models.Model):
    """An invitation to join an org, by username or by email; only a hash of its key is kept."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(blank=True)
    role = models.CharField(
        max_length=10, choices=[(r.value, r.value) for r in OrgRole], default=OrgRole.MEMBER
    )
    key_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.invitee or self.email} to {self.org} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """The status as the invitee sees it: a pending invitation past its expiry is expired."""
        if self.status == InvitationStatus.PENDING and self.is_expired:
            return "expired"
        return self.status
