"""Reading an org's upstream settings, and the facts the guard decides on."""

from django.conf import settings
from django.db.models import Sum

from accounts.models import Organization
from registry.models import (
    HeldName,
    Project,
    Upstream,
    UpstreamFile,
    UpstreamPattern,
    UpstreamPatternKind,
    UpstreamPolicy,
)
from registry.upstream import credentials
from registry.upstream.fetch import Source
from registry.upstream.guard import GuardFacts


def upstreams_of(org: Organization):
    return Upstream.objects.filter(org=org).order_by("position", "pk")


def sources_of(org: Organization) -> list[Source]:
    """The upstreams to ask for ``org``, in order: its own, else the instance's default."""
    own = [_source(u) for u in upstreams_of(org)]
    return own or [Source(url, trusted=True) for url in settings.UPSTREAM_DEFAULT_URLS]


def _source(upstream: Upstream) -> Source:
    return Source(upstream.url, upstream.username,
                  credentials.decrypt(upstream.password_encrypted), upstream.trusted)


def org_and_sources(slug: str) -> tuple[Organization | None, list[Source]]:
    """The org called ``slug`` and its upstreams, in one query when it has some (or the
    instance has none): an unknown org and one that proxies nothing cost the same."""
    rows = list(Upstream.objects.filter(org__slug=slug).select_related("org")
                .order_by("position", "pk"))
    if rows:
        return rows[0].org, [_source(u) for u in rows]
    if not settings.UPSTREAM_DEFAULT_URLS:
        return None, []
    org = Organization.objects.filter(slug=slug).first()
    return org, [Source(url, trusted=True) for url in settings.UPSTREAM_DEFAULT_URLS] if org else []


def patterns_of(org: Organization, kind: str | None = None):
    found = UpstreamPattern.objects.filter(org=org)
    return found.filter(kind=kind) if kind else found


def policy_of(org: Organization) -> UpstreamPolicy:
    """The org's policy (unsaved defaults when it has none yet)."""
    return UpstreamPolicy.objects.filter(org=org).first() or UpstreamPolicy(org=org)


def name_held(org: Organization, normalized: str) -> bool:
    """Whether the org has, or ever had, a project of this normalised name."""
    return (Project.objects.filter(org=org, normalized_name=normalized).exists()
            or HeldName.objects.filter(org=org, normalized_name=normalized).exists())


def guard_facts(org: Organization, normalized: str) -> GuardFacts:
    patterns: dict[str, list[str]] = {kind: [] for kind in UpstreamPatternKind.values}
    for kind, pattern in patterns_of(org).values_list("kind", "pattern"):
        patterns[kind].append(pattern)
    return GuardFacts(held=name_held(org, normalized),
                      reserved=tuple(patterns[UpstreamPatternKind.RESERVED]),
                      allow=tuple(patterns[UpstreamPatternKind.ALLOW]),
                      deny=tuple(patterns[UpstreamPatternKind.DENY]),
                      allow_list_only=policy_of(org).allow_list_only)


def cache_size(org: Organization) -> int:
    """Bytes of proxied files kept for ``org``."""
    return UpstreamFile.objects.filter(org=org).aggregate(total=Sum("size"))["total"] or 0


def cached_files(org: Organization, normalized: str | None = None):
    found = UpstreamFile.objects.filter(org=org)
    return found.filter(normalized_name=normalized) if normalized else found
