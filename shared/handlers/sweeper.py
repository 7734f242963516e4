"""``sweeper``: reconcile calls whose callbacks were lost, re-drive stuck chunks, warn as ACS's retention nears,
fail recordings whose source is gone, forget expired callback tokens.

Ages are measured on the app's clock: a chunk's enqueue time is when the app enqueued it, and a recording's ready
time is never later than when the app received its files-ready (``shared.handlers.jobs.files_ready_input``), so no
age is negative.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.domain import Call, Chunk, Recording, eventids, lifecycle
from shared.domain import inputs as ev
from shared.domain.reconcile import needs_sweeper, unreported_gap
from shared.domain.verdict import judge
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_job
from shared.handlers.reconcile import reconcile
from shared.layout import call_folder
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob

log = get_logger(__name__)


def sweep(deps: Deps) -> list[ChunkJob]:
    """One pass over the calls with work left (``shared.domain.reconcile.needs_sweeper``); return the chunk jobs to
    enqueue again. A call with nothing left leaves the sweeper's index."""
    now = deps.now()
    purged = deps.guard.purge(now)
    if purged:
        log.info("forgot %d expired callback token(s)", purged)
    jobs: list[ChunkJob] = []
    for found in deps.store.open_calls():
        folder = call_folder(found.server_call_id)
        with call_context(call_folder=folder, correlation_id=found.correlation_id):
            call = reconcile(found, now, deps)
            if not needs_sweeper(call):
                deps.store.close_open(folder)
                continue
            jobs.extend(_sweep_archive(call, now, deps))
    return jobs


def _sweep_archive(call: Call, now: datetime, deps: Deps) -> list[ChunkJob]:
    jobs: list[ChunkJob] = []
    for recording in call.recordings:
        if lifecycle.waiting_for_archive(recording) and recording.files is not None:
            with call_context(recording_id=recording.recording_id):
                jobs.extend(_sweep_recording(call, recording, now, deps))
        elif unreported_gap(recording):
            with call_context(recording_id=recording.recording_id):
                _report_gap(call, recording, now, deps)
    return jobs


def _report_gap(call: Call, recording: Recording, now: datetime, deps: Deps) -> None:
    """Every announced chunk is archived, yet chunks are missing: say what, once, before ACS's retention ends."""
    assert recording.files is not None
    if now - recording.files.ready_at >= timedelta(hours=deps.settings.retention_warning_hours):
        _warn(call, recording, now, deps)


def _warn(call: Call, recording: Recording, now: datetime, deps: Deps) -> None:
    assert recording.files is not None
    left = timedelta(hours=deps.settings.retention_hours) - (now - recording.files.ready_at)
    missing = judge(recording).missing
    log.warning("recording not complete yet; ACS deletes it in %s; missing: %s", left, "; ".join(missing))
    rid = recording.recording_id
    warned = ev.RetentionWarned(eventids.warned(rid), now, "sweeper", recording_id=rid, missing=missing)
    deps.store.apply(call.server_call_id, warned)


def _sweep_recording(call: Call, recording: Recording, now: datetime, deps: Deps) -> list[ChunkJob]:
    assert recording.files is not None
    settings = deps.settings
    age = now - recording.files.ready_at
    rid = recording.recording_id
    if age >= timedelta(hours=settings.retention_hours):
        reason = f"not archived within {settings.retention_hours} h of files-ready: ACS no longer keeps the source"
        log.error("recording failed: %s", reason)
        deps.store.apply(
            call.server_call_id,
            ev.SourceExpired(eventids.expired(rid), now, "sweeper", recording_id=rid, reason=reason),
        )
        return []
    if age >= timedelta(hours=settings.retention_warning_hours) and not recording.retention_warned:
        _warn(call, recording, now, deps)
    return _requeue(call, recording, now, deps)


def stuck(chunk: Chunk, now: datetime, stuck_after: timedelta, backlog: Callable[[], int]) -> bool:
    """Whether no job of this pending chunk can still be queued or running.

    A job waiting in the chunk or verification queue, and one being run (its message is invisible while a function
    holds it, but still in the queue), is counted by the queues' approximate message counts, which are never below
    the truth. So a chunk is stuck only once ``stuck_after`` has passed since it was enqueued and both queues are
    empty: its job was lost, or given up (poison). Under load without a lull that waits; the retention warning
    still comes on time.
    """
    if chunk.archived or chunk.enqueued_at is None:
        return False
    return now - chunk.enqueued_at >= stuck_after and backlog() == 0


def _requeue(call: Call, recording: Recording, now: datetime, deps: Deps) -> list[ChunkJob]:
    stuck_after = timedelta(seconds=deps.settings.stuck_chunk_after_seconds)
    backlog = functools.cache(deps.chunk_backlog)
    jobs: list[ChunkJob] = []
    for chunk in recording.chunks:
        if not stuck(chunk, now, stuck_after, backlog):
            continue
        attempt = chunk.attempt + 1
        event_id = eventids.requeued(recording.recording_id, chunk.index, attempt)
        requeued = ev.ChunkRequeued(
            event_id, now, "sweeper", recording_id=recording.recording_id, index=chunk.index, attempt=attempt
        )
        if deps.store.apply(call.server_call_id, requeued).duplicate:
            continue
        log.warning("chunk %d stuck since %s; enqueued again (attempt %d)", chunk.index, chunk.enqueued_at, attempt)
        jobs.append(chunk_job(call, recording, chunk, event_id=event_id, attempt=attempt))
    return jobs
