"""``acs_events``: IncomingCall (ring, answer by policy) and RecordingFileStatusUpdated (files ready -> jobs)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from shared.acs import AcsRejected
from shared.domain import CallState, ChunkState, DomainError, eventids
from shared.domain import events as ev
from shared.events import (
    EventParseError,
    Identity,
    IgnoredEvent,
    IncomingCall,
    RecordingFilesReady,
    parse_grid_event,
)
from shared.handlers.deps import Deps, not_after
from shared.handlers.jobs import chunk_job, files_ready_input
from shared.handlers.reconcile import settle_stopped_call
from shared.layout import LayoutError, call_folder
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob

log = get_logger(__name__)


def handle_grid_event(raw: Mapping[str, Any], deps: Deps) -> list[ChunkJob]:
    """Act on one Event Grid event; return the chunk jobs to enqueue. Bad input is quarantined, not raised."""
    try:
        event = parse_grid_event(raw, deps.settings.allowed_host_suffixes)
    except EventParseError as exc:
        deps.quarantine.put("eventgrid", exc.reason, _payload(raw), source="acs_events")
        return []
    if isinstance(event, IgnoredEvent):
        log.debug("ignoring %s event %s", event.event_type, event.event_id)
        return []
    try:
        if isinstance(event, IncomingCall):
            incoming_call(event, deps)
            return []
        return files_ready(event, raw, deps)
    except LayoutError as exc:  # e.g. a serverCallId too long to key a call's rows
        deps.quarantine.put("eventgrid", str(exc), _payload(raw), source="acs_events")
        return []


def answers(policy: Sequence[str], callee: Identity) -> bool:
    """``*`` answers everything; otherwise the callee's rawId, or its phone number, must be listed."""
    raw = callee.raw_id
    return any(entry == "*" or entry == raw or f"4:{entry}" == raw for entry in policy)


def incoming_call(event: IncomingCall, deps: Deps) -> None:
    server_call_id = event.server_call_id
    with call_context(call_folder=call_folder(server_call_id), correlation_id=event.correlation_id):
        ringing = ev.CallRinging(
            event.event_id,
            not_after(event.occurred_at, deps.now()),
            "eventgrid",
            correlation_id=event.correlation_id,
            caller=event.caller.raw_id,
            callee=event.callee.raw_id,
        )
        applied = deps.store.apply(server_call_id, ringing)
        if not answers(deps.settings.answer_policy, event.callee):
            log.info("not answering the call to %s: outside ANSWER_POLICY", event.callee.raw_id)
            return
        if applied.call is None or applied.call.state is not CallState.RINGING:
            return
        _answer(event, deps)


def _answer(event: IncomingCall, deps: Deps) -> None:
    request_id = eventids.answer(event.event_id)
    try:
        callback_url = deps.guard.call_url(deps.settings.callback_url, event.server_call_id)
        answered = deps.acs.answer(event.incoming_call_context, callback_url, request_id=request_id)
    except AcsRejected as exc:
        log.warning("ACS refused to answer: %s", exc)
        failed = ev.AnswerFailed(eventids.answer_failed(event.event_id), deps.now(), "eventgrid", reason=str(exc))
        deps.store.apply(event.server_call_id, failed)
        return
    log.info("answered the call from %s (connection %s)", event.caller.raw_id, answered.call_connection_id)
    done = ev.CallAnswered(
        eventids.answered(event.event_id), deps.now(), "eventgrid", call_connection_id=answered.call_connection_id
    )
    deps.store.apply(event.server_call_id, done)


def files_ready(event: RecordingFilesReady, raw: Mapping[str, Any], deps: Deps) -> list[ChunkJob]:
    """Record the files as ready; one job per announced chunk not archived yet (none for a redelivery)."""
    server_call_id = event.server_call_id or deps.store.find_by_recording(event.recording_id)
    if not server_call_id:
        reason = f"recording {event.recording_id} belongs to no call this app knows (subject has no serverCallId)"
        deps.quarantine.put("eventgrid", reason, _payload(raw), source="acs_events")
        return []
    with call_context(call_folder=call_folder(server_call_id), recording_id=event.recording_id):
        known = deps.store.get(server_call_id)
        if known is not None:
            settle_stopped_call(known, deps, "eventgrid")
        try:
            applied = deps.store.apply(server_call_id, files_ready_input(event, server_call_id, deps.now()))
        except (DomainError, LayoutError) as exc:
            deps.quarantine.put("eventgrid", str(exc), _payload(raw), source="acs_events")
            return []
        call = applied.call
        recording = call.recording(event.recording_id) if call is not None else None
        if applied.duplicate or call is None or recording is None:
            return []
        announced = {c.index for c in event.chunks}
        jobs = [
            chunk_job(call, recording, chunk, event_id=event.event_id)
            for chunk in recording.chunks
            if chunk.state is ChunkState.PENDING and chunk.index in announced
        ]
        log.info(
            "files ready: %d chunk(s) of %s to archive", len(jobs), event.format, extra={"milestone": "filesReady"}
        )
        return jobs


def _payload(raw: Mapping[str, Any]) -> bytes:
    return json.dumps(raw, default=str).encode("utf-8")
