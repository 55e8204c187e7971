"""Talking to upstream indexes: bounded timeouts, a circuit breaker, credentials only for the
index's own origin.

The breaker's state is in the shared cache, so every process skips an upstream that failed
``UPSTREAM_BREAKER_FAILURES`` times in a row, for ``UPSTREAM_BREAKER_COOLDOWN`` seconds.
"""

import hashlib
import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.core.cache import cache

from registry.upstream import pages

log = logging.getLogger(__name__)
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_METADATA_BYTES = 16 * 1024 * 1024
# Redirects are followed (an index may move its files); nothing is retried: a slow or dead
# upstream costs one timeout, and then the breaker.
_RETRIES = urllib3.Retry(total=5, connect=0, read=0, status=0, other=0, redirect=5,
                         raise_on_redirect=True, raise_on_status=False)
_pool = urllib3.PoolManager(num_pools=32, maxsize=16, retries=_RETRIES,
                            headers={"User-Agent": "wheelhouse-upstream"})


class UpstreamUnavailable(Exception):
    """The upstream did not answer usefully (refused, timed out, 5xx, not a page)."""


@dataclass(frozen=True)
class Source:
    """An upstream index to ask, with its decrypted credentials. Only a trusted one (added
    by the operator) may lead to private network addresses."""

    url: str
    username: str = ""
    password: str = ""
    trusted: bool = False

    def headers_for(self, url: str) -> dict:
        """Accept and, for the index's own origin only, its Basic credentials."""
        headers = {"Accept": pages.ACCEPT}
        if (self.username or self.password) and _origin(url) == _origin(self.url):
            headers.update(urllib3.make_headers(basic_auth=f"{self.username}:{self.password}"))
        return headers

    def page_url(self, name: str) -> str:
        return self.url.rstrip("/") + f"/{name}/"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.rpartition("@")[2]


def private_address(url: str) -> bool:
    """Whether ``url``'s host resolves to an address that is not globally routable (loopback,
    private, link-local: the instance's own network). An unknown host is not."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in infos)


def _guarded(source: Source, url: str) -> None:
    """An org admin's upstream never reaches the instance's own network (the server would
    fetch for them what they cannot reach): refused before connecting, and redirects are not
    followed for it. A name that resolves differently between this check and the connection
    is not caught; a firewall rule for the web processes is the complete answer."""
    if (settings.UPSTREAM_BLOCK_PRIVATE_NETWORKS and not source.trusted
            and private_address(url)):
        raise UpstreamUnavailable(f"{_origin(url)[1]} is on a private network: only the "
                                  "operator may add such an upstream")


def timeout() -> urllib3.Timeout:
    return urllib3.Timeout(connect=settings.UPSTREAM_CONNECT_TIMEOUT,
                           read=settings.UPSTREAM_READ_TIMEOUT)


def _key(kind: str, url: str) -> str:
    return f"upstream-breaker:{kind}:{hashlib.sha256(_origin(url)[1].encode()).hexdigest()[:24]}"


def breaker_open(url: str) -> bool:
    return cache.get(_key("open", url)) is not None


def _failed(url: str) -> None:
    key, cooldown = _key("failures", url), settings.UPSTREAM_BREAKER_COOLDOWN
    cache.add(key, 0, cooldown)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between the two calls
        failures = 1
    if failures >= settings.UPSTREAM_BREAKER_FAILURES:
        log.warning("upstream %s failed %d times: skipped for %ss", _origin(url)[1], failures,
                    cooldown)
        cache.set(_key("open", url), 1, cooldown)
        cache.delete(key)


def _succeeded(url: str) -> None:
    cache.delete(_key("failures", url))


def request(source: Source, url: str) -> urllib3.BaseHTTPResponse:
    """An open (unread) GET response from ``url`` of ``source``; UpstreamUnavailable when the
    breaker is open, on a network error or on a 5xx."""
    if breaker_open(source.url):
        raise UpstreamUnavailable(f"{_origin(url)[1]} is skipped after repeated failures")
    _guarded(source, url)
    follow = source.trusted or not settings.UPSTREAM_BLOCK_PRIVATE_NETWORKS
    try:
        response = _pool.request("GET", url, headers=source.headers_for(url), timeout=timeout(),
                                 preload_content=False, redirect=follow)
    except urllib3.exceptions.HTTPError as exc:
        _failed(source.url)
        raise UpstreamUnavailable(f"{_origin(url)[1]}: {exc}") from exc
    if response.status >= 500 or response.status in (401, 403, 429):
        response.release_conn()
        _failed(source.url)
        raise UpstreamUnavailable(f"{_origin(url)[1]} answered {response.status}")
    _succeeded(source.url)
    return response


def read_limited(response: urllib3.BaseHTTPResponse, limit: int) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in response.stream(256 * 1024):
            size += len(chunk)
            if size > limit:
                raise UpstreamUnavailable(f"more than {limit} bytes")
            chunks.append(chunk)
    except urllib3.exceptions.HTTPError as exc:
        raise UpstreamUnavailable(str(exc)) from exc
    finally:
        response.release_conn()
    return b"".join(chunks)


def project_page(source: Source, name: str) -> dict | None:
    """The plain form of ``name``'s page on ``source``; None when it has no such project."""
    url = source.page_url(name)
    response = request(source, url)
    if response.status != 200:
        response.release_conn()
        return None
    body = read_limited(response, MAX_PAGE_BYTES)
    final_url = url
    for step in response.retries.history if response.retries else ():
        final_url = urljoin(final_url, step.redirect_location or "")
    try:
        return pages.parse(body, response.headers.get("Content-Type", ""), final_url)
    except pages.PageError as exc:
        _failed(source.url)
        raise UpstreamUnavailable(f"{_origin(url)[1]}: {exc}") from exc


def small_file(source: Source, url: str) -> bytes:
    """A small upstream file (a wheel's metadata), whole."""
    response = request(source, url)
    if response.status != 200:
        response.release_conn()
        raise UpstreamUnavailable(f"{_origin(url)[1]} answered {response.status}")
    return read_limited(response, MAX_METADATA_BYTES)
