"""Writes for organisations, memberships and tokens. Each writes an audit event."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import tokens
from accounts.audit import audit_record
from accounts.capabilities import OrgRole, Permission, Visibility
from accounts.models import ApiToken, Membership, Organization, User
from accounts.principals import Principal


@transaction.atomic
def org_create(
    *,
    slug: str,
    name: str = "",
    visibility: str = Visibility.PRIVATE,
    principal: Principal | None = None,
) -> Organization:
    org = Organization(slug=slug, name=name or slug, default_visibility=Visibility(visibility))
    org.full_clean()
    org.save()
    audit_record(action="org.create", org=org, principal=principal, target=slug,
                 data={"visibility": org.default_visibility})
    return org


@transaction.atomic
def user_create(*, username: str, email: str = "", password: str | None = None) -> User:
    user = User(username=username, email=email)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def membership_set(
    *, org: Organization, user: User, role: str = OrgRole.MEMBER,
    principal: Principal | None = None,
) -> Membership:
    """Add a user to an org, or change their role; returns the membership."""
    role = OrgRole(role)
    membership, created = Membership.objects.get_or_create(
        org=org, user=user, defaults={"role": role}
    )
    before = None if created else membership.role
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created or before != role:
        audit_record(action="member.add" if created else "member.role", org=org,
                     principal=principal, target=user.username,
                     data={"before": before, "after": role})
    return membership


@transaction.atomic
def token_create(
    *,
    org: Organization,
    user: User | None,
    permission: str = Permission.READ,
    projects: list[str] | None = None,
    expires_days: int | None = None,
    description: str = "",
    principal: Principal | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it and its plaintext, which is never stored."""
    from packaging.utils import canonicalize_name

    if user is not None and not Membership.objects.filter(org=org, user=user).exists():
        raise ValidationError(f"{user.username} is not a member of {org.slug}.")
    if expires_days is not None and expires_days <= 0:
        raise ValidationError("Expiry must be a positive number of days.")
    new = tokens.generate()
    token = ApiToken.objects.create(
        org=org,
        user=user,
        key_id=new.key_id,
        secret_hash=new.secret_hash,
        permission=Permission(permission),
        projects=sorted({canonicalize_name(p) for p in projects or [] if p.strip()}),
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
        description=description,
        created_by=principal.user if principal else None,
    )
    audit_record(action="token.create", org=org, principal=principal, target=token.key_id,
                 data={"permission": token.permission, "projects": token.projects,
                       "owner": user.username if user else None})
    return token, new.plaintext


@transaction.atomic
def token_revoke(*, token: ApiToken, principal: Principal | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoke", org=token.org, principal=principal,
                     target=token.key_id)
    return token
