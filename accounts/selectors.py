"""Reads about organisations and memberships."""

from accounts.models import Membership, Organization, User


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


def team_ids(org: Organization, user: User | None) -> list[int]:
    if user is None:
        return []
    return list(user.teams.filter(org=org).values_list("pk", flat=True))
