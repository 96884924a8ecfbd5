"""Content-addressed file storage on top of Django's storage API.

Files are stored under their sha256, so the same bytes are kept once and a
stored file can never be overwritten with other content.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
        make_durable(path)
    return digest


def make_durable(path: str) -> None:
    """fsync a stored file and its directories, where the storage is a local disk.

    "Stored" must survive a power cut: the mail gate tells the MTA it may
    forget a message only after this. Remote storages (S3 …) acknowledge
    durably themselves and have no local path.
    """
    try:
        local = Path(default_storage.path(path))
    except NotImplementedError:
        return
    with open(local, "rb") as handle:
        os.fsync(handle.fileno())
    root = Path(default_storage.path(""))
    for directory in (local.parent, local.parent.parent, local.parent.parent.parent):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if directory == root:
            break


def read_blob(sha256: str) -> bytes:
    with default_storage.open(blob_path(sha256), "rb") as handle:
        data: bytes = handle.read()
    return data
