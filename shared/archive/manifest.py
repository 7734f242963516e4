"""``manifest.json``: the recording's integrity record, one entry per chunk, updated with ETag concurrency.

Chunks of one recording are archived in parallel; each writer reads the manifest with its ETag, merges its own
entry, and writes back only if nobody wrote in between (``If-Match``, or ``If-None-Match: *`` for the first one),
retrying on 412/409. Merging the same chunk again keeps one entry (and its first ``archivedAt``).
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import TYPE_CHECKING, Any

from shared.archive.errors import ArchiveTransientError
from shared.archive.translate import from_storage
from shared.messages import ChunkJob

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, ContainerClient

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
ATTEMPTS = 50
Entry = dict[str, Any]
Document = dict[str, Any]


def recording_fields(job: ChunkJob) -> Document:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "serverCallId": job.server_call_id,
        "callFolder": job.call_folder,
        "recordingId": job.recording_id,
        "recordingStart": job.recording_start,
        "format": job.format,
        "correlationId": job.correlation_id,
        "chunks": [],
    }


def find_entry(document: Document | None, index: int) -> Entry | None:
    for entry in (document or {}).get("chunks", []):
        if isinstance(entry, dict) and entry.get("index") == index:
            return entry
    return None


def merged(document: Document | None, job: ChunkJob, entry: Entry, now: str) -> Document | None:
    """The manifest with ``entry`` in it, or None when it already says exactly that."""
    base = dict(document) if document else recording_fields(job)
    old = find_entry(base, entry["index"])
    if old is not None:
        same_bytes = old.get("sha256") == entry["sha256"] and old.get("size") == entry["size"]
        known = [e for e in old.get("eventIds", []) if isinstance(e, str)]
        entry = {
            **entry,
            "eventIds": known + [e for e in entry["eventIds"] if e not in known],
            "archivedAt": old.get("archivedAt", entry["archivedAt"]) if same_bytes else entry["archivedAt"],
        }
        if entry == old:
            return None
        if not same_bytes:
            log.warning("chunk %s of %s changed since it was archived", entry["index"], job.recording_id)
    others = [c for c in base.get("chunks", []) if isinstance(c, dict) and c.get("index") != entry["index"]]
    base["chunks"] = sorted([*others, entry], key=lambda c: int(c.get("index", -1)))
    base["updatedAt"] = now
    return base


def read_manifest(blob: BlobClient) -> tuple[Document | None, str | None]:
    """The manifest and its ETag; (None, None) when it does not exist yet."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        download = blob.download_blob()
        body = download.readall()
    except ResourceNotFoundError:
        return None, None
    except (AzureError, OSError) as exc:
        raise from_storage(exc, "read the manifest") from exc
    try:
        document = json.loads(body)
    except ValueError:
        raise ArchiveTransientError(f"manifest {blob.blob_name} is not JSON") from None
    return (document if isinstance(document, dict) else None), download.properties.etag


def _write(blob: BlobClient, document: Document, etag: str | None, metadata: dict[str, str]) -> bool:
    """Write if unchanged since read; False when another writer got there first."""
    from azure.core import MatchConditions
    from azure.core.exceptions import AzureError, ResourceExistsError, ResourceModifiedError
    from azure.storage.blob import ContentSettings

    data = json.dumps(document, indent=2, sort_keys=False).encode("utf-8")
    settings = ContentSettings(content_type="application/json")
    try:
        if etag is None:
            blob.upload_blob(data, overwrite=False, metadata=metadata, content_settings=settings)
        else:
            blob.upload_blob(
                data, overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified,
                metadata=metadata, content_settings=settings,
            )  # fmt: skip
    except (ResourceExistsError, ResourceModifiedError):
        return False
    except (AzureError, OSError) as exc:
        if getattr(exc, "status_code", None) in (409, 412):
            return False
        raise from_storage(exc, "write the manifest") from exc
    return True


def update_manifest(
    container: ContainerClient, job: ChunkJob, entry: Entry, now: str, metadata: dict[str, str]
) -> Entry:
    """Merge ``entry`` into the recording's manifest; returns the entry as stored."""
    blob = container.get_blob_client(job.manifest_path)
    for attempt in range(1, ATTEMPTS + 1):
        document, etag = read_manifest(blob)
        updated = merged(document, job, entry, now)
        if updated is None:
            return find_entry(document, entry["index"]) or entry
        if _write(blob, updated, etag, metadata):
            return find_entry(updated, entry["index"]) or entry
        log.debug("manifest %s changed under us (attempt %s)", job.manifest_path, attempt)
        time.sleep(random.uniform(0.01, 0.05) * min(attempt, 10))
    raise ArchiveTransientError(f"manifest {job.manifest_path} kept changing; gave up after {ATTEMPTS} attempts")
