"""Writes for upstream indexes, reserved patterns, the policy and the proxy cache. Each change
made by a person or token writes an audit event."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Organization
from accounts.principals import Principal
from registry.models import (
    HeldName,
    Upstream,
    UpstreamFile,
    UpstreamPage,
    UpstreamPattern,
    UpstreamPatternKind,
    UpstreamPolicy,
)
from registry.storage import distributions
from registry.upstream import credentials, fetch
from registry.upstream.guard import Refusal, normalize_pattern, pattern_problem

log = logging.getLogger(__name__)
REFUSAL_AUDIT_EVERY = 3600  # seconds: one audit event per name and reason, the count for all


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError(f"'{url}' is not an http(s) URL of a simple index.") from exc
    if "@" in url.split("/")[2]:
        raise ValidationError("Put credentials in username and password, not in the URL.")
    return url.rstrip("/") + "/"


@transaction.atomic
def upstream_add(*, org: Organization, url: str, principal: Principal | None = None,
                 username: str = "", password: str = "", trusted: bool = False) -> Upstream:
    """Add an upstream index after the org's others (ValidationError for a bad or known URL).

    ``trusted`` (the operator's command) allows a private network address; an org admin's
    upstream may not lead there (see ``fetch.private_address``).
    """
    url = _clean_url(url)
    if (not trusted and settings.UPSTREAM_BLOCK_PRIVATE_NETWORKS
            and fetch.private_address(url)):
        raise ValidationError(f"{url} is on a private network: only the operator may add it "
                              "(manage.py upstream ORG add URL).")
    last = Upstream.objects.filter(org=org).aggregate(last=Max("position"))["last"]
    upstream = Upstream(org=org, url=url, position=0 if last is None else last + 1,
                        username=username, password_encrypted=credentials.encrypt(password),
                        trusted=trusted)
    try:
        with transaction.atomic():
            upstream.save()
    except IntegrityError as exc:
        raise ValidationError(f"{url} is already an upstream of {org.slug}.") from exc
    audit_record(action="upstream.add", org=org, principal=principal, target=url,
                 data={"position": upstream.position, "username": username,
                       "password": bool(password), "trusted": trusted})
    return upstream


@transaction.atomic
def upstream_remove(*, upstream: Upstream, principal: Principal | None = None) -> None:
    audit_record(action="upstream.remove", org=upstream.org, principal=principal,
                 target=upstream.url)
    upstream.delete()


@transaction.atomic
def pattern_add(*, org: Organization, kind: str, pattern: str,
                principal: Principal | None = None) -> UpstreamPattern:
    problem = pattern_problem(pattern)
    if problem is not None:
        raise ValidationError(problem)
    if kind not in UpstreamPatternKind.values:
        raise ValidationError(f"A pattern is one of: {', '.join(UpstreamPatternKind.values)}.")
    found, created = UpstreamPattern.objects.get_or_create(
        org=org, kind=kind, pattern=normalize_pattern(pattern))
    if created:
        audit_record(action="upstream.pattern.add", org=org, principal=principal,
                     target=found.pattern, data={"kind": kind})
    return found


@transaction.atomic
def pattern_remove(*, pattern: UpstreamPattern, principal: Principal | None = None) -> None:
    audit_record(action="upstream.pattern.remove", org=pattern.org, principal=principal,
                 target=pattern.pattern, data={"kind": pattern.kind})
    pattern.delete()


@transaction.atomic
def policy_update(*, org: Organization, allow_list_only: bool,
                  principal: Principal | None = None) -> UpstreamPolicy:
    policy, _ = UpstreamPolicy.objects.get_or_create(org=org)
    if policy.allow_list_only != allow_list_only:
        policy.allow_list_only = allow_list_only
        policy.save(update_fields=["allow_list_only"])
        audit_record(action="upstream.policy.update", org=org, principal=principal,
                     data={"allow_list_only": allow_list_only})
    return policy


def refusal_record(*, org: Organization, name: str, refusal: Refusal,
                   principal: Principal) -> None:
    """Count a refusal of the guard; audit it, at most once an hour per name and reason (a
    client retrying a reserved name must not flood the log)."""
    with transaction.atomic():
        updated = UpstreamPolicy.objects.filter(org=org).update(refusals=F("refusals") + 1)
        if not updated:
            UpstreamPolicy.objects.get_or_create(org=org)
            UpstreamPolicy.objects.filter(org=org).update(refusals=F("refusals") + 1)
        if cache.add(f"upstream-refused:{org.pk}:{name}:{refusal.reason}", 1,
                     REFUSAL_AUDIT_EVERY):
            audit_record(action="upstream.refuse", org=org, principal=principal, target=name,
                         data={"reason": refusal.reason, "pattern": refusal.pattern})
    log.info("upstream refused %s/%s: %s", org.slug, name, refusal.message)


def _files_delete(files) -> int:
    rows = list(files.values_list("pk", "path"))
    files.delete()
    paths = [path for _, path in rows]
    transaction.on_commit(lambda: _blobs_delete(paths))
    return len(rows)


def _blobs_delete(paths: list[str]) -> None:
    store = distributions()
    for path in paths:
        if store.exists(path):
            store.delete(path)


@transaction.atomic
def name_purge(*, org: Organization, name: str, principal: Principal | None = None) -> int:
    """Drop everything cached of a proxied name (its page, files and metadata); returns the
    number of files dropped."""
    UpstreamPage.objects.filter(org=org, normalized_name=name).delete()
    dropped = _files_delete(UpstreamFile.objects.filter(org=org, normalized_name=name))
    audit_record(action="upstream.purge", org=org, principal=principal, target=name,
                 data={"files": dropped})
    return dropped


def name_held(*, org_id: int, normalized: str) -> None:
    """Remember that the org has a project of this name (for ever), and drop what was proxied
    under it: a local project cuts its upstream off at once."""
    HeldName.objects.get_or_create(org_id=org_id, normalized_name=normalized)
    UpstreamPage.objects.filter(org_id=org_id, normalized_name=normalized).delete()
    _files_delete(UpstreamFile.objects.filter(org_id=org_id, normalized_name=normalized))


def file_used(file: UpstreamFile) -> None:
    """Mark a kept file used now (at most one write an hour: the order is all LRU needs)."""
    now = timezone.now()
    if (now - file.last_used_at).total_seconds() > 3600:
        UpstreamFile.objects.filter(pk=file.pk).update(last_used_at=now)


def cache_evict(*, org: Organization, limit: int) -> int:
    """Drop the org's least recently used proxied files until they fit in ``limit`` bytes;
    returns how many were dropped."""
    total, doomed = 0, []
    for pk, size in (UpstreamFile.objects.filter(org=org).order_by("-last_used_at", "-pk")
                     .values_list("pk", "size")):
        total += size
        if total > limit:
            doomed.append(pk)
    if not doomed:
        return 0
    with transaction.atomic():
        dropped = _files_delete(UpstreamFile.objects.filter(pk__in=doomed))
    log.info("upstream cache of %s: %d files evicted", org.slug, dropped)
    return dropped
