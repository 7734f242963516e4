"""``acs_events``: IncomingCall (ring, answer by policy) and RecordingFileStatusUpdated (files ready -> jobs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shared.acs import AcsRejected
from shared.clock import not_after
from shared.domain import eventids, lifecycle
from shared.domain import inputs as ev
from shared.handlers.deps import Deps
from shared.handlers.filesready import files_ready, payload_of
from shared.layout import LayoutError, call_folder
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob
from shared.store.port import NEW_CALL, Loaded
from shared.wire import (
    EventParseError,
    Identity,
    IgnoredEvent,
    IncomingCall,
    KnownGridEvent,
    RecordingFilesReady,
    parse_grid_event,
)

log = get_logger(__name__)


def handle_grid_event(raw: Mapping[str, Any], deps: Deps) -> list[ChunkJob]:
    """Act on one Event Grid event; return the chunk jobs to enqueue. Bad input is quarantined, not raised."""
    try:
        event = parse_grid_event(raw, deps.settings.allowed_host_suffixes, deps.settings.acs_resource_id)
    except EventParseError as exc:
        deps.quarantine.put("eventgrid", exc.reason, payload_of(raw), source="acs_events")
        return []
    if isinstance(event, IgnoredEvent):
        log.debug("ignoring %s event %s", event.event_type, event.event_id)
        return []
    try:
        return ON_GRID_EVENT[type(event)](event, raw, deps)
    except LayoutError as exc:  # e.g. a serverCallId too long to key a call's rows
        deps.quarantine.put("eventgrid", str(exc), payload_of(raw), source="acs_events")
        return []


def answers(policy: Sequence[str], callee: Identity) -> bool:
    """``*`` answers everything; otherwise the callee's rawId, or its phone number, must be listed."""
    raw = callee.raw_id
    return any(entry == "*" or entry == raw or f"4:{entry}" == raw for entry in policy)


def incoming_call(event: IncomingCall, deps: Deps) -> None:
    server_call_id = event.server_call_id
    if not server_call_id:
        log.warning("IncomingCall %s names no serverCallId: nothing to record or answer", event.event_id)
        return
    with call_context(call_folder=call_folder(server_call_id), correlation_id=event.correlation_id):
        ringing = ev.CallRinging(
            event.event_id,
            not_after(event.occurred_at, deps.now()),
            "eventgrid",
            correlation_id=event.correlation_id,
            caller=event.caller.raw_id,
            callee=event.callee.raw_id,
        )
        applied = deps.store.apply(server_call_id, ringing, based_on=NEW_CALL)  # no read before the answer
        if not answers(deps.settings.answer_policy, event.callee):
            log.info("not answering the call to %s: outside ANSWER_POLICY", event.callee.raw_id)
            return
        if applied.call is None or not lifecycle.awaiting_answer(applied.call):
            return
        if not event.incoming_call_context:
            log.warning("not answering the call from %s: the event has no incomingCallContext", event.caller.raw_id)
            return
        _answer(event, deps, applied.loaded)


def _answer(event: IncomingCall, deps: Deps, ringing: Loaded | None) -> None:
    """Answer the ringing call and record the outcome, based on the call as the ring's write left it."""
    request_id = eventids.answer(event.event_id)
    try:
        callback_url = deps.guard.call_url(deps.settings.callback_url, event.server_call_id)
        first_sent = not_after(event.occurred_at, deps.now())
        answered = deps.acs.answer(
            event.incoming_call_context, callback_url, request_id=request_id, first_sent=first_sent
        )
    except AcsRejected as exc:
        log.warning("ACS refused to answer: %s", exc)
        failed = ev.AnswerFailed(eventids.answer_failed(event.event_id), deps.now(), "eventgrid", reason=str(exc))
        deps.store.apply(event.server_call_id, failed, based_on=ringing)
        return
    log.info("answered the call from %s (connection %s)", event.caller.raw_id, answered.call_connection_id)
    done = ev.CallAnswered(
        eventids.answered(event.event_id), deps.now(), "eventgrid", call_connection_id=answered.call_connection_id
    )
    deps.store.apply(event.server_call_id, done, based_on=ringing)


def _on_incoming_call(event: IncomingCall, raw: Mapping[str, Any], deps: Deps) -> list[ChunkJob]:
    incoming_call(event, deps)
    return []


def _on_files_ready(event: RecordingFilesReady, raw: Mapping[str, Any], deps: Deps) -> list[ChunkJob]:
    return files_ready(event, payload_of(raw), deps)


GridHandler = Callable[[Any, Mapping[str, Any], Deps], list[ChunkJob]]
"""Acts on one parsed event (the dataclass it is keyed by), given the raw event; returns the chunk jobs to enqueue."""

ON_GRID_EVENT: dict[type[KnownGridEvent], GridHandler] = {
    IncomingCall: _on_incoming_call,
    RecordingFilesReady: _on_files_ready,
}
"""What each Event Grid event the app parses (``shared.wire.GRID_PARSERS``, keyed by the same dataclasses) does."""
