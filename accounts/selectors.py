"""Reads about organisations and memberships."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    Team,
    User,
)


def org_get(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def membership_role(org: Organization, user: User | None) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cache = getattr(user, "_wh_roles", None)
    if cache is None:
        cache = user._wh_roles = {}
    if org.pk not in cache:
        cache[org.pk] = (
            Membership.objects.filter(org=org, user=user).values_list("role", flat=True).first()
        )
    return cache[org.pk]


def belongs_to_an_org(user: User | None) -> bool:
    """Whether ``user`` is a member of at least one org of this instance: who "internal"
    projects are for (as GitLab keeps them from external users)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, "_wh_insider"):
        user._wh_insider = Membership.objects.filter(user=user).exists()
    return user._wh_insider


def team_ids(org: Organization, user: User | None) -> list[int]:
    if user is None:
        return []
    return list(user.teams.filter(org=org).values_list("pk", flat=True))


def orgs_of(user: User | None):
    """The orgs ``user`` belongs to."""
    if user is None:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).distinct()


def memberships_of(user: User):
    """``user``'s memberships by org name, each org with ``my_teams``: their teams there."""
    mine = Prefetch("org__teams", queryset=Team.objects.filter(members=user).order_by("slug"),
                    to_attr="my_teams")
    return (Membership.objects.filter(user=user).select_related("org")
            .prefetch_related(mine).order_by("org__name", "org__slug"))


def invitations_waiting(user: User):
    """The pending, unexpired invitations addressed to ``user``, newest first."""
    return invitations_for(user).filter(status=InvitationStatus.PENDING,
                                        expires_at__gt=timezone.now())


def members_of(org: Organization, role: str | None = None):
    """An org's memberships, optionally of one role."""
    members = Membership.objects.filter(org=org).select_related("user").order_by("user__username")
    return members.filter(role=role) if role else members


def teams_of(org: Organization):
    """An org's teams with their members."""
    return Team.objects.filter(org=org).prefetch_related("members").order_by("slug")


def team_get(org: Organization, slug: str) -> Team | None:
    return teams_of(org).filter(slug=slug).first()


def user_get(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def tokens_of_org(org: Organization, *, user: User | None = None, active: bool | None = None):
    """An org's tokens; only ``user``'s when given; only (in)active ones when asked."""
    found = ApiToken.objects.filter(org=org).select_related("org", "user", "parent")
    if user is not None:
        found = found.filter(user=user)
    if active is True:
        found = found.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    elif active is False:
        found = found.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=timezone.now()))
    return found


def tokens_of_user(user: User):
    """Every token a user owns, in every org."""
    return ApiToken.objects.filter(user=user).select_related("org", "user", "parent")


def token_descendants(token: ApiToken) -> list[ApiToken]:
    """The tokens created with ``token``, the tokens created with those, and so on."""
    found, generation = [], [token.pk]
    while generation:
        children = list(ApiToken.objects.filter(parent_id__in=generation).select_related("org"))
        found += children
        generation = [child.pk for child in children]
    return found


def audit_events(org: Organization, action: str | None = None):
    """An org's audit trail, newest first; ``action`` matches exactly or as a prefix."""
    events = AuditEvent.objects.filter(org=org).select_related("actor", "token")
    if action:
        events = events.filter(Q(action=action) | Q(action__startswith=action.rstrip(".") + "."))
    return events


def invitations_of(org: Organization):
    return Invitation.objects.filter(org=org).select_related("org", "invitee", "inviter")


def invitations_for(user: User):
    """Invitations addressed to ``user``: by username, or to their email address once they
    have verified it (compared case-insensitively)."""
    mine = Q(invitee=user)
    if user.has_verified_email:
        mine |= Q(invitee__isnull=True, email__iexact=user.email)
    return Invitation.objects.filter(mine).select_related("org", "invitee", "inviter")


def member_get(org: Organization, username: str) -> Membership | None:
    """The membership of the user called ``username`` in ``org``, or None."""
    return members_of(org).filter(user__username=username).first()


def teams_of_user(org: Organization, user: User):
    """The teams of ``org`` that ``user`` is in."""
    return Team.objects.filter(org=org, members=user).order_by("slug")


def invitations_pending(org: Organization):
    """An org's invitations still waiting for an answer, expired ones included (they can be
    sent again), newest first."""
    return invitations_of(org).filter(status=InvitationStatus.PENDING)


def invitation_of(org: Organization, pk: int) -> Invitation | None:
    return invitations_of(org).filter(pk=pk).first()


def token_of_org(org: Organization, key_id: str) -> ApiToken | None:
    return tokens_of_org(org).filter(key_id=key_id).first()


# The actions whose target starts with a project's name ("billing", "billing 2.0", ...).
PROJECT_ACTIONS = ("project.", "release.", "file.", "grant.")


def audit_trail(org: Organization, *, action: str = "", actor: str = "", project: str = ""):
    """An org's audit trail, newest first, narrowed to an action (or a prefix of actions,
    as ``audit_events``), to what the user called ``actor`` did, and to what was done to
    the project called ``project`` (its name as the events recorded it, any case)."""
    events = audit_events(org, action or None)
    if actor:
        events = events.filter(actor__username=actor)
    if project:
        about = Q()
        for prefix in PROJECT_ACTIONS:
            about |= Q(action__startswith=prefix)
        events = events.filter(about).filter(
            Q(target__iexact=project) | Q(target__istartswith=project + " "))
    return events
