"""The one accessor for distribution storage (alias ``distributions`` in STORAGES)."""

from django.core.files.storage import Storage, storages


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
