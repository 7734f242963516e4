"""The sweeper's reconciliation: ask ACS about calls and recordings whose callbacks may have been lost, and apply
what it reports (see ``shared.domain.reconcile``). Each change is logged at warning with the call's ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from shared.acs import AcsError, AcsRejected, AcsTransient
from shared.domain import Call, DomainError, Recording, apply, connect_request_id, eventids, lifecycle
from shared.domain import inputs as ev
from shared.domain.reconcile import call_due, call_up, connect_missed, recordings_due, start_due
from shared.handlers.deps import Deps
from shared.handlers.options import defaults, resolved
from shared.handlers.recording import start_pending
from shared.logs import call_context, get_logger

log = get_logger(__name__)

SOURCE = "sweeper"


def reconcile(call: Call, now: datetime, deps: Deps) -> Call:
    """The call after asking ACS about whatever of it has been quiet for ``RECONCILE_AFTER_SECONDS``.

    ACS being unavailable (``AcsTransient``) leaves the call as it is until the next sweep.
    """
    after = timedelta(seconds=deps.settings.reconcile_after_seconds)
    stalled = start_due(call, now, after)
    try:
        if call_due(call, now, after):
            call = _reconcile_call(call, now, deps)
        for recording in recordings_due(call, now, after):
            call = _reconcile_recording(call, recording, now, deps)
        pending = lifecycle.unanswered_start(call, stalled.request_id) if stalled is not None else None
        if pending is not None:
            call = _start(call, pending, deps, "a start whose outcome was never recorded")
    except AcsTransient as exc:
        log.warning("cannot reconcile call %s with ACS now; next sweep: %s", call.server_call_id, exc)
    except DomainError as exc:
        log.error("cannot apply what ACS reports about call %s: %s", call.server_call_id, exc)
    return call


def settle_stopped_call(call: Call, deps: Deps, source: str) -> bool:
    """A recording's files are ready, so ACS has stopped it: a call the app still has up may have ended with its
    CallDisconnected lost (storage was down when ACS sent it). Ask ACS now rather than once the call has been quiet
    for ``RECONCILE_AFTER_SECONDS`` (the files-ready input and the chunk copies after it keep the call busy, so the
    recording would read archived while the call still read connected), and end the call if ACS says it ended.

    Anything else ACS says, or ACS unreachable, is left to the sweeper. Storage errors propagate: call this before
    the files-ready input is recorded, so that Event Grid's redelivery repeats the whole event. True when the call's
    state was written (the caller's copy is then out of date).
    """
    if not call_up(call):
        return False
    try:
        state = deps.acs.get_call_properties(call.call_connection_id)
    except AcsError as exc:
        log.warning("cannot ask ACS about call %s now; the sweeper will: %s", call.server_call_id, exc)
        return False
    if state is None or state == "disconnected":
        _ended(call, state, deps.now(), deps, source)
        return True
    return False


def _reconcile_call(call: Call, now: datetime, deps: Deps) -> Call:
    state = deps.acs.get_call_properties(call.call_connection_id)
    if state is None or state == "disconnected":
        return _ended(call, state, now, deps, SOURCE)
    if state != "connected" or not connect_missed(call):
        return call
    return _connected(call, now, deps)


def _ended(call: Call, state: str | None, now: datetime, deps: Deps, source: str) -> Call:
    connection = call.call_connection_id
    reason = f"ACS reports the call {state or 'gone (404)'}"
    log.warning(
        "reconciled call %s (connection %s): %s; was %s, now disconnected",
        call.server_call_id,
        connection,
        reason,
        call.state.value,
    )
    ended = ev.CallReconciled(f"reconciled:ended:{connection}", now, source, call_connection_id=connection)
    return _applied(call, replace(ended, reason=reason), deps)


def _connected(call: Call, now: datetime, deps: Deps) -> Call:
    """Connect the call and start its recording exactly as a CallConnected would (a later one starts nothing)."""
    connection = call.call_connection_id
    log.warning(
        "reconciled call %s (connection %s): ACS reports it connected; was %s with %d recording(s)",
        call.server_call_id,
        connection,
        call.state.value,
        len(call.recordings),
    )
    options = resolved(defaults(deps.settings.recording, deps.settings.callback_url), call)
    event_id = f"reconciled:connected:{connection}"
    connected = ev.CallReconciled(event_id, now, SOURCE, connected=True, call_connection_id=connection, start=options)
    call = _applied(call, connected, deps)
    pending = lifecycle.unanswered_start(call, connect_request_id(event_id))
    return call if pending is None else _start(call, pending, deps, "the call ACS reports connected")


def _reconcile_recording(call: Call, recording: Recording, now: datetime, deps: Deps) -> Call:
    rid = recording.recording_id
    reported = deps.acs.get_recording_state(rid)
    status = "gone" if reported is None else reported
    if status not in ev.RECONCILED_STATUSES:
        log.info("ACS reports recording %s as %r; nothing to reconcile", rid, status)
        return call
    event = ev.RecordingReconciled(eventids.reconciled(rid, status, now), now, SOURCE, recording_id=rid, status=status)
    after = apply(call, event).recording(rid)
    if after is None or after.state is recording.state:
        return call
    with call_context(recording_id=rid):
        log.warning(
            "reconciled recording %s of call %s (connection %s): ACS reports it %s; was %s, now %s",
            rid,
            call.server_call_id,
            call.call_connection_id or "-",
            status,
            recording.state.value,
            after.state.value,
        )
        return _applied(call, event, deps)


def _start(call: Call, pending: Recording, deps: Deps, why: str) -> Call:
    """Send the pending start (its request id makes a repeat the same start at ACS)."""
    log.warning("starting the recording of call %s for %s", call.server_call_id, why)
    try:
        return start_pending(call, pending, deps, SOURCE) or call
    except AcsRejected:
        return deps.store.get(call.server_call_id) or call


def _applied(call: Call, event: ev.Input, deps: Deps) -> Call:
    return deps.store.apply(call.server_call_id, event).call or call
