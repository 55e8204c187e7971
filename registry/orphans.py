"""Blobs in distribution storage that no file row uses, and their removal.

Publishing writes a file's blob before its row commits and removes it again on every way out
it can see; a worker killed in between (the kernel's OOM killer, a power cut), or a storage
error after a deletion committed, leaves the blob behind. ``manage.py sweep_blobs`` finds
and removes those. Only names of the blob layout (``org/aa/bb/digest/filename``, see
``registry.storage.blob_path``) are looked at, and only those older than the caller's
cutoff: a blob whose row has not committed yet is not an orphan.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import transaction

from accounts.models import Organization
from registry.models import File
from registry.storage import METADATA_SUFFIX, blob_folders_prune, distributions

log = logging.getLogger(__name__)

BATCH = 200  # blobs checked and removed under one hold of the org's lock
# Folder names at each depth of the layout (an org's id, then the digest), then the file.
_LEVELS = (re.compile(r"[1-9]\d*"), re.compile(r"[0-9a-f]{2}"), re.compile(r"[0-9a-f]{2}"),
           re.compile(r"[0-9a-f]{60}"))


@dataclass
class Sweep:
    """What a sweep found: the orphans removed (or, in a dry run, that would be)."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0

    def add(self, names: list[str], sizes: dict[str, int]) -> None:
        self.removed += names
        self.bytes += sum(sizes[name] for name in names)


def blobs_sweep(*, older_than: datetime, dry_run: bool = False) -> Sweep:
    """Remove the blobs no file row uses that were last written before ``older_than``.

    Removal is decided and done under the org's lock, the one publishing takes, so a blob a
    publisher relies on is either seen as used, or removed before its row commits (and the
    publisher stores it again; ``uploads.publish.Blobs.restore``).
    """
    sweep = Sweep()
    for org_folder in _org_folders():
        names = _blob_names(org_folder)
        while batch := list(islice(names, BATCH)):
            _sweep_batch(int(org_folder), batch, older_than, dry_run, sweep)
    return sweep


def _org_folders() -> list[str]:
    try:
        folders, _files = distributions().listdir("")
    except FileNotFoundError:  # nothing stored yet
        return []
    return sorted(name for name in folders if _LEVELS[0].fullmatch(name))


def _blob_names(org_folder: str) -> Iterator[str]:
    """Every name of the blob layout under one org's folder (folders that vanish while it
    walks, emptied by a deletion, are skipped)."""
    store = distributions()

    def walk(folder: str, depth: int) -> Iterator[str]:
        try:
            folders, files = store.listdir(folder)
        except FileNotFoundError:
            return
        if depth == len(_LEVELS):
            yield from (f"{folder}/{name}" for name in sorted(files))
            return
        for name in sorted(folders):
            if _LEVELS[depth].fullmatch(name):
                yield from walk(f"{folder}/{name}", depth + 1)

    yield from walk(org_folder, 1)


def _file_path(blob: str) -> str:
    """The file row's ``path`` that a blob belongs to (a ``.metadata`` file's wheel)."""
    return blob.removesuffix(METADATA_SUFFIX)


def _unused(names: list[str]) -> list[str]:
    used = set(File.objects.filter(path__in={_file_path(n) for n in names})
               .values_list("path", flat=True))
    return [name for name in names if _file_path(name) not in used]


def _aged_size(name: str, older_than: datetime) -> int | None:
    """The blob's size if it was last written before ``older_than``; None if younger or
    gone meanwhile."""
    store = distributions()
    try:
        return store.size(name) if store.get_modified_time(name) < older_than else None
    except FileNotFoundError:
        return None


def _sweep_batch(org_id: int, batch: list[str], older_than: datetime, dry_run: bool,
                 sweep: Sweep) -> None:
    # Looked at without the lock first (most blobs are in use), so the lock is held only
    # while the few candidates are checked again and removed.
    sizes = {name: size for name in _unused(batch)
             if (size := _aged_size(name, older_than)) is not None}
    if not sizes:
        return
    if dry_run:
        sweep.add(list(sizes), sizes)
        return
    with transaction.atomic():
        # The org's row, locked: the lock a publisher of this org holds (SQLite locks the
        # whole database for the transaction instead).
        list(Organization.objects.select_for_update().filter(pk=org_id).values_list("pk"))
        orphans = _unused(list(sizes))
        for name in orphans:
            distributions().delete(name)
            blob_folders_prune(name)
            log.info("removed orphaned blob %s", name)
    sweep.add(orphans, sizes)
