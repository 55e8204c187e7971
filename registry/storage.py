"""The one accessor for distribution storage (alias ``distributions`` in STORAGES)."""

import os

from django.core.files.storage import Storage, storages

METADATA_SUFFIX = ".metadata"  # a wheel's PEP 658 metadata, stored beside its blob


def distributions() -> Storage:
    return storages["distributions"]


def staging() -> Storage:
    return storages["staging"]


def blob_path(org_id: int, blake2_256: str, filename: str) -> str:
    """Where a file lives: by org, then by its BLAKE2b-256 digest, as in the file URL."""
    return f"{org_id}/{blake2_256[:2]}/{blake2_256[2:4]}/{blake2_256[4:]}/{filename}"


def url_path(blake2_256: str, filename: str) -> str:
    """The part of ``/{org}/files/...`` after ``files/``."""
    return f"{blake2_256[:2]}/{blake2_256[2:4]}/{blake2_256[4:]}/{filename}"


def blob_folders_prune(name: str) -> None:
    """On a local disk, remove the folders of blob ``name`` (org/aa/bb/digest) that are now
    empty; object storages have no folders to remove."""
    store = distributions()
    try:
        root, folder = store.path(""), os.path.dirname(store.path(name))
    except NotImplementedError:
        return
    while folder.startswith(root.rstrip(os.sep) + os.sep):
        try:
            os.rmdir(folder)
        except OSError:  # not empty: someone else's files are in it
            return
        folder = os.path.dirname(folder)
