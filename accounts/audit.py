"""Writing audit events. Every service that changes state calls ``audit_record``."""

from typing import Any

from accounts.models import AuditEvent, Organization
from accounts.principals import Principal


def audit_record(
    *,
    action: str,
    org: Organization | None,
    principal: Principal | None = None,
    target: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what."""
    principal = principal or Principal()
    return AuditEvent.objects.create(
        org=org,
        org_slug=org.slug if org else "",
        actor=principal.user,
        token=principal.token,
        ip=principal.ip,
        action=action,
        target=target,
        data=data or {},
    )
