"""How each input changes one recording (pure; the call-level dispatch is in ``machine``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.domain import inputs as ev
from shared.domain.errors import ChunkMismatch
from shared.domain.model import Chunk, ChunkState, Recording, RecordingState
from shared.domain.transitions import recording_target


def move(recording: Recording, trigger: str, at: datetime | None = None) -> Recording:
    """Apply ``trigger`` through the table; ``at`` (when given) becomes the state's time."""
    target = recording_target(trigger, recording.state)
    if target is None:
        return recording
    if target is RecordingState.STOPPED and _never_recorded(recording):
        target = RecordingState.NO_MEDIA  # started paused and never resumed: ACS makes no file
    changed = replace(recording, state=target, was_active=recording.was_active or target is RecordingState.ACTIVE)
    return replace(changed, state_at=at) if at is not None else changed


def _never_recorded(recording: Recording) -> bool:
    """Started with ``pauseOnStart`` and never active. A recording started unpaused records from its start, so one
    whose active report was lost still has media: only the paused start is known to have none."""
    started_paused = recording.options is not None and recording.options.pause_on_start
    return started_paused and not recording.was_active


def report(recording: Recording, event: ev.RecordingStateReported) -> Recording:
    """ACS's state report; one older than the state already known is ignored."""
    if recording.state_at is not None and event.at < recording.state_at:
        return recording
    if event.active:
        return move(recording, "report_active", event.at)
    return move(recording, "report_stopped" if recording.stop_requested else "report_paused", event.at)


def reconciled(recording: Recording, event: ev.RecordingReconciled, call_ended: bool) -> Recording:
    """What ACS reported when asked, by the same time rule as a state report.

    ``gone`` fails a recording still starting (ACS dropped the start) and stops a live one; ``inactive`` stops
    a recording that was asked to stop or whose call has ended, and pauses any other.
    """
    if event.status not in ev.RECONCILED_STATUSES:
        raise ValueError(f"unknown reconciled recording status {event.status!r}")
    if recording.state_at is not None and event.at < recording.state_at:
        return recording
    if event.status == "active":
        return move(recording, "report_active", event.at)
    if event.status == "gone" and recording.state is RecordingState.STARTING:
        return fail(recording, "start_failed", "ACS no longer knows the recording", event.at)
    stopped = event.status == "gone" or call_ended or recording.stop_requested
    return move(recording, "report_stopped" if stopped else "report_paused", event.at)


def stop(recording: Recording, at: datetime, trigger: str = "stop") -> Recording:
    moved = move(recording, trigger, at)
    ended = moved is not recording and moved.state in (RecordingState.STOPPED, RecordingState.NO_MEDIA)
    return replace(moved, stop_requested=True) if ended else moved


def files_ready(recording: Recording, event: ev.FilesReady) -> Recording:
    """Record the announced chunks (merging with any already known) and their recording's details."""
    moved = move(recording, "files_ready")
    if moved is recording:
        return recording
    known = {c.index: c for c in recording.chunks}
    for file in event.chunks:
        known.setdefault(file.index, Chunk(file=file, enqueued_at=event.at, announced_by=event.event_id))
    chunks = tuple(known[i] for i in sorted(known))
    files = recording.files or event.info
    return _settle(replace(moved, files=files, chunks=chunks, stop_requested=True))


def chunk_archived(recording: Recording, event: ev.ChunkArchived) -> Recording:
    moved = move(recording, "chunk_archived")
    chunk = recording.chunk(event.index)
    if chunk is None or recording.files is None:
        raise ChunkMismatch(event.index, "it was never announced")
    files = recording.files
    if (chunk.file.document_id, files.recording_start, files.format) != (
        event.document_id,
        event.recording_start,
        event.format,
    ):
        raise ChunkMismatch(event.index, "documentId, recordingStart or format differ from what files-ready announced")
    if chunk.state is ChunkState.ARCHIVED:
        return moved
    done = replace(chunk, state=ChunkState.ARCHIVED, copy=event.copy, archived_at=event.at)
    return _settle(replace(moved, chunks=_swap(recording.chunks, done)))


def chunk_requeued(recording: Recording, event: ev.ChunkRequeued) -> Recording:
    moved = move(recording, "chunk_requeued")
    chunk = recording.chunk(event.index)
    if moved is recording or chunk is None or chunk.state is ChunkState.ARCHIVED:
        return moved
    again = replace(chunk, enqueued_at=event.at, attempt=max(chunk.attempt, event.attempt))
    return replace(moved, chunks=_swap(recording.chunks, again))


def fail(recording: Recording, trigger: str, reason: str, at: datetime) -> Recording:
    moved = move(recording, trigger, at)
    if moved.state is RecordingState.FAILED and moved is not recording:
        return replace(moved, reason=reason or moved.reason)
    return moved


def warned(recording: Recording) -> Recording:
    moved = move(recording, "retention_warned")
    return recording if moved is recording else replace(moved, retention_warned=True)


def _swap(chunks: tuple[Chunk, ...], new: Chunk) -> tuple[Chunk, ...]:
    return tuple(new if c.index == new.index else c for c in chunks)


def _settle(recording: Recording) -> Recording:
    """files_ready <-> archived follows whether every chunk is archived."""
    if recording.state is RecordingState.FILES_READY and recording.all_archived:
        return replace(recording, state=RecordingState.ARCHIVED)
    if recording.state is RecordingState.ARCHIVED and not recording.all_archived:
        return replace(recording, state=RecordingState.FILES_READY)
    return recording
