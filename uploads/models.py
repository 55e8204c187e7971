from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import ApiToken, Organization
from registry.models import File


class UploadStatus(models.TextChoices):
    PENDING = "pending"
    PUBLISHED = "published"
    EXISTED = "existed"  # the same file was already there: answered 200 (skip-existing)
    REJECTED = "rejected"
    FAILED = "failed"  # an internal error; nothing was published


class Upload(models.Model):
    """One upload attempt, from the staged file to its published (or refused) end."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    project_name = models.CharField(max_length=200)
    create_project = models.BooleanField(default=False)
    version = models.CharField(max_length=100)
    filename = models.CharField(max_length=300)
    filetype = models.CharField(max_length=20)
    python_version = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField()
    md5_digest = models.CharField(max_length=32)
    sha256_digest = models.CharField(max_length=64)
    blake2_256_digest = models.CharField(max_length=64)
    staged_name = models.CharField(max_length=400, blank=True)
    status = models.CharField(max_length=10, choices=UploadStatus.choices,
                              default=UploadStatus.PENDING)
    problems = models.JSONField(default=list, blank=True)
    file = models.ForeignKey(File, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
