"""Uploads whose worker is gone: claimed while validated, taken over by a retry.

A task validating an upload holds a claim in Redis, renewed every ``BEAT`` seconds by a
thread while it runs and left as "done" when it ends. A worker killed mid-task (SIGKILL, the
OOM killer) stops renewing: its claim lapses after ``CLAIM_TTL`` seconds. A task lost with
its queue (Redis restarted without persistence) never claims at all.

A client retrying such an upload finds its earlier attempt pending: ``upload_resume`` sends
that attempt's task again when nobody holds its claim, and the retry waits for it as usual,
so it is answered within one validation instead of waiting out the stale-upload expiry.
Sending a task twice is safe: the first delivery to claim the upload validates it, a later
one finds the claim "done" (or taken) and stops, and an outcome is only ever recorded over a
pending row (``uploads.publish.finish``).

A delivery that finds the claim of a killed delivery waits for it to lapse. Deliveries are
counted: an upload whose validation took its worker down ``MAX_DELIVERIES`` times is failed
rather than tried forever.

Without Redis (the embedded default, where the task runs inside the request) nothing here
applies. Redis errors only cost the claim: validation goes on without one.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache

import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from uploads.models import UploadStatus

log = logging.getLogger(__name__)
CLAIM_TTL = 3  # seconds a claim outlives its last renewal
BEAT = 1.0
MAX_DELIVERIES = 3
DONE = b"done"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _redis() -> redis.Redis | None:
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    return _client(settings.REDIS_URL)


def _key(kind: str, upload_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:upload-{kind}:{upload_id}"


def _remembered() -> int:
    """How long a finished claim and a delivery count are kept: as long as a retry may find
    the upload pending (``uploads.replays``)."""
    return settings.CELERY_TASK_TIME_LIMIT + settings.UPLOAD_WAIT_SECONDS + 60


class Claim:
    """What a delivery of the task may do with its upload."""

    MINE, TAKEN, DONE, TOO_MANY, UNKNOWN = "mine", "taken", "done", "too-many", "unknown"


def _take(client: redis.Redis, key: str, mine: bytes) -> str:
    """Take the claim, waiting for a lapsed one to expire; TAKEN if a live one stays."""
    deadline = time.monotonic() + CLAIM_TTL + BEAT
    while True:
        if client.set(key, mine, ex=CLAIM_TTL, nx=True):
            return Claim.MINE
        if client.get(key) == DONE:
            return Claim.DONE
        if time.monotonic() > deadline:
            return Claim.TAKEN
        time.sleep(0.2)


@contextmanager
def upload_claimed(upload_id: int):
    """Claim the upload for this delivery; yields a ``Claim`` value. Only with MINE (or
    UNKNOWN: Redis unreachable) may the caller validate it. The claim is renewed while the
    block runs and marked done when it leaves."""
    client = _redis()
    if client is None:
        yield Claim.UNKNOWN
        return
    key, mine = _key("claim", upload_id), uuid.uuid4().hex.encode()
    try:
        state = _take(client, key, mine)
        if state == Claim.MINE and _delivered(client, upload_id) > MAX_DELIVERIES:
            state = Claim.TOO_MANY
    except redis.RedisError:
        log.warning("could not claim upload %s; validating without a claim", upload_id,
                    exc_info=True)
        yield Claim.UNKNOWN
        return
    if state not in (Claim.MINE, Claim.TOO_MANY):
        yield state
        return
    stop = threading.Event()
    beat = threading.Thread(target=_renew, args=(client, key, mine, stop), daemon=True,
                            name=f"claim-{upload_id}")
    beat.start()
    ended = False
    try:
        yield state
        ended = True
    finally:
        stop.set()
        beat.join()
        try:
            if ended:
                client.set(key, DONE, ex=_remembered())
            else:  # it raised: a retry may send it again at once
                client.delete(key)
        except redis.RedisError:
            log.warning("could not release the claim of upload %s", upload_id, exc_info=True)


def _delivered(client: redis.Redis, upload_id: int) -> int:
    with client.pipeline() as pipe:
        pipe.incr(_key("deliveries", upload_id))
        pipe.expire(_key("deliveries", upload_id), _remembered())
        return pipe.execute()[0]


def _renew(client: redis.Redis, key: str, mine: bytes, stop: threading.Event) -> None:
    while not stop.wait(BEAT):
        try:
            if client.get(key) == mine:
                client.expire(key, CLAIM_TTL)
        except redis.RedisError:
            log.warning("could not renew the claim %s", key, exc_info=True)


def upload_resume(upload) -> bool:
    """Send the task of a pending ``upload`` again if no worker holds it (its worker was
    killed, or its message was lost); True when sent. At most one resend per claim period,
    however many retries ask."""
    client = _redis()
    if client is None or upload.status != UploadStatus.PENDING:
        return False
    try:
        if client.exists(_key("claim", upload.pk)):
            return False  # being validated, or finished (its row says how)
        if not client.set(_key("resent", upload.pk), 1, ex=CLAIM_TTL + 2, nx=True):
            return False
    except redis.RedisError:
        return False
    from uploads.publish import upload_inputs
    from uploads.tasks import validate_upload

    log.info("upload %s: no worker holds it; sending its validation again", upload.pk)
    try:
        validate_upload.delay(upload.pk, upload_inputs(upload))
    except OperationalError:  # kombu's: the broker is unreachable; the retry waits as before
        log.warning("could not send upload %s again", upload.pk, exc_info=True)
        return False
    return True
