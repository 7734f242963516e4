"""``sweeper``: re-drive stuck chunks, warn as ACS's retention nears, fail recordings whose source is gone."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.domain import Call, ChunkState, Recording, RecordingState
from shared.domain import events as ev
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_job
from shared.layout import call_folder
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob

log = get_logger(__name__)


def sweep(deps: Deps) -> list[ChunkJob]:
    """One pass over the calls waiting for the archive; return the chunk jobs to enqueue again."""
    now = deps.now()
    jobs: list[ChunkJob] = []
    for call in deps.store.open_calls():
        waiting = [r for r in call.recordings if r.state is RecordingState.FILES_READY and r.files is not None]
        if not waiting:
            deps.store.close_open(call_folder(call.server_call_id))
            continue
        for recording in waiting:
            context = call_context(
                call_folder=call_folder(call.server_call_id),
                recording_id=recording.recording_id,
                correlation_id=call.correlation_id,
            )
            with context:
                jobs.extend(_sweep_recording(call, recording, now, deps))
    return jobs


def _sweep_recording(call: Call, recording: Recording, now: datetime, deps: Deps) -> list[ChunkJob]:
    assert recording.files is not None
    settings = deps.settings
    age = now - recording.files.ready_at
    rid = recording.recording_id
    if age >= timedelta(hours=settings.retention_hours):
        reason = f"not archived within {settings.retention_hours} h of files-ready: ACS no longer keeps the source"
        log.error("recording failed: %s", reason)
        deps.store.apply(call.server_call_id, ev.SourceExpired(f"expired:{rid}", now, "sweeper", rid, reason))
        return []
    if age >= timedelta(hours=settings.retention_warning_hours) and not recording.retention_warned:
        left = timedelta(hours=settings.retention_hours) - age
        log.warning("recording not archived yet; ACS deletes it in %s", left)
        deps.store.apply(call.server_call_id, ev.RetentionWarned(f"warned:{rid}", now, "sweeper", rid))
    return _requeue(call, recording, now, deps)


def _requeue(call: Call, recording: Recording, now: datetime, deps: Deps) -> list[ChunkJob]:
    stuck_after = timedelta(seconds=deps.settings.stuck_chunk_after_seconds)
    jobs: list[ChunkJob] = []
    for chunk in recording.chunks:
        if chunk.state is ChunkState.ARCHIVED or chunk.enqueued_at is None or now - chunk.enqueued_at < stuck_after:
            continue
        attempt = chunk.attempt + 1
        event_id = f"requeued:{recording.recording_id}:{chunk.index}:{attempt}"
        requeued = ev.ChunkRequeued(event_id, now, "sweeper", recording.recording_id, chunk.index, attempt)
        if deps.store.apply(call.server_call_id, requeued).duplicate:
            continue
        log.warning("chunk %d stuck since %s; enqueued again (attempt %d)", chunk.index, chunk.enqueued_at, attempt)
        jobs.append(chunk_job(call, recording, chunk, event_id=event_id, attempt=attempt))
    return jobs
