"""``archive_chunk``: copy one chunk, record it, and delete the recording at ACS once every chunk is archived."""

from __future__ import annotations

from shared.archive import ArchivePermanentError
from shared.domain import Call, DomainError, RecordingState
from shared.domain import events as ev
from shared.handlers.deps import Deps
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob, MessageError
from shared.urlcheck import UnsafeUrl, check_recording_url

log = get_logger(__name__)


def handle_chunk(body: str | bytes, deps: Deps) -> bytes | None:
    """Archive the chunk of a queue message; return the media for the blob output binding (None: nothing to set).

    A bad message or unsafe URL is quarantined; ``ArchivePermanentError`` marks the recording failed; transient
    errors propagate so the queue redelivers. A redelivery re-runs the copy even when the state says archived
    (the output binding writes after return, so only a re-run repairs a crash in between).
    """
    try:
        job = ChunkJob.from_json(body)
    except MessageError as exc:
        deps.quarantine.put("chunk-job", str(exc), _bytes(body), source="archive_chunk")
        return None
    with call_context(call_folder=job.call_folder, recording_id=job.recording_id, correlation_id=job.correlation_id):
        return _archive(job, body, deps)


def _archive(job: ChunkJob, body: str | bytes, deps: Deps) -> bytes | None:
    try:
        for url in (job.content_location, job.metadata_location, job.delete_location):
            check_recording_url(url, deps.settings.allowed_host_suffixes)
    except UnsafeUrl as exc:
        deps.quarantine.put("chunk-job", f"unsafe recording URL: {exc}", _bytes(body), source="archive_chunk")
        return None
    try:
        archived = deps.archive(job)
    except ArchivePermanentError as exc:
        log.warning("chunk %d cannot be archived: %s", job.index, exc.reason)
        failed = ev.ArchiveFailed(
            f"archive-failed:{job.recording_id}:{job.index}", deps.now(), "archive", job.recording_id, exc.reason
        )
        _apply(job, failed, body, deps)
        return None
    done = ev.ChunkArchived(
        f"archived:{job.recording_id}:{job.index}",
        deps.now(),
        "archive",
        recording_id=job.recording_id,
        index=job.index,
        size=archived.size,
        sha256=archived.sha256,
    )
    call = _apply(job, done, body, deps)
    log.info(
        "chunk %d archived (%d bytes, %s)", job.index, archived.size, "streamed" if archived.streamed else "binding"
    )
    recording = call.recording(job.recording_id) if call is not None else None
    if recording is not None and recording.state is RecordingState.ARCHIVED:
        log.info("recording archived: %d chunk(s) verified", len(recording.chunks), extra={"milestone": "archived"})
    if call is not None and deps.settings.delete_source_after_archive:
        delete_source_if_done(call, job.recording_id, deps)
    return None if archived.streamed else archived.payload


def delete_source_if_done(call: Call, recording_id: str, deps: Deps) -> None:
    """Delete every chunk at ACS once the whole recording is archived, then record it."""
    recording = call.recording(recording_id)
    if recording is None or recording.state is not RecordingState.ARCHIVED:
        return
    for location in sorted({c.file.delete_location for c in recording.chunks if c.file.delete_location}):
        deps.source.delete(check_recording_url(location, deps.settings.allowed_host_suffixes))
    deps.store.apply(
        call.server_call_id, ev.SourceDeleted(f"deleted:{recording_id}", deps.now(), "archive", recording_id)
    )
    log.info("recording deleted at ACS after archiving %d chunk(s)", len(recording.chunks))


def _apply(job: ChunkJob, event: ev.Input, body: str | bytes, deps: Deps) -> Call | None:
    """Record the outcome; a job the call's state cannot take (say, an unknown recording) is quarantined."""
    try:
        return deps.store.apply(job.server_call_id, event).call
    except DomainError as exc:
        reason = f"{type(event).__name__} cannot be recorded: {exc}"
        deps.quarantine.put("chunk-job", reason, _bytes(body), source="archive_chunk")
        return None


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body
