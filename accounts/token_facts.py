"""Cached facts of org-owned API tokens, for the index's cache front (registry.fastpath).

An org-owned token's read decision follows from the token and the project alone
(``registry.permissions.decide`` never looks up a role or a grant for it), so a cached page
can be answered for it before Django from these facts: the hash of the secret (compared in
constant time on every request), org, permission, scope, expiry, and when and from where it
was last used. Tokens of users are not kept here: their decision reads the owner's active
flag, role and grants, which the full stack reads from the database on every request.

Facts live ``FACTS_TTL`` seconds and are stored only for an active token, by the request
that recorded its use (at most once a minute). Revoking a token (``token_revoke``,
``membership_remove``) calls ``facts_drop``: the facts are deleted, at once and after the
commit, and the key id is marked dropped for far longer than any facts live, so facts stored
by a reader that read the row just before the revocation are never served. Expiry is checked
against the clock on every request.

The full stack trusts them too for the reads ``registry.fastpath.IndexFastPath`` routes
(``principal_from_request`` with ``index_read``): a file download or a JSON page for such a
token costs no token query either.
"""

import hmac
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction

from accounts import tokens
from accounts.models import ApiToken

FACTS_TTL = 60  # seconds; as long as a recorded use stays fresh (accounts.authentication)
DROPPED_TTL = 24 * 3600


class TokenFacts(NamedTuple):
    """What the read decision and the use record need of an org-owned token; it answers
    the attributes ``registry.permissions.decide`` reads of an ApiToken."""

    pk: int
    key_id: str
    secret_hash: str
    org_id: int
    permission: str
    projects: tuple[str, ...]
    expires_at: float | None  # seconds since the epoch
    last_used_at: float  # seconds since the epoch
    last_used_ip: str | None

    user_id = None  # org-owned tokens only

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > time.time()

    def covers(self, normalized_name: str) -> bool:
        return not self.projects or normalized_name in self.projects

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(tokens.hash_secret(secret), self.secret_hash)

    def as_token(self) -> ApiToken:
        """An unsaved ApiToken carrying these facts, as if loaded, for the read views' code
        paths (its description, creator and parent are not among them)."""
        known = {"id": self.pk, "key_id": self.key_id, "secret_hash": self.secret_hash,
                 "org_id": self.org_id, "user_id": None, "revoked_at": None,
                 "permission": self.permission,
                 "projects": list(self.projects), "expires_at": _datetime(self.expires_at),
                 "last_used_at": _datetime(self.last_used_at),
                 "last_used_ip": self.last_used_ip}
        names = [f.attname for f in ApiToken._meta.concrete_fields if f.attname in known]
        return ApiToken.from_db("default", names, [known[name] for name in names])

    def used_lately(self, ip: str | None) -> bool:
        """Whether its use from ``ip`` is recorded within the last minute."""
        return self.last_used_ip == ip and time.time() - self.last_used_at < FACTS_TTL


def _datetime(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None


def _key(key_id: str) -> str:
    return f"tokfacts:{key_id}"


def _dropped_key(key_id: str) -> str:
    return f"tokdropped:{key_id}"


def keys(key_id: str) -> tuple[str, str]:
    """The cache keys ``facts_from`` reads (for a caller that fetches them with others)."""
    return _key(key_id), _dropped_key(key_id)


def facts_get(key_id: str) -> TokenFacts | None:
    """The cached facts of the token with that key id; None if none or dropped."""
    return facts_from(cache.get_many(keys(key_id)), key_id)


def facts_from(found: dict, key_id: str) -> TokenFacts | None:
    """``facts_get`` over the values ``keys(key_id)`` were found to hold."""
    entry = found.get(_key(key_id))
    if entry is None or _dropped_key(key_id) in found:
        return None
    return TokenFacts(*entry)


def facts_store(token: ApiToken) -> None:
    """Keep the facts of an active org-owned token whose use was just recorded."""
    if token.user_id is not None or not token.is_active or token.last_used_at is None:
        return
    expires = token.expires_at.timestamp() if token.expires_at is not None else None
    facts = TokenFacts(token.pk, token.key_id, token.secret_hash, token.org_id,
                       token.permission, tuple(token.projects or ()), expires,
                       token.last_used_at.timestamp(), token.last_used_ip)
    cache.set(_key(token.key_id), tuple(facts), FACTS_TTL)


def facts_drop(key_ids: Iterable[str]) -> None:
    """Make the cached facts of these tokens unreachable, at once and after the commit.
    The deletion fails when the cache cannot be reached, and the revocation with it: it
    never commits with the facts still servable."""
    key_ids = list(key_ids)
    if not key_ids:
        return

    def drop():
        cache.delete_many([_key(key_id) for key_id in key_ids])
        cache.set_many({_dropped_key(key_id): 1 for key_id in key_ids}, DROPPED_TTL)

    drop()
    transaction.on_commit(drop)
