"""Blobs in distribution storage that no file row uses, and their removal.

Publishing writes a file's blob before its row commits and removes it again on every way out
it can see; a worker killed in between (the kernel's OOM killer, a power cut), or a storage
error after a deletion committed, leaves the blob behind. ``manage.py sweep_blobs`` finds
and removes those. Only names of the blob layout (``org/aa/bb/digest/filename``, see
``registry.storage.blob_path``) are looked at, and only those older than a publication can
take: a blob whose row has not committed yet is not an orphan.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import transaction

from accounts import statements
from registry.models import File
from registry.storage import blob_folders_prune, distributions

log = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"  # the PEP 658 file beside a wheel's blob
BATCH = 200  # blobs checked and removed under one hold of the org's lock
# Folder names at each depth of the layout, then the file name.
_LEVELS = (re.compile(r"\d+"), re.compile(r"[0-9a-f]{2}"), re.compile(r"[0-9a-f]{2}"),
           re.compile(r"[0-9a-f]{60}"))
_ORG_LOCK_SQL = "SELECT id FROM accounts_organization WHERE id = %s"


@dataclass
class Sweep:
    """What a sweep found: the orphans removed (or, in a dry run, that would be)."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0


def blob_names(org_folder: str) -> Iterator[str]:
    """Every name of the blob layout under one org's folder of distribution storage."""
    store = distributions()

    def walk(folder: str, depth: int) -> Iterator[str]:
        folders, files = store.listdir(folder)
        if depth == len(_LEVELS):
            yield from (f"{folder}/{name}" for name in sorted(files))
            return
        for name in sorted(folders):
            if _LEVELS[depth].fullmatch(name):
                yield from walk(f"{folder}/{name}", depth + 1)

    yield from walk(org_folder, 1)


def org_folders() -> list[str]:
    folders, _files = distributions().listdir("")
    return sorted(name for name in folders if _LEVELS[0].fullmatch(name))


def file_path_of(blob: str) -> str:
    """The file row's ``path`` that a blob belongs to (a ``.metadata`` file's wheel)."""
    return blob.removesuffix(METADATA_SUFFIX) if blob.endswith(METADATA_SUFFIX) else blob


def blobs_sweep(*, older_than: datetime, dry_run: bool = False) -> Sweep:
    """Remove the blobs no file row uses that were last written before ``older_than``.

    Each batch is checked and removed under its org's lock, the one publishing holds, so a
    blob a publisher is relying on is either seen as used or removed before that publisher
    looks (and it stores the blob again; see ``uploads.publish``).
    """
    sweep = Sweep()
    for org_folder in org_folders():
        names = blob_names(org_folder)
        while batch := list(islice(names, BATCH)):
            _sweep_batch(int(org_folder), batch, older_than, dry_run, sweep)
    return sweep


def _sweep_batch(org_id: int, batch: list[str], older_than: datetime, dry_run: bool,
                 sweep: Sweep) -> None:
    store = distributions()
    aged = [name for name in batch if store.get_modified_time(name) < older_than]
    if not aged:
        return
    with transaction.atomic():
        if not dry_run:
            statements.execute(_ORG_LOCK_SQL + statements.for_update(), [org_id])
        used = set(File.objects.filter(path__in={file_path_of(n) for n in aged})
                   .values_list("path", flat=True))
        for name in aged:
            if file_path_of(name) in used:
                continue
            sweep.bytes += store.size(name)
            sweep.removed.append(name)
            if not dry_run:
                store.delete(name)
                blob_folders_prune(name)
                log.info("removed orphaned blob %s", name)
