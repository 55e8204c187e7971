"""Writes for organisations, memberships and tokens. Each writes an audit event."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import token_facts, tokens
from accounts.audit import audit_record
from accounts.capabilities import PERMISSION_ORDER, OrgRole, Permission, Visibility
from accounts.models import ApiToken, Membership, Organization, Team, User
from accounts.principals import Principal
from accounts.selectors import token_descendants

ORG_SETTINGS = ("name", "default_visibility", "members_can_create_projects", "max_file_size")
MIB = 1024 * 1024


@transaction.atomic
def org_create(
    *,
    slug: str,
    name: str = "",
    visibility: str = Visibility.PRIVATE,
    principal: Principal | None = None,
    owner: User | None = None,
) -> Organization:
    """Create an org; ``owner`` (usually the signed-in creator) becomes its first owner."""
    org = Organization(slug=slug, name=name or slug, default_visibility=Visibility(visibility))
    org.full_clean()
    org.save()
    audit_record(action="org.create", org=org, principal=principal, target=slug,
                 data={"visibility": org.default_visibility})
    if owner is not None:
        membership_set(org=org, user=owner, role=OrgRole.OWNER, principal=principal)
    return org


def settings_apply(instance, changes: dict, allowed, what: str, clean) -> dict | None:
    """Set, validate (``clean``) and save the named settings of ``instance``.

    Returns ``{"before": ..., "after": ...}`` of the settings that changed, for the audit
    trail, or None when nothing did. Unknown names are refused before anything is set.
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown {what} settings: {', '.join(sorted(unknown))}.")
    before = {key: getattr(instance, key) for key in changes}
    for key, value in changes.items():
        setattr(instance, key, value)
    clean()
    instance.save(update_fields=list(changes) or None)
    changed = [key for key in changes if before[key] != getattr(instance, key)]
    if not changed:
        return None
    return {"before": {k: before[k] for k in changed},
            "after": {k: getattr(instance, k) for k in changed}}


def file_size_limit_check(limit: int | None) -> None:
    """The per-file upload limit an org or a project may set for itself: none (the next
    limit applies: the org's, then ``UPLOAD_MAX_FILE_SIZE``) or more than 0 bytes and at most
    ``UPLOAD_MAX_FILE_SIZE_CAP``. ValidationError on the ``max_file_size`` field otherwise."""
    cap = settings.UPLOAD_MAX_FILE_SIZE_CAP
    if limit is not None and not 0 < limit <= cap:
        shown = f"{cap // MIB} MiB" if cap % MIB == 0 else f"{cap} bytes"
        raise ValidationError({"max_file_size": [
            f"A file size limit must be more than 0 and at most {shown}, this instance's cap."]})


def _org_clean(org: Organization) -> None:
    file_size_limit_check(org.max_file_size)
    org.full_clean()


@transaction.atomic
def org_update(*, org: Organization, principal: Principal, **changes) -> Organization:
    """Change an org's settings (name, default visibility, whether members create projects,
    its own per-file size limit)."""
    diff = settings_apply(org, changes, ORG_SETTINGS, "organisation", lambda: _org_clean(org))
    if diff:
        audit_record(action="org.update", org=org, principal=principal, target=org.slug,
                     data=diff)
    return org


@transaction.atomic
def org_delete(*, org: Organization, principal: Principal) -> None:
    """Delete an org and everything in it; the audit trail keeps its slug."""
    audit_record(action="org.delete", org=org, principal=principal, target=org.slug)
    token_facts.facts_drop(org.tokens.values_list("key_id", flat=True))
    org.delete()


@transaction.atomic
def user_create(*, username: str, email: str = "", password: str | None = None,
                email_verified: bool = False) -> User:
    """Create a user. ``email_verified`` is for operators vouching for an address (GitLab
    confirms the accounts its administrators create); everyone else follows a link."""
    user = User(username=username, email=User.objects.normalize_email(email))
    user.full_clean(exclude=["password"])
    if email_verified and user.email:
        user.verified_email, user.email_verified_at = user.email, timezone.now()
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
    membership, created = Membership.objects.select_for_update().get_or_create(
        org=org, user=user, defaults={"role": role}
    )
    before = None if created else membership.role
    if before == OrgRole.OWNER and role != OrgRole.OWNER:
        _keep_an_owner(org, user)
    _forget_roles(user)
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created or before != role:
        audit_record(action="member.add" if created else "member.role", org=org,
                     principal=principal, target=user.username,
                     data={"before": before, "after": role})
    return membership


def _forget_roles(user: User) -> None:
    """Drop the per-request caches of ``membership_role`` and ``belongs_to_an_org``."""
    user.__dict__.pop("_wh_roles", None)
    user.__dict__.pop("_wh_insider", None)


def _keep_an_owner(org: Organization, leaving: User) -> None:
    others = Membership.objects.filter(org=org, role=OrgRole.OWNER).exclude(user=leaving)
    if not others.exists():
        raise ValidationError(f"{leaving.username} is the last owner of {org.slug}; "
                              "make someone else an owner first.")


@transaction.atomic
def membership_remove(*, org: Organization, user: User, principal: Principal) -> None:
    """Remove a member at once: their role, their teams in the org and their tokens there."""
    membership = Membership.objects.select_for_update().filter(org=org, user=user).first()
    if membership is None:
        raise ValidationError(f"{user.username} is not a member of {org.slug}.")
    if membership.role == OrgRole.OWNER:
        _keep_an_owner(org, user)
    membership.delete()
    _forget_roles(user)
    for team in user.teams.filter(org=org):
        team.members.remove(user)
    theirs = list(ApiToken.objects.filter(org=org, user=user))
    ended = {token.pk: token for token in
             theirs + [child for token in theirs for child in token_descendants(token)]}
    revoked = [token.key_id for token in ended.values() if token.revoked_at is None]
    ApiToken.objects.filter(key_id__in=revoked).update(revoked_at=timezone.now())
    token_facts.facts_drop(revoked)
    audit_record(action="member.remove", org=org, principal=principal, target=user.username,
                 data={"before": membership.role, "after": None, "tokens_revoked": revoked})


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
    owner_holds: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it and its plaintext, which is never stored.

    A token created with a token (the principal's) is its child: no stronger, no wider and
    never longer-lived than its parent (a later or missing expiry becomes the parent's, as a
    PyPI token made from another keeps its caveats), and revoked with it.

    ``owner_holds``, when given, is the strongest permission the owner holds within the
    token's scope (``registry.permissions.permission_held``): a stronger one is refused.
    """
    if owner_holds is not None:
        _within_owner(Permission(permission), Permission(owner_holds), projects or [])
    parent = principal.token if principal is not None else None
    if parent is not None:
        _within_creator(parent, Permission(permission), projects or [])
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
        expires_at=_expiry(expires_days, parent),
        description=description,
        created_by=principal.user if principal else None,
        parent=parent,
    )
    audit_record(action="token.create", org=org, principal=principal, target=token.key_id,
                 data={"permission": token.permission, "projects": token.projects,
                       "owner": user.username if user else None,
                       "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, new.plaintext


def _expiry(days: int | None, parent: ApiToken | None):
    """When a new token expires: in ``days``, but never after the token creating it."""
    wanted = timezone.now() + timedelta(days=days) if days else None
    if parent is None or parent.expires_at is None:
        return wanted
    return parent.expires_at if wanted is None else min(wanted, parent.expires_at)


def _within_owner(permission: Permission, held: Permission, projects: list[str]) -> None:
    if PERMISSION_ORDER.index(permission) > PERMISSION_ORDER.index(held):
        where = "on the chosen projects" if projects else "in this organisation"
        raise ValidationError({"permission": [
            f"You hold at most '{held}' {where}; a token cannot have more than its owner "
            f"('{permission}' was asked)."]})


def _within_creator(creator: ApiToken, permission: Permission, projects: list[str]) -> None:
    """A token may only create tokens that are no stronger and no wider than itself."""
    from packaging.utils import canonicalize_name

    if PERMISSION_ORDER.index(permission) > PERMISSION_ORDER.index(creator.permission):
        raise ValidationError("A token cannot create a token with a stronger permission.")
    wanted = {canonicalize_name(p) for p in projects if p.strip()}
    if creator.projects and (not wanted or not wanted <= set(creator.projects)):
        raise ValidationError("A token cannot create a token with a wider scope than its own.")


@transaction.atomic
def token_revoke(*, token: ApiToken, principal: Principal | None = None) -> ApiToken:
    """Revoke a token at once, and every token created with it (their children too);
    revoking a revoked token changes nothing but what it created that still works."""
    for each in [token, *token_descendants(token)]:
        if each.revoked_at is None:
            each.revoked_at = timezone.now()
            each.save(update_fields=["revoked_at"])
            token_facts.facts_drop([each.key_id])
            audit_record(action="token.revoke", org=each.org, principal=principal,
                         target=each.key_id,
                         data={} if each is token else {"created_with": token.key_id})
    return token


@transaction.atomic
def team_create(*, org: Organization, slug: str, name: str = "",
                principal: Principal) -> Team:
    """Create a team in an org."""
    team = Team(org=org, slug=slug, name=name or slug)
    team.full_clean()
    team.save()
    audit_record(action="team.create", org=org, principal=principal, target=slug)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, principal: Principal) -> Team:
    """Rename a team (its slug stays)."""
    before = team.name
    team.name = name
    team.full_clean()
    team.save(update_fields=["name"])
    audit_record(action="team.update", org=team.org, principal=principal, target=team.slug,
                 data={"before": {"name": before}, "after": {"name": name}})
    return team


@transaction.atomic
def team_delete(*, team: Team, principal: Principal) -> None:
    """Delete a team; its members lose what its grants gave them."""
    audit_record(action="team.delete", org=team.org, principal=principal, target=team.slug,
                 data={"members": list(team.members.values_list("username", flat=True))})
    team.delete()


@transaction.atomic
def team_member_add(*, team: Team, user: User, principal: Principal) -> None:
    """Add an org member to a team."""
    if not Membership.objects.filter(org=team.org, user=user).exists():
        raise ValidationError(f"{user.username} is not a member of {team.org.slug}.")
    if not team.members.filter(pk=user.pk).exists():
        team.members.add(user)
        audit_record(action="team.member.add", org=team.org, principal=principal,
                     target=f"{team.slug} {user.username}")


@transaction.atomic
def team_member_remove(*, team: Team, user: User, principal: Principal) -> None:
    """Remove a user from a team."""
    if team.members.filter(pk=user.pk).exists():
        team.members.remove(user)
        audit_record(action="team.member.remove", org=team.org, principal=principal,
                     target=f"{team.slug} {user.username}")
