"""The per-call state machine: ``apply(call, input) -> call``. Pure: no I/O, no clock, no Azure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from shared.domain import eventids
from shared.domain import inputs as ev
from shared.domain import recordings as rec
from shared.domain.errors import MAX_CHUNKS_PER_EVENT, InvalidTransition, TooManyChunks, UnknownRecording
from shared.domain.model import LIVE, Call, CallState, Erasure, LegalHold, Recording, RecordingState
from shared.domain.transitions import call_target

_FIRST_STATE: dict[type[ev.Input], CallState] = {
    ev.CallRinging: CallState.RINGING,
    ev.CallAnswered: CallState.ANSWERED,
    ev.AnswerFailed: CallState.DISCONNECTED,
    ev.CallDisconnected: CallState.DISCONNECTED,
}


def new_call(server_call_id: str, event: ev.Input) -> Call:
    """The call as first seen through ``event`` (connected unless the input says otherwise)."""
    state = _FIRST_STATE.get(type(event), CallState.CONNECTED)
    return Call(server_call_id=server_call_id, state=state, created_at=event.at, updated_at=event.at)


def apply(call: Call, event: ev.Input) -> Call:
    """The call after ``event``; InvalidTransition / UnknownRecording when it is not allowed."""
    handler = _HANDLERS[type(event)]
    changed = handler(call, event)
    return replace(changed, updated_at=max(call.updated_at, event.at))


def replay(server_call_id: str, inputs: Iterable[ev.Input]) -> Call | None:
    """Apply inputs in order, skipping repeated event ids (as the store's ledger does)."""
    call: Call | None = None
    seen: set[str] = set()
    for event in inputs:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        call = apply(call or new_call(server_call_id, event), event)
    return call


def connect_request_id(event_id: str) -> str:
    """The start request a CallConnected makes (stable, so a redelivery finds it)."""
    return eventids.connect(event_id)


# -- call-level inputs -------------------------------------------------------------------------------------------


def _move(call: Call, trigger: str) -> Call:
    target = call_target(trigger, call.state)
    return call if target is None else replace(call, state=target)


def _ringing(call: Call, event: ev.CallRinging) -> Call:
    moved = _move(call, "ring")
    return replace(
        moved,
        correlation_id=call.correlation_id or event.correlation_id,
        caller=call.caller or event.caller,
        callee=call.callee or event.callee,
    )


def _answered(call: Call, event: ev.CallAnswered) -> Call:
    return replace(_move(call, "answer"), call_connection_id=call.call_connection_id or event.call_connection_id)


def _answer_failed(call: Call, event: ev.AnswerFailed) -> Call:
    moved = _move(call, "answer_failed")
    return replace(moved, reason=event.reason) if moved is not call else call


def _connected(call: Call, event: ev.CallConnected) -> Call:
    was_disconnected = call.state is CallState.DISCONNECTED
    moved = replace(
        _move(call, "connect"),
        call_connection_id=event.call_connection_id or call.call_connection_id,
        correlation_id=call.correlation_id or event.correlation_id,
    )
    if event.start is None or was_disconnected or call.recordings:
        return moved
    pending = Recording(
        recording_id="",
        state=RecordingState.STARTING,
        request_id=connect_request_id(event.event_id),
        requested_at=event.at,
        options=event.start,
    )
    return replace(moved, recordings=(*moved.recordings, pending))


def _call_reconciled(call: Call, event: ev.CallReconciled) -> Call:
    """ACS's answer about the call, applied as the callback it stands for would have been."""
    common = (event.event_id, event.at, event.source)
    if event.connected:
        return _connected(
            call, ev.CallConnected(*common, call_connection_id=event.call_connection_id, start=event.start)
        )
    return _disconnected(call, ev.CallDisconnected(*common, reason=event.reason))


def _disconnected(call: Call, event: ev.CallDisconnected) -> Call:
    """The call ended: its recordings stop, except a start ACS has not named yet.

    Such a start's outcome is unknown (ACS may have started it and its answer been lost with the app's storage),
    so it stays ``starting`` for the sweeper, which sends it again with its request id: ACS answers with the
    recording it made, which ``_started`` merges with what ACS reported of it meanwhile, or refuses it.
    """
    ended = tuple(r if _unnamed_start(r) else rec.stop(r, event.at, "call_ended") for r in call.recordings)
    return replace(_move(call, "disconnect"), recordings=ended, reason=event.reason or call.reason)


def _unnamed_start(recording: Recording) -> bool:
    return bool(recording.request_id) and not recording.recording_id and recording.state is RecordingState.STARTING


def _start(call: Call, event: ev.StartRecording) -> Call:
    moved = _move(call, "start_recording")
    live = next((r for r in call.recordings if r.state in LIVE), None)
    if live is not None:
        raise InvalidTransition("start recording", "recording", live.state.value)
    pending = Recording(
        recording_id="",
        state=RecordingState.STARTING,
        request_id=event.request_id,
        requested_at=event.at,
        options=event.options,
    )
    return replace(moved, recordings=(*moved.recordings, pending))


def _started(call: Call, event: ev.RecordingStarted) -> Call:
    """Name the pending start; if ACS already reported the recording, merge the two."""
    pending = call.by_request(event.request_id)
    reported = call.recording(event.recording_id)
    if pending is not None and pending.recording_id:
        return call
    if reported is not None:
        options = reported.options or (pending.options if pending is not None else None)
        merged = replace(reported, request_id=event.request_id, options=options)
        kept = tuple(merged if r is reported else r for r in call.recordings if r is not pending)
        return replace(call, recordings=kept)
    if pending is not None:
        named = replace(pending, recording_id=event.recording_id)
        if call.state is CallState.DISCONNECTED:
            named = rec.stop(named, event.at, "call_ended")
        return _put(call, pending, named)
    fresh = Recording(recording_id=event.recording_id, state=RecordingState.STARTING, request_id=event.request_id)
    return replace(call, recordings=(*call.recordings, fresh))


def _start_failed(call: Call, event: ev.StartFailed) -> Call:
    target = (call.recording(event.recording_id) if event.recording_id else None) or call.by_request(event.request_id)
    if target is None:
        if not event.recording_id:
            raise UnknownRecording(event.request_id)
        failed = Recording(recording_id=event.recording_id, state=RecordingState.FAILED, reason=event.reason)
        return replace(call, recordings=(*call.recordings, failed))
    return _put(call, target, rec.fail(target, "start_failed", event.reason, event.at))


def _reported(call: Call, event: ev.RecordingStateReported) -> Call:
    target = call.recording(event.recording_id)
    if target is None:
        state = RecordingState.ACTIVE if event.active else RecordingState.PAUSED
        fresh = Recording(recording_id=event.recording_id, state=state, state_at=event.at, was_active=event.active)
        return replace(call, recordings=(*call.recordings, fresh))
    return _put(call, target, rec.report(target, event))


def _legal_hold(call: Call, event: ev.LegalHoldChanged) -> Call:
    """Holding again keeps the first ``since`` and takes the newest tag and reason; clearing forgets the hold."""
    if not event.held:
        return replace(call, legal_hold=None)
    since = call.legal_hold.since if call.legal_hold is not None else event.at
    return replace(call, legal_hold=LegalHold(since=since, tag=event.tag, reason=event.reason))


def _erased(call: Call, event: ev.CallErased) -> Call:
    """A call under legal hold is never erased (the handler refuses first; this holds if a hold came in between)."""
    if call.legal_hold is not None:
        raise InvalidTransition("erase", "call", "under legal hold")
    return replace(call, erasure=Erasure(event.at, event.requested_by, event.reason, tombstones=event.tombstones))


def _participant_erased(call: Call, event: ev.ParticipantErased) -> Call:
    """As ``_erased``: never under legal hold."""
    if call.legal_hold is not None:
        raise InvalidTransition("erase", "call", "under legal hold")
    erasure = Erasure(
        event.at, event.requested_by, event.reason, tombstones=event.tombstones, participant=event.participant,
        blobs=event.erased,
    )  # fmt: skip
    return replace(call, participant_erasures=(*call.participant_erasures, erasure))


# -- recording-level inputs that need the recording to exist ------------------------------------------------------


def _command(action: str) -> Callable[[Call, Any], Call]:
    def handle(call: Call, event: ev.PauseRecording | ev.ResumeRecording | ev.StopRecording) -> Call:
        target = _pick(call, event.recording_id, action)
        if action == "stop":
            return _put(call, target, rec.stop(target, event.at))
        return _put(call, target, rec.move(target, action, event.at))

    return handle


def _pick(call: Call, recording_id: str, action: str) -> Recording:
    if recording_id:
        found = call.recording(recording_id)
        if found is None:
            raise UnknownRecording(recording_id)
        return found
    if call.latest is None:
        raise InvalidTransition(action, "call", f"{call.state.value} without a recording")
    return call.latest


def _files_ready(call: Call, event: ev.FilesReady) -> Call:
    if len(event.chunks) > MAX_CHUNKS_PER_EVENT:
        raise TooManyChunks(len(event.chunks))
    target = call.recording(event.recording_id)
    if target is None:
        target = Recording(recording_id=event.recording_id, state=RecordingState.STOPPED)
        call = replace(call, recordings=(*call.recordings, target))
    return _put(call, target, rec.files_ready(target, event))


def _recording_reconciled(call: Call, event: ev.RecordingReconciled) -> Call:
    target = call.recording(event.recording_id)
    if target is None:
        raise UnknownRecording(event.recording_id)
    return _put(call, target, rec.reconciled(target, event, call.state is CallState.DISCONNECTED))


def _on_recording(change: Callable[[Recording, Any], Recording]) -> Callable[[Call, Any], Call]:
    def handle(call: Call, event: Any) -> Call:
        target = call.recording(event.recording_id)
        if target is None:
            raise UnknownRecording(event.recording_id)
        return _put(call, target, change(target, event))

    return handle


def _put(call: Call, old: Recording, new: Recording) -> Call:
    return call if new is old else replace(call, recordings=tuple(new if r is old else r for r in call.recordings))


_HANDLERS: dict[type[ev.Input], Callable[[Call, Any], Call]] = {
    ev.CallRinging: _ringing,
    ev.CallAnswered: _answered,
    ev.AnswerFailed: _answer_failed,
    ev.CallConnected: _connected,
    ev.CallDisconnected: _disconnected,
    ev.CallReconciled: _call_reconciled,
    ev.StartRecording: _start,
    ev.RecordingStarted: _started,
    ev.StartFailed: _start_failed,
    ev.RecordingStateReported: _reported,
    ev.RecordingReconciled: _recording_reconciled,
    ev.PauseRecording: _command("pause"),
    ev.ResumeRecording: _command("resume"),
    ev.StopRecording: _command("stop"),
    ev.LegalHoldChanged: _legal_hold,
    ev.CallErased: _erased,
    ev.ParticipantErased: _participant_erased,
    ev.FilesReady: _files_ready,
    ev.ChunkArchived: _on_recording(rec.chunk_archived),
    ev.ChunkRequeued: _on_recording(rec.chunk_requeued),
    ev.ArchiveFailed: _on_recording(lambda r, e: rec.fail(r, "archive_failed", e.reason, e.at)),
    ev.SourceDeleted: _on_recording(lambda r, e: rec.move(r, "source_deleted")),
    ev.RetentionWarned: _on_recording(lambda r, e: rec.warned(r)),
    ev.SourceExpired: _on_recording(lambda r, e: rec.fail(r, "source_expired", e.reason, e.at)),
}
