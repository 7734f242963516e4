"""``archive_chunk``: copy one recording chunk (media + ACS metadata) into the archive.

The copy is not the archive's word that the chunk is kept: the media of a small chunk is written by the blob output
binding after the function returns, so every copy is confirmed by ``shared.archive.readback`` in a later step.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from shared.archive.acsmeta import chunk_copy
from shared.archive.copy_options import ArchiveOptions
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.fetch import Reader
from shared.archive.media import copy_media
from shared.archive.source import RecordingSource, SourceStream
from shared.archive.split import split_participants, stored_blocks
from shared.archive.splitalong import SplitAlong
from shared.archive.writer import Stager, blob_metadata, put_blob
from shared.domain.model import ChunkCopy
from shared.formats import content_type
from shared.messages import ChunkJob

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)
METADATA_LIMIT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Archived:
    """What ``archive_chunk`` copied: the facts to verify, and the media for the blob output binding (not streamed)."""

    copy: ChunkCopy
    payload: bytes | None = field(default=None, repr=False)


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
    document = read_metadata(source, job.file.metadata_location)
    metadata_sha256 = hashlib.sha256(document).hexdigest()
    path = job.chunk.paths.metadata
    put_blob(container, path, document, blob_metadata(job.chunk, metadata_sha256), "application/json")
    return document, metadata_sha256


def archive_chunk(
    job: ChunkJob, source: RecordingSource, container: ContainerClient, options: ArchiveOptions
) -> Archived:
    """Copy one chunk: the metadata blob, and the media checked against ACS's declared size as it is hashed; a small
    chunk comes back as a payload (for the blob output binding), a large one is committed as staged blocks.

    Re-running it copies again (the same bytes to the same paths). Raises ArchiveTransientError (retry later) or
    ArchivePermanentError (e.g. SourceGoneError).
    """
    with ThreadPoolExecutor(1, thread_name_prefix="archive-meta") as side:
        # The metadata document is copied while the media is: two round trips fewer per chunk.
        stored_metadata = side.submit(contextvars.copy_context().run, copy_metadata, job, source, container)

        def make_stager(pool: ThreadPoolExecutor, permits: threading.Semaphore) -> Stager:
            stored_metadata.result()  # it created the container when there was none: blocks can be staged
            return Stager(container.get_blob_client(job.chunk.paths.media), pool, permits)

        along = SplitAlong(lambda pieces, total: _split_fed(job, container, stored_metadata, pieces, total, options))
        try:
            media = copy_media(
                source,
                job.file.content_location,
                options,
                make_stager,
                lambda sha: blob_metadata(job.chunk, sha),
                content_type(job.chunk.format),
                along.along if _splits(job, options) else None,
            )
        except BaseException:
            along.abandon()
            raise
        split_along = along.finish()
        document, metadata_sha256 = stored_metadata.result()
    log.info(
        "chunk %s of recording %s copied: %s bytes, sha256 %s, streamed=%s",
        job.chunk.index, job.chunk.recording_id, media.size, media.sha256, media.streamed,
    )  # fmt: skip
    copy = chunk_copy(
        size=media.size,
        sha256=media.sha256,
        streamed=media.streamed,
        document=document,
        metadata_sha256=metadata_sha256,
    )
    if split_along is not None:
        copy = replace(copy, participant_files=split_along)
    elif _splits(job, options) and _on_channels(copy):
        copy = replace(copy, participant_files=_split(job, container, copy, media.payload, options))
    return Archived(copy, media.payload)


def _splits(job: ChunkJob, options: ArchiveOptions) -> bool:
    """Participant files are wanted and the chunk is a WAV (whether it is unmixed, its metadata says)."""
    return options.participant_files and job.chunk.format.lower() == "wav"


def _split_fed(
    job: ChunkJob,
    container: ContainerClient,
    stored_metadata: Future[tuple[bytes, str]],
    pieces: Iterator[bytes],
    total: int,
    options: ArchiveOptions,
) -> tuple[dict[str, Any], ...]:
    """The per-participant files of an unmixed WAV chunk from the pieces of its copy (``SplitAlong``); none for a
    chunk whose metadata puts nobody on a channel of their own (the pieces are let go)."""
    document, _ = stored_metadata.result()
    copy = chunk_copy(size=total, sha256="", streamed=True, document=document, metadata_sha256="")
    if not _on_channels(copy):
        return ()
    return split_participants(container, job.chunk, copy.participants, pieces, total, options)


def _on_channels(copy: ChunkCopy) -> bool:
    """Some participant is on a channel of its own (an unmixed chunk): a mixed chunk is not read again to split."""
    return any(isinstance(person.get("channel"), int) for person in copy.participants)


def _split(
    job: ChunkJob, container: ContainerClient, copy: ChunkCopy, payload: bytes | None, options: ArchiveOptions
) -> tuple[dict[str, Any], ...]:
    """The per-participant files of an unmixed WAV chunk not split along its copy: from the payload or (streamed
    without lanes: a server that ignored the range, or declared no size) the committed blob."""
    block = options.block_size_bytes
    blocks: Iterator[bytes]
    if payload is not None:
        blocks = (payload[offset : offset + block] for offset in range(0, len(payload), block))
    else:
        blocks = stored_blocks(container, job.chunk.paths.media, copy.size, block)
    return split_participants(container, job.chunk, copy.participants, blocks, copy.size, options)


__all__: list[str] = ["Archived", "archive_chunk"]
