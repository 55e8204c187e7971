"""Validating an upload while the request records it: the hand-over of the upload's row id.

With a Celery worker and Redis, the request queues the validation of the staged file as soon
as it is staged, then reads the project, checks the upload and writes its row while the
worker validates; the worker then waits for the row's id on a per-upload Redis list before it
publishes. The request pushes either that id or ``CANCEL`` (it refused the upload, or it is a
replay: the request then removes the staged file itself).

Neither side can be left waiting on the other. A worker that hears nothing within
``UPLOAD_HANDOFF_SECONDS`` gives up, and the request learns it when it hands over the id: both
steps are one Redis transaction each (``MULTI``), so either the worker gave up first and the
request queues the classic task by id (which validates again), or the id was pushed first and
the worker takes it. A worker that gives up never touches the staged file.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings

from uploads import notify

log = logging.getLogger(__name__)
CANCEL = "cancel"


def _keys(handoff: str) -> tuple[str, str]:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:upload-handoff:{handoff}", f"{prefix}:upload-handoff-gone:{handoff}"


def _ttl() -> int:
    """As long as a queued task may wait and run: an id handed over while the task waits
    behind others must still be there when the worker starts it."""
    from uploads.services import stale_after

    return int(stale_after().total_seconds())


def give(handoff: str, upload_id: int) -> bool:
    """Hand the committed row's id to the worker; False if the worker gave up (or Redis did
    not answer): the caller then queues the classic task by id."""
    key, gone = _keys(handoff)
    try:
        with notify.client().pipeline(transaction=True) as pipe:
            pipe.rpush(key, str(upload_id))
            pipe.expire(key, _ttl())
            pipe.get(gone)
            _pushed, _expiry, given_up = pipe.execute()
    except redis.RedisError:
        # The id may or may not have reached the worker: a second task for the same row is
        # harmless (only a pending row is processed, and a twin ends as "existed").
        log.warning("could not hand upload %s to its worker; queueing it again", upload_id,
                    exc_info=True)
        return False
    return given_up is None


def cancel(handoff: str) -> None:
    """Tell the worker to drop the validation: the request answered without a row."""
    key, _gone = _keys(handoff)
    try:
        with notify.client().pipeline(transaction=True) as pipe:
            pipe.rpush(key, CANCEL)
            pipe.expire(key, _ttl())
            pipe.execute()
    except redis.RedisError:  # the worker gives up after UPLOAD_HANDOFF_SECONDS instead
        log.warning("could not cancel validation %s", handoff, exc_info=True)


def peek(handoff: str) -> str | None:
    """What the request has said already, without waiting (the worker asks before it
    validates, so that a refused upload or a replay usually costs no validation)."""
    key, _gone = _keys(handoff)
    try:
        said = notify.client().lpop(key)
    except redis.RedisError:
        log.warning("could not read hand-over %s", handoff, exc_info=True)
        return None
    return said.decode() if said is not None else None


def receive(handoff: str) -> str | None:
    """The row id (as text) or ``CANCEL``; None when the request said nothing in time, in
    which case this worker has given up atomically and the request will queue the upload
    again."""
    key, gone = _keys(handoff)
    client = notify.client()
    try:
        heard = client.blpop([key], timeout=settings.UPLOAD_HANDOFF_SECONDS)
        if heard is not None:
            return heard[1].decode()
        with client.pipeline(transaction=True) as pipe:
            pipe.set(gone, "1", ex=_ttl())
            pipe.lpop(key)
            _set, late = pipe.execute()
    except redis.RedisError:
        # If Redis failed for this worker alone, the request may hand over an id nobody
        # takes: that upload stays pending until ``expire_uploads`` fails it, as one whose
        # task the broker lost.
        log.warning("could not receive hand-over %s; giving up", handoff, exc_info=True)
        return None
    return late.decode() if late is not None else None
