"""From files-ready to the orchestrator's input and to one ``ChunkJob`` per chunk (paths from ``shared.layout``)."""

from __future__ import annotations

from datetime import datetime

from shared import layout
from shared.domain import Call, Chunk, ChunkFile, FilesInfo, Recording
from shared.domain import events as ev
from shared.events import RecordingFilesReady
from shared.messages import ChunkJob


def files_ready_input(event: RecordingFilesReady, server_call_id: str) -> ev.FilesReady:
    prefix = layout.recording_prefix(event.recording_start, server_call_id, event.recording_id)
    info = FilesInfo(
        recording_start=event.recording_start,
        duration_ms=event.duration_ms,
        content_type=event.content_type,
        channel_type=event.channel_type,
        format=event.format,
        session_end_reason=event.session_end_reason,
        storage_type=event.storage_type,
        manifest_path=layout.manifest_path(prefix),
        ready_at=event.occurred_at,
    )
    files = tuple(
        ChunkFile(
            index=chunk.index,
            document_id=chunk.document_id,
            end_reason=chunk.end_reason,
            content_location=chunk.content_location,
            metadata_location=chunk.metadata_location,
            delete_location=chunk.delete_location,
            blob_path=layout.chunk_path(prefix, chunk.index, event.format),
            metadata_path=layout.metadata_path(prefix, chunk.index),
        )
        for chunk in event.chunks
    )
    return ev.FilesReady(event.event_id, event.occurred_at, "eventgrid", event.recording_id, info, files)


def chunk_job(call: Call, recording: Recording, chunk: Chunk, *, event_id: str, attempt: int = 0) -> ChunkJob:
    files = recording.files
    if files is None:
        raise ValueError(f"recording {recording.recording_id} has no files yet")
    return ChunkJob(
        server_call_id=call.server_call_id,
        call_folder=layout.call_folder(call.server_call_id),
        recording_id=recording.recording_id,
        index=chunk.index,
        document_id=chunk.file.document_id,
        format=files.format,
        blob_path=chunk.file.blob_path,
        metadata_path=chunk.file.metadata_path,
        manifest_path=files.manifest_path,
        content_location=chunk.file.content_location,
        metadata_location=chunk.file.metadata_location,
        delete_location=chunk.file.delete_location,
        recording_start=_iso(files.recording_start),
        end_reason=chunk.file.end_reason,
        correlation_id=call.correlation_id,
        event_id=event_id,
        attempt=attempt,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
