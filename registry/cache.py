"""Cached index pages and project facts, kept valid by generations.

Every cached value is stored with the generation it was built under. A project has one
generation, its org another (for the root pages). A write deletes both keys, at once and again
after its transaction commits, so every value built before it becomes unreachable. A reader
takes the generation before it reads the database, so a value built from rows older than a
write is never stored under a generation that follows that write. Generations are fresh
timestamps in microseconds, never reused. Looking up writes nothing: only a reader about to
store what it read takes a generation, so names nobody may read (or that do not exist) leave
no key behind.

A hit is ONE round trip (``get_many``): the generation, the project's facts (``Route``) and the
finished page together, so an unchanged page costs no SQL for anonymous callers.
"""

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import Organization
from registry.models import Project

PAGE_TTL = 24 * 3600
BODY_MEMORY_LIMIT = 16 * 1024 * 1024  # bytes of page bodies kept in each process
# One caller builds a missing page while the others that miss it wait for its bytes, at most
# BUILD_WAIT seconds (a big page builds in ~0.1 s); a claim left by a killed process lapses
# after BUILD_CLAIM_TTL.
BUILD_WAIT = 2.0
BUILD_CLAIM_TTL = 10


class CachedPage(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    serial: int


class Route(NamedTuple):
    """What the permission decision and the page builders need of a project and its org."""

    org_id: int
    org_slug: str
    project_id: int
    name: str
    normalized_name: str
    visibility: str
    status: str
    status_reason: str
    restricted: bool
    last_serial: int

    @classmethod
    def of(cls, project: Project) -> "Route":
        return cls(project.org_id, project.org.slug, project.pk, project.name,
                   project.normalized_name, project.visibility, project.status,
                   project.status_reason, project.restricted, project.last_serial)

    def project(self) -> Project:
        """An unsaved Project (and org) carrying the cached facts, for the usual code paths."""
        org = _loaded(Organization, {"id": self.org_id, "slug": self.org_slug})
        project = _loaded(Project, {
            "id": self.project_id, "org_id": self.org_id, "name": self.name,
            "normalized_name": self.normalized_name, "visibility": self.visibility,
            "status": self.status, "status_reason": self.status_reason,
            "restricted": self.restricted, "last_serial": self.last_serial})
        project.org = org
        return project


def _loaded(model, known: dict):
    """A ``model`` instance as if loaded from the database with ``known`` field values (the
    others deferred): Django's public ``from_db``."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in known]
    return model.from_db("default", names, [known[name] for name in names])


class Lookup(NamedTuple):
    generation: int | None  # None: nothing of the project is cached
    route: Route | None
    values: dict[str, tuple]  # the other values asked for, current ones only
    also: dict = {}  # the values of ``also`` keys (not the project's), as stored

    def page(self, key: str) -> CachedPage | None:
        value = self.values.get(key)
        return _page_from(value) if value is not None else None


def page_of(body: bytes, content_type: str, serial: int) -> CachedPage:
    """The finished page with its strong ETag and the serial it shows."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return CachedPage(body, content_type, etag, serial)


# Values are only read under a generation found in these keys: renaming them (a new format
# of the values) makes everything cached by an older release unreachable.
GENERATION = "gen2"


def _org_gen_key(slug: str) -> str:
    return f"{GENERATION}:{slug}"


def _project_gen_key(slug: str, normalized: str) -> str:
    return f"{GENERATION}:{slug}:{normalized}"


def _route_key(slug: str, normalized: str) -> str:
    return f"route:{slug}:{normalized}"


def project_page_key(slug: str, normalized: str, kind: str, *parts: str) -> str:
    return ":".join(["page", slug, normalized, kind, *parts])


def root_page_key(slug: str, visibility_class: str, content_type: str) -> str:
    return f"root:{slug}:{visibility_class}:{content_type}"


def digest_part(text: str) -> str:
    """A short, key-safe stand-in for free text taken from a URL."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _generation(key: str, seen) -> int:
    if seen is not None:
        return seen
    fresh = time.time_ns() // 1000
    # It expires with the values stored under it; after that a new generation makes them
    # unreachable anyway. Only readers about to store a value take one: a URL that names no
    # project someone may read leaves no key behind.
    if cache.add(key, fresh, PAGE_TTL):
        return fresh
    current = cache.get(key)
    return fresh if current is None else current  # dropped meanwhile: fresh matches nothing


def _valid(entry, generation: int | None):
    return (entry[1] if entry is not None and generation is not None and entry[0] == generation
            else None)


def file_key(slug: str, filename: str) -> str:
    return f"file:{slug}:{filename}"


def project_lookup(slug: str, normalized: str, *keys: str, create: bool = False,
                   also: tuple[str, ...] = ()) -> Lookup:
    """The project's generation, and its facts and other values if cached under it.

    One round trip, which writes nothing unless ``create`` asks for a generation when none
    is current (for a reader that will store what it reads next). ``keys`` name pages (or
    file records) of this project; ``also`` other keys read in the same round trip (a
    token's cached facts, ``accounts.token_facts``).
    """
    gen_key, route_key = _project_gen_key(slug, normalized), _route_key(slug, normalized)
    found = cache.get_many([gen_key, route_key, *keys, *also])
    generation = found.get(gen_key)
    if create:
        generation = _generation(gen_key, generation)
    route = _valid(found.get(route_key), generation)
    values = {key: value for key in keys
              if (value := _valid(found.get(key), generation)) is not None}
    return Lookup(generation, Route(*route) if route is not None else None, values,
                  {key: found[key] for key in also if key in found})


def shared() -> bool:
    """Whether every process reads and invalidates this same cache (see INDEX_CACHE_SHARED)."""
    return settings.INDEX_CACHE_SHARED


def project_renew(slug: str, normalized: str, *keys: str) -> Lookup:
    """A fresh generation for the project: what was cached under the old one is dropped."""
    cache.delete(_project_gen_key(slug, normalized))
    return project_lookup(slug, normalized, *keys, create=True)


def route_store(generation: int, route: Route) -> None:
    cache.set(_route_key(route.org_slug, route.normalized_name), (generation, tuple(route)),
              PAGE_TTL)


def value_store(generation: int, key: str, value: tuple) -> None:
    """Store a value of the project (a file record...) under the generation it was built at."""
    cache.set(key, (generation, tuple(value)), PAGE_TTL)


def page_store(generation: int, key: str, page: CachedPage) -> CachedPage:
    """Store a page: its head under the generation, its body under its ETag."""
    _bodies.put(page.etag, page.body)
    cache.set_many({key: (generation, (page.content_type, page.etag, page.serial)),
                    _body_key(page.etag): page.body}, PAGE_TTL)
    return page


def page_built(generation: int, key: str, build: Callable[[], CachedPage]) -> CachedPage:
    """The page under ``key``, built by ``build`` and stored, one builder at a time.

    After a release every CI job of a fleet asks for the same new page at once; without a
    claim each would render it (a 1,500-file page costs a query and ~100 ms of CPU), and the
    last in the queue would wait seconds. The first caller claims the build; the others wait
    for its page. When the claim ends without a page (the build failed: an error, or a 404
    such as an unknown version) or ``BUILD_WAIT`` passes, each waiter builds for itself, at
    once rather than one after another.
    """
    claim, mine = f"building:{key}:{generation}", uuid.uuid4().hex
    if cache.add(claim, mine, BUILD_CLAIM_TTL):
        try:
            return page_store(generation, key, build())
        finally:
            _claim_drop(claim, mine)
    return _awaited(generation, key, claim) or page_store(generation, key, build())


def _claim_drop(claim: str, mine: str) -> None:
    """Drop this caller's claim, but not one another caller took after it lapsed (a build
    that outlived ``BUILD_CLAIM_TTL``). The cache API has no compare-and-delete: a claim taken
    between the read and the delete is dropped too, which costs one more build, no more."""
    if cache.get(claim) == mine:
        cache.delete(claim)


def _awaited(generation: int, key: str, claim: str) -> CachedPage | None:
    """The page another caller is building, once stored under ``generation``; None when its
    claim ends without one or ``BUILD_WAIT`` passes."""
    deadline = time.monotonic() + BUILD_WAIT
    pause = 0.005
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(2 * pause, 0.1)
        found = _poll(key, claim)
        page = _current_page(found.get(key), generation)
        if page is not None:
            return page
        if claim not in found:
            return None
    return None


def _poll(key: str, claim: str) -> dict:
    # One round trip; with Redis (MGET) the page and the claim are read at one instant, and
    # a builder stores its page before it drops its claim.
    return cache.get_many([key, claim])


def _body_key(etag: str) -> str:
    return "body:" + etag.strip('"')


def _current_page(entry, generation: int | None) -> CachedPage | None:
    """The page of a cached head, if it was stored under ``generation`` and its body is found."""
    head = _valid(entry, generation)
    return _page_from(head) if head is not None else None


def _page_from(head: tuple) -> CachedPage | None:
    content_type, etag, serial = head
    body = _bodies.get(etag)
    if body is None:
        body = cache.get(_body_key(etag))
        if body is None:
            return None
        _bodies.put(etag, body)
    return CachedPage(body, content_type, etag, serial)


class _Bodies:
    """Page bodies by ETag, least recently used dropped first, at most ``limit`` bytes.

    A body is named by its own hash, so a copy in a process's memory can never be stale: the
    shared cache still decides, on every request, which ETag is current. Losing it costs one
    more read of the shared cache. It saves moving the big pages out of Redis on every request.
    """

    def __init__(self, limit: int):
        self.limit, self.size = limit, 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self.lock:
            body = self.items.get(etag)
            if body is not None:
                self.items.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.limit:
            return
        with self.lock:
            if etag in self.items:
                return
            self.items[etag] = body
            self.size += len(body)
            while self.size > self.limit:
                self.size -= len(self.items.popitem(last=False)[1])


_bodies = _Bodies(BODY_MEMORY_LIMIT)


def root_generation(slug: str) -> int:
    """The org's generation for its root pages: taken before reading what a page will show."""
    key = _org_gen_key(slug)
    return _generation(key, cache.get(key))


def root_page(slug: str, generation: int, visibility_class: str,
              content_type: str) -> CachedPage | None:
    """The root page for this visibility class, if cached under ``generation``."""
    return _current_page(cache.get(root_page_key(slug, visibility_class, content_type)),
                         generation)


def root_lookup(slug: str, visibility_class: str, content_type: str,
                create: bool = False) -> tuple[int | None, CachedPage | None]:
    """The org's generation and the root page for this visibility class if cached under it.

    One round trip, which writes nothing unless ``create`` asks for a generation when none
    is current.
    """
    gen_key, page_key = _org_gen_key(slug), root_page_key(slug, visibility_class, content_type)
    found = cache.get_many([gen_key, page_key])
    generation = found.get(gen_key)
    if create:
        generation = _generation(gen_key, generation)
    return generation, _current_page(found.get(page_key), generation)


def _forget(keys: list[str]) -> None:
    # At once too, not only after the commit: if the cache cannot be reached, the write fails
    # and rolls back, rather than committing with its old pages reachable for PAGE_TTL.
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def invalidate(project: Project) -> None:
    """Make every cached value of the project, and its org's root pages, unreachable.

    The one way cached pages are dropped: every service that writes what a page shows (a
    project, a release, a file, an org's existence) calls this or ``invalidate_org`` itself,
    in its transaction. Nothing is connected to model signals."""
    slug = project.org.slug
    _forget([_org_gen_key(slug), _project_gen_key(slug, project.normalized_name)])


def invalidate_org(slug: str, *, projects: list[str] = ()) -> None:
    """Make the org's cached root pages, and those of the named projects (normalised names),
    unreachable."""
    _forget([_org_gen_key(slug), *(_project_gen_key(slug, name) for name in projects)])
