"""From files-ready to the orchestrator's input, and from a chunk in the state to its ``ChunkJob`` (ids only: every
archive path is derived from them by ``shared.layout`` where it is used)."""

from __future__ import annotations

from datetime import datetime

from shared import layout
from shared.domain import Call, Chunk, ChunkFile, FilesInfo, Recording
from shared.domain import inputs as ev
from shared.handlers.placement import Placement
from shared.messages import ChunkJob, ChunkRef
from shared.wire import RecordingFilesReady


def files_ready_input(event: RecordingFilesReady, placed: Placement, received_at: datetime) -> ev.FilesReady:
    """The orchestrator's input for ``event``, with the call, recording and kind ``placed`` found for it, received
    by the app at ``received_at``; LayoutError when the ids or format cannot name archive paths.

    Its chunks count as enqueued at ``received_at`` (the app enqueues them now). The files count as ready at the
    event's ``eventTime`` clamped to ``received_at``: ACS deletes recordings 24 h after it made them ready (on its
    own clock, so a late delivery is that much closer to deletion), and no body can date them in the future, which
    would make the sweeper's ages negative and the recording never re-driven or expired."""
    layout.check_recording_names(event.recording_start, placed.call_key, placed.recording_id, placed.format)
    info = FilesInfo(
        recording_start=event.recording_start,
        duration_ms=event.duration_ms,
        content_type=placed.kind.content or "",
        channel_type=placed.kind.channel or "",
        format=placed.format,
        session_end_reason=event.session_end_reason,
        storage_type=event.storage_type,
        ready_at=min(event.occurred_at, received_at),
        filed_under=placed.filed_under,
        subject_call_id=event.call_id,
        recording_id_from=placed.recording_id_from,
        kind_from=placed.kind_from,
    )
    files = tuple(
        ChunkFile(
            index=chunk.index,
            document_id=chunk.document_id,
            end_reason=chunk.end_reason,
            content_location=chunk.content_location,
            metadata_location=chunk.metadata_location,
            delete_location=chunk.delete_location,
        )
        for chunk in event.chunks
    )
    return ev.FilesReady(
        event.event_id, received_at, "eventgrid", recording_id=placed.recording_id, info=info, chunks=files
    )


def chunk_ref(call: Call, recording: Recording, index: int) -> ChunkRef:
    files = recording.files
    if files is None:
        raise ValueError(f"recording {recording.recording_id} has no files yet")
    return ChunkRef(
        server_call_id=call.server_call_id,
        recording_id=recording.recording_id,
        index=index,
        format=files.format,
        recording_start=files.recording_start,
    )


def chunk_job(call: Call, recording: Recording, chunk: Chunk, *, event_id: str, attempt: int = 0) -> ChunkJob:
    return ChunkJob(
        chunk=chunk_ref(call, recording, chunk.index),
        file=chunk.file,
        correlation_id=call.correlation_id,
        event_id=event_id,
        attempt=attempt,
    )
