"""``archive_chunk``: copy one recording chunk (media + ACS metadata) into the archive and record it in the manifest."""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.archive.acsmeta import ChunkFacts, chunk_facts
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.fetch import Reader
from shared.archive.manifest import Entry, update_manifest
from shared.archive.media import CopiedMedia, copy_media
from shared.archive.options import ArchiveOptions
from shared.archive.previous import previously_archived
from shared.archive.source import RecordingSource, SourceStream
from shared.archive.writer import Stager, blob_metadata, content_type, put_blob
from shared.messages import ArchivedChunk, ChunkJob

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)
METADATA_LIMIT_BYTES = 4 * 1024 * 1024


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_metadata(source: RecordingSource, url: str) -> bytes:
    """The chunk's ACS metadata document, whole and as served (bounded: it is a small JSON file)."""
    stream = source.download(url)
    try:
        document = Reader(stream).read(METADATA_LIMIT_BYTES + 1)
    finally:
        if isinstance(stream, SourceStream):
            stream.close()
    if len(document) > METADATA_LIMIT_BYTES:
        raise ArchivePermanentError(f"recording metadata is larger than {METADATA_LIMIT_BYTES} bytes")
    declared = stream.length if isinstance(stream, SourceStream) else None
    if declared is not None and len(document) != declared:
        raise ArchiveTransientError(f"recording metadata cut short: {len(document)} of {declared} bytes")
    return document


def copy_metadata(job: ChunkJob, source: RecordingSource, container: ContainerClient) -> tuple[bytes, str]:
    """Store the chunk's ACS metadata document as served; the document and its SHA-256."""
    document = read_metadata(source, job.metadata_location)
    metadata_sha256 = hashlib.sha256(document).hexdigest()
    put_blob(container, job.metadata_path, document, blob_metadata(job, metadata_sha256), "application/json")
    return document, metadata_sha256


def chunk_entry(job: ChunkJob, media: CopiedMedia, facts: ChunkFacts, metadata_sha256: str, archived_at: str) -> Entry:
    """The chunk's line in the manifest."""
    return {
        "index": job.index,
        "documentId": job.document_id,
        "blobPath": job.blob_path,
        "size": media.size,
        "sha256": media.sha256,
        "streamed": media.streamed,
        "durationMs": facts.duration_ms,
        "pauseResumeIntervals": facts.pause_intervals,
        "participants": facts.participants,
        "metadataPath": job.metadata_path,
        "metadataSha256": metadata_sha256,
        "endReason": job.end_reason,
        "eventIds": [job.event_id] if job.event_id else [],
        "archivedAt": archived_at,
    }


def archived_chunk(job: ChunkJob, entry: Entry, payload: bytes | None) -> ArchivedChunk:
    duration = entry.get("durationMs")
    return ArchivedChunk(
        index=job.index,
        blob_path=job.blob_path,
        size=int(entry["size"]),
        sha256=str(entry["sha256"]),
        metadata_path=job.metadata_path,
        metadata_sha256=str(entry["metadataSha256"]),
        duration_ms=duration if isinstance(duration, int) else None,
        pause_intervals=list(entry.get("pauseResumeIntervals") or []),
        participants=list(entry.get("participants") or []),
        streamed=payload is None,
        payload=payload,
    )


def _manifest_metadata(job: ChunkJob) -> dict[str, str]:
    found = blob_metadata(job, "")
    return {k: v for k, v in found.items() if k in ("callFolder", "recordingId", "serverCallId")}


def archive_chunk(
    job: ChunkJob,
    source: RecordingSource,
    container: ContainerClient,
    options: ArchiveOptions,
    *,
    now: Callable[[], datetime] = utcnow,
) -> ArchivedChunk:
    """Copy one chunk: metadata blob, verified media (payload below the threshold, committed blocks above) and
    its manifest entry. Re-running it for an archived chunk changes nothing but the entry's event ids.

    Raises ArchiveTransientError (retry later) or ArchivePermanentError (e.g. SourceGoneError).
    """
    manifest_meta = _manifest_metadata(job)
    earlier = previously_archived(job, container, options)
    if earlier is not None:
        entry, payload = earlier
        log.info("chunk %s of recording %s is already archived", job.index, job.recording_id)
        wanted = {**entry, "eventIds": [job.event_id] if job.event_id else []}
        stored = update_manifest(container, job, wanted, timestamp(now()), manifest_meta)
        return archived_chunk(job, stored, payload)

    with ThreadPoolExecutor(1, thread_name_prefix="archive-meta") as side:
        # The metadata document is copied while the media is: two round trips fewer per chunk.
        stored_metadata = side.submit(contextvars.copy_context().run, copy_metadata, job, source, container)

        def make_stager(pool: ThreadPoolExecutor, permits: threading.Semaphore) -> Stager:
            stored_metadata.result()  # it created the container when there was none: blocks can be staged
            return Stager(container.get_blob_client(job.blob_path), pool, permits)

        media = copy_media(
            source,
            job.content_location,
            options,
            make_stager,
            lambda sha: blob_metadata(job, sha),
            content_type(job.format),
        )
        document, metadata_sha256 = stored_metadata.result()
    log.info(
        "chunk %s of recording %s copied: %s bytes, sha256 %s, streamed=%s",
        job.index, job.recording_id, media.size, media.sha256, media.streamed,
    )  # fmt: skip
    entry = chunk_entry(job, media, chunk_facts(document), metadata_sha256, timestamp(now()))
    stored = update_manifest(container, job, entry, timestamp(now()), manifest_meta)
    return archived_chunk(job, stored, media.payload)


__all__: list[str] = ["archive_chunk", "utcnow"]
