"""Recognise a chunk that an earlier run already archived and verified (a redelivered or re-driven job).

Such a job must not go back to ACS: the recording may have been deleted there once everything was archived.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from shared.archive.manifest import Entry, find_entry, read_manifest
from shared.archive.options import ArchiveOptions
from shared.archive.writer import storage_call
from shared.messages import ChunkJob

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient


def _properties(container: ContainerClient, name: str) -> Any:
    """The blob's properties, or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    def get() -> Any:
        try:
            return container.get_blob_client(name).get_blob_properties()
        except ResourceNotFoundError:
            return None

    return storage_call(f"read the properties of {name}", get)


def _stored_sha256(container: ContainerClient, name: str) -> tuple[str, bytes]:
    data: bytes = storage_call(f"read {name}", lambda: container.download_blob(name).readall())
    return hashlib.sha256(data).hexdigest(), data


def previously_archived(
    job: ChunkJob, container: ContainerClient, options: ArchiveOptions
) -> tuple[Entry, bytes | None] | None:
    """The manifest entry of this chunk when its media and metadata blobs are stored and match it.

    Second item: the media bytes for a chunk that went through the blob output binding (None when streamed).
    """
    document, _ = read_manifest(container.get_blob_client(job.manifest_path))
    entry = find_entry(document, job.index)
    if entry is None or entry.get("blobPath") != job.blob_path:
        return None
    metadata = _properties(container, job.metadata_path)
    if metadata is None or metadata.metadata.get("sha256") != entry.get("metadataSha256"):
        return None
    media = _properties(container, job.blob_path)
    if media is None or media.size != entry.get("size"):
        return None
    if entry.get("streamed"):
        return (entry, None) if media.metadata.get("sha256") == entry.get("sha256") else None
    if media.size > max(options.streaming_threshold_bytes, 1):
        return None
    digest, data = _stored_sha256(container, job.blob_path)
    return (entry, data) if digest == entry.get("sha256") else None
