"""Serving names an org does not own from its upstreams: who may, the guard, pages cached with
a TTL (stale when the upstream fails) and files kept once their sha256 matched.

Concurrent misses cost one upstream fetch: pages through ``registry.cache.page_built`` (the
single flight of local page builds), files through a claim in the shared cache that the other
callers wait on. Cached pages live under the project name's generation in the index cache, so
creating a local project of that name makes them unreachable at once.
"""

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.files import File as DjangoFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.capabilities import Capability, Visibility
from accounts.models import Organization
from accounts.principals import Principal
from registry import cache as index_cache
from registry.models import UpstreamFile, UpstreamPage
from registry.permissions import effective_principal, is_insider, org_can
from registry.storage import distributions
from registry.upstream import fetch, pages, selectors, services
from registry.upstream.guard import refusal

log = logging.getLogger(__name__)
CHUNK = 256 * 1024
FILE_CLAIM_TTL = 60  # seconds; renewed while the file streams
NOT_FOUND = b"null"


class Refused(Exception):
    """The name may not be proxied for this caller (answered as no such project)."""


def may_read(principal: Principal, org: Organization) -> bool:
    """Who reads proxied names follows the org's index: anyone when the org is public,
    signed-in insiders when internal, else its members and tokens."""
    if org_can(principal, Capability.ORG_READ, org):
        return True
    visibility = org.default_visibility
    user = effective_principal(principal, org).user
    return visibility == Visibility.PUBLIC or (
        visibility == Visibility.INTERNAL and user is not None and is_insider(user, org))


def sources_for(principal: Principal, org_slug: str,
                name: str) -> tuple[Organization, list[fetch.Source]]:
    """The org and the upstreams ``name`` may be proxied from for ``principal``; Refused
    when none (no such org included)."""
    org, sources = selectors.org_and_sources(org_slug)
    if org is None or not sources or not may_read(principal, org):
        raise Refused
    refused = refusal(name, selectors.guard_facts(org, name))
    if refused is not None:
        services.refusal_record(org=org, name=name, refusal=refused, principal=principal)
        raise Refused
    return org, sources


def _bucket() -> str:
    return str(int(time.time() // max(settings.UPSTREAM_PAGE_TTL, 1)))


def page_data(org: Organization, name: str, sources: list[fetch.Source]) -> dict | None:
    """The plain upstream page of ``name`` (None: no upstream has it), fetched at most once
    per TTL by one caller; UpstreamUnavailable when no upstream answers and nothing is kept."""
    key = index_cache.project_page_key(org.slug, name, "upstream", _bucket())
    lookup = index_cache.project_lookup(org.slug, name, key, create=True)
    page = lookup.page(key) or index_cache.page_built(
        lookup.generation, key, lambda: _page_fetched(org, name, sources))
    return json.loads(page.body)


def rendered(org: Organization, name: str, sources: list[fetch.Source], ctype: str,
             encode) -> index_cache.CachedPage | None:
    """The page clients get for a proxied name, as ``ctype`` (``encode`` turns the PEP 691
    dict into a CachedPage); None when no upstream has the name."""
    data = page_data(org, name, sources)
    if data is None:
        return None
    key = index_cache.project_page_key(org.slug, name, "upstream", _bucket(), ctype)
    lookup = index_cache.project_lookup(org.slug, name, key, create=True)
    return lookup.page(key) or index_cache.page_built(
        lookup.generation, key, lambda: encode(pages.rewritten(data, org=org.slug, name=name)))


def _encoded(data: dict | None) -> index_cache.CachedPage:
    body = NOT_FOUND if data is None else json.dumps(data, separators=(",", ":")).encode()
    return index_cache.page_of(body, "application/json", 0)


def _page_fetched(org: Organization, name: str,
                  sources: list[fetch.Source]) -> index_cache.CachedPage:
    kept = UpstreamPage.objects.filter(org=org, normalized_name=name).first()
    ttl = settings.UPSTREAM_PAGE_TTL
    if kept is not None and (timezone.now() - kept.fetched_at).total_seconds() < ttl:
        return _encoded(kept.data)
    try:
        found = _first_having(name, sources)
    except fetch.UpstreamUnavailable as exc:
        if kept is None:
            raise
        log.warning("upstream page of %s/%s served stale: %s", org.slug, name, exc)
        return _encoded(kept.data)
    if found is None:
        UpstreamPage.objects.filter(org=org, normalized_name=name).delete()
        return _encoded(None)
    source, data = found
    UpstreamPage.objects.update_or_create(
        org=org, normalized_name=name,
        defaults={"upstream_url": source.url, "data": data, "fetched_at": timezone.now()})
    return _encoded(data)


def _first_having(name: str, sources: list[fetch.Source]):
    """(source, plain page) of the first upstream that has ``name``, or None when none has.

    An upstream that fails before one that has the name makes the answer unknown: falling
    through to the next could serve another index's project of that name.
    """
    for source in sources:
        data = fetch.project_page(source, name)
        if data is not None:
            return source, data
    return None


def source_of(org: Organization, name: str, sources: list[fetch.Source]) -> fetch.Source:
    """The upstream the kept page of ``name`` came from (its credentials go with its files)."""
    url = (UpstreamPage.objects.filter(org=org, normalized_name=name)
           .values_list("upstream_url", flat=True).first())
    return next((s for s in sources if s.url == url), sources[0])


# --- files ------------------------------------------------------------------------------


def blob_path(org: Organization, name: str, sha256: str, filename: str) -> str:
    return f"upstream/{org.pk}/{name}/{sha256[:2]}/{sha256[2:]}/{filename}"


def metadata_path(org: Organization, name: str, sha256: str, filename: str) -> str:
    return f"upstream/{org.pk}/{name}/metadata/{sha256}/{filename}.metadata"


def kept_file(org: Organization, entry: dict) -> UpstreamFile | None:
    return UpstreamFile.objects.filter(org=org, filename=entry["filename"],
                                       sha256=entry["hashes"]["sha256"]).first()


def metadata(org: Organization, name: str, source: fetch.Source, entry: dict) -> str | None:
    """The storage path of the file's PEP 658 metadata, fetched and verified on first use;
    None when the page offers none with a sha256."""
    expected = entry["core-metadata"].get("sha256") if isinstance(entry["core-metadata"],
                                                                 dict) else None
    if not expected:
        return None
    path = metadata_path(org, name, expected, entry["filename"])
    store = distributions()
    if store.exists(path):
        return path
    body = fetch.small_file(source, entry["url"] + ".metadata")
    if hashlib.sha256(body).hexdigest() != expected:
        log.error("upstream metadata of %s/%s does not match its sha256: discarded",
                  org.slug, entry["filename"])
        raise Mismatch(entry["filename"] + ".metadata")
    store.save(path, DjangoFile(_spooled(body)))
    return path


def _spooled(body: bytes):
    handle = tempfile.SpooledTemporaryFile()  # noqa: SIM115 - closed by the storage
    handle.write(body)
    handle.seek(0)
    return handle


class Mismatch(Exception):
    """What the upstream sent is not what its page promised (sha256 or size)."""


def _claim_key(org: Organization, sha256: str) -> str:
    return f"upstream-file:{org.pk}:{sha256}"


def file_claim(org: Organization, entry: dict) -> str | None:
    """A claim on fetching the file (its id), or None when another caller holds it."""
    mine = hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:16]
    return mine if cache.add(_claim_key(org, entry["hashes"]["sha256"]), mine,
                             FILE_CLAIM_TTL) else None


def file_release(org: Organization, entry: dict, mine: str) -> None:
    key = _claim_key(org, entry["hashes"]["sha256"])
    if cache.get(key) == mine:
        cache.delete(key)


def file_awaited(org: Organization, entry: dict) -> UpstreamFile | None:
    """The file another caller is fetching, once kept; None when its claim ends without it."""
    key = _claim_key(org, entry["hashes"]["sha256"])
    pause = 0.01
    while True:
        found = kept_file(org, entry)
        if found is not None or cache.get(key) is None:
            return found or kept_file(org, entry)
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def file_stream(org: Organization, name: str, entry: dict, response, mine: str) -> Iterator[bytes]:
    """The upstream's bytes as they arrive, kept when their sha256 (and size) match the page.

    The last chunk is held back until the file is verified: a mismatch ends the response
    short of its length, so no client takes it for the file, and nothing is kept.
    """
    digest, size, held = hashlib.sha256(), 0, b""
    try:
        with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
            for chunk in response.stream(CHUNK):
                if held:
                    yield held
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
                held = chunk
                cache.touch(_claim_key(org, entry["hashes"]["sha256"]), FILE_CLAIM_TTL)
            _verify(org, entry, digest.hexdigest(), size)
            _keep(org, name, entry, spool, size)
        yield held
    finally:
        response.release_conn()
        file_release(org, entry, mine)


def _verify(org: Organization, entry: dict, sha256: str, size: int) -> None:
    expected_size = entry.get("size")
    if sha256 != entry["hashes"]["sha256"] or (expected_size is not None
                                                and size != expected_size):
        log.error("upstream file %s of %s does not match its page (sha256 %s, %d bytes): "
                  "discarded", entry["filename"], org.slug, sha256, size)
        raise Mismatch(entry["filename"])


def _keep(org: Organization, name: str, entry: dict, spool, size: int) -> None:
    spool.seek(0)
    sha256 = entry["hashes"]["sha256"]
    path = distributions().save(blob_path(org, name, sha256, entry["filename"]),
                                DjangoFile(spool))
    try:
        with transaction.atomic():
            UpstreamFile.objects.create(org=org, normalized_name=name,
                                        filename=entry["filename"], sha256=sha256, size=size,
                                        path=path)
    except IntegrityError:  # kept meanwhile by a caller whose claim had lapsed
        distributions().delete(path)


def file_warm(org: Organization, name: str, source: fetch.Source, entry: dict) -> bool:
    """Fetch and keep one file of the page unless kept already; True when it was fetched."""
    while kept_file(org, entry) is None:
        mine = file_claim(org, entry)
        if mine is None:
            file_awaited(org, entry)
            continue
        try:
            response = fetch.request(source, entry["url"])
        except fetch.UpstreamUnavailable:
            file_release(org, entry, mine)
            raise
        if response.status != 200:
            response.release_conn()
            file_release(org, entry, mine)
            raise fetch.UpstreamUnavailable(f"{entry['filename']}: {response.status}")
        for _chunk in file_stream(org, name, entry, response, mine):
            pass
        return True
    return False


def warm(org: Organization, name: str, specifier) -> tuple[str | None, list[str]]:
    """Fetch the page of ``name`` and keep every file of the newest version ``specifier``
    allows (not yanked unless pinned): (version, filenames fetched now). Refused when the
    guard refuses the name; (None, []) when no upstream has it or no version fits."""
    sources = selectors.sources_of(org)
    refused = refusal(name, selectors.guard_facts(org, name))
    if not sources or refused is not None:
        raise Refused(refused.message if refused else "the org has no upstream")
    data = page_data(org, name, sources)
    if data is None:
        return None, []
    version = _newest(pages.served_files(data), specifier)
    if version is None:
        return None, []
    source = source_of(org, name, sources)
    fetched = [entry["filename"] for entry in pages.served_files(data)
               if pages.file_version(entry["filename"]) == version
               and file_warm(org, name, source, entry)]
    return version, fetched


def _newest(entries: list[dict], specifier) -> str | None:
    from packaging.version import InvalidVersion, Version

    pinned = {str(s.version) for s in specifier if s.operator in ("==", "===")}
    candidates = set()
    for entry in entries:
        version = pages.file_version(entry["filename"])
        if version is None or (entry["yanked"] and version not in pinned):
            continue
        try:
            if specifier.contains(Version(version), prereleases=bool(pinned)):
                candidates.add(Version(version))
        except InvalidVersion:
            continue
    return str(max(candidates)) if candidates else None
