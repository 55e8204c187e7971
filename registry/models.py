from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.capabilities import Permission, Visibility
from accounts.models import ApiToken, Organization, Team


class ProjectStatus(models.TextChoices):
    """PEP 792 project status markers (``quarantined`` also hides it from the index)."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    QUARANTINED = "quarantined"
    DEPRECATED = "deprecated"


class Project(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200)
    visibility = models.CharField(
        max_length=10, choices=[(v.value, v.value) for v in Visibility],
        default=Visibility.PRIVATE,
    )
    status = models.CharField(
        max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=300, blank=True)
    # Restricted projects are readable only through grants, not by every org member.
    restricted = models.BooleanField(default=False)
    max_file_size = models.BigIntegerField(null=True, blank=True)
    last_serial = models.BigIntegerField(default=0)
    # Bytes of the project's distribution files, kept by registry.usage for the upload quota.
    used_bytes = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["normalized_name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "normalized_name"], name="unique_project_name")
        ]
        # Every upload asks for the largest per-project file limit of its org.
        indexes = [models.Index(fields=["org", "max_file_size"], name="project_org_limit")]

    def __str__(self) -> str:
        return f"{self.org.slug}/{self.name}"


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=100)  # normalised PEP 440, as first uploaded
    # packaging's canonicalize_version (trailing zeros stripped): "1.0" and "1.0.0" are one
    # release, as on PyPI.
    canonical_version = models.CharField(max_length=100, db_index=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    yanked = models.BooleanField(default=False)
    yanked_reason = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    requires_python = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_content_type = models.CharField(max_length=100, blank=True)
    description_html = models.TextField(blank=True)
    description_renderer = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_release_version")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.version}"


class PackageType(models.TextChoices):
    SDIST = "sdist"
    WHEEL = "bdist_wheel"


class File(models.Model):
    """A distribution file. ``(org, filename)`` is unique in the org."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="files")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=300)
    packagetype = models.CharField(max_length=20, choices=PackageType.choices)
    python_version = models.CharField(max_length=100)
    requires_python = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField()
    md5_digest = models.CharField(max_length=32)
    sha256_digest = models.CharField(max_length=64, db_index=True)
    blake2_256_digest = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    metadata_sha256 = models.CharField(max_length=64, blank=True)
    quarantined = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_with = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["filename"]
        constraints = [
            models.UniqueConstraint(fields=["org", "filename"], name="unique_file_name")
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def has_metadata(self) -> bool:
        return bool(self.metadata_sha256)


class FilenameRecord(models.Model):
    """Every filename ever published in an org, kept after deletion: never reusable."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=300)
    sha256_digest = models.CharField(max_length=64)
    blake2_256_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "filename"], name="unique_filename_record")
        ]

    def __str__(self) -> str:
        return self.filename


class ProjectGrant(models.Model):
    """A project permission granted to exactly one team or one user."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grants")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="grants",
    )
    permission = models.CharField(max_length=10, choices=[(p.value, p.value) for p in Permission])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, user__isnull=True)
                | Q(team__isnull=True, user__isnull=False),
                name="grant_to_team_or_user",
            ),
            models.UniqueConstraint(fields=["project", "team"], name="unique_team_grant",
                                    condition=Q(team__isnull=False)),
            models.UniqueConstraint(fields=["project", "user"], name="unique_user_grant",
                                    condition=Q(user__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.permission} on {self.project} to {self.team or self.user}"


class ProhibitedName(models.Model):
    """Project names nobody may register, instance-wide (managed by moderators)."""

    normalized_name = models.CharField(max_length=200, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.normalized_name


# --- upstream indexes (registry.upstream) ------------------------------------------------


class Upstream(models.Model):
    """An upstream simple index the org proxies names it does not own from, first ``position``
    first. The password is stored encrypted (registry.upstream.credentials)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="upstreams")
    url = models.URLField(max_length=500)
    position = models.PositiveIntegerField(default=0)
    username = models.CharField(max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    # Added by the operator (manage.py, the admin): may be on a private network address.
    trusted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["org", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["org", "url"], name="unique_upstream_url")
        ]

    def __str__(self) -> str:
        return f"{self.org.slug} <- {self.url}"


class UpstreamPolicy(models.Model):
    """The org's rules for proxied names beyond its own and reserved ones, and how many
    requests the guard has refused."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE,
                               related_name="upstream_policy")
    allow_list_only = models.BooleanField(default=False)
    refusals = models.BigIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"upstream policy of {self.org.slug}"


class UpstreamPatternKind(models.TextChoices):
    RESERVED = "reserved"  # the org's own namespace: never proxied
    ALLOW = "allow"
    DENY = "deny"


class UpstreamPattern(models.Model):
    """A glob over normalised names (``acme-*``): reserved, allowed or denied upstream."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE,
                            related_name="upstream_patterns")
    kind = models.CharField(max_length=10, choices=UpstreamPatternKind.choices)
    pattern = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["org", "kind", "pattern"]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "pattern"],
                                    name="unique_upstream_pattern")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pattern}"


class HeldName(models.Model):
    """Every project name an org has ever had, kept after the project is deleted: such a
    name never falls through to an upstream."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    normalized_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "normalized_name"], name="unique_held_name")
        ]

    def __str__(self) -> str:
        return self.normalized_name


class UpstreamPage(models.Model):
    """The last good project page fetched from an upstream (parsed, upstream URLs kept), served
    again while fresh and, when the upstream fails, stale."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    normalized_name = models.CharField(max_length=200)
    upstream_url = models.CharField(max_length=500)
    data = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "normalized_name"],
                                    name="unique_upstream_page")
        ]

    def __str__(self) -> str:
        return f"{self.org.slug}/{self.normalized_name} from {self.upstream_url}"


class UpstreamFile(models.Model):
    """A proxied file kept in storage after its sha256 matched the upstream's page; counted
    against the org's upstream cache size and evicted least recently used first."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    normalized_name = models.CharField(max_length=200)
    filename = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "filename", "sha256"],
                                    name="unique_upstream_file")
        ]
        indexes = [models.Index(fields=["org", "last_used_at"], name="upstream_file_lru")]

    def __str__(self) -> str:
        return f"{self.org.slug}/{self.filename}"
