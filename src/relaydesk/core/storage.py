"""Content-addressed file storage on top of Django's storage API.

Files are stored under their sha256, so the same bytes are kept once and a
stored file can never be overwritten with other content.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def blob_path(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_blob(content: bytes) -> str:
    """Store the bytes (once) and return their sha256 hex digest."""
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(digest)
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(content))
        if saved != path:
            # A concurrent writer stored the same bytes first; ours is a copy.
            default_storage.delete(saved)
    return digest


def read_blob(sha256: str) -> bytes:
    with default_storage.open(blob_path(sha256), "rb") as handle:
        data: bytes = handle.read()
    return data
