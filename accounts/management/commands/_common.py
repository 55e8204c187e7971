from django.core.management.base import CommandError

from accounts.models import Organization


def get_org(slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"Unknown organisation '{slug}'.")
    return org


def one_line(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return "; ".join(messages) if messages else str(exc)
