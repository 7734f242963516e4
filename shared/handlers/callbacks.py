"""``/api/callbacks``: Call Automation callbacks, JWT-verified, applied to the call's state."""

from __future__ import annotations

import json
from dataclasses import asdict

from shared.acs import AcsRejected
from shared.domain import DomainError, RecordingState, connect_request_id
from shared.domain import events as ev
from shared.events import CallbackEvent, EventParseError, parse_callbacks
from shared.handlers.deps import Deps, Reply, error
from shared.handlers.options import defaults, resolved
from shared.handlers.recording import start_pending
from shared.layout import call_folder
from shared.logs import call_context, get_logger

log = get_logger(__name__)


def handle_callbacks(body: bytes, authorization: str | None, deps: Deps) -> Reply:
    """401 for a missing or bad token (nothing changes); 503 when the JWKS is unreachable; else 200."""
    from shared.jwtcheck import CallbackAuthError, JwksUnavailable  # PyJWT and requests load on first use

    if deps.verifier is None:
        log.warning("callback accepted WITHOUT JWT verification (CALLBACK_AUTH_DISABLED=true; local use only)")
    else:
        try:
            deps.verifier.verify(authorization)
        except CallbackAuthError as exc:
            log.warning("callback refused: %s", exc)
            return error(401, "invalid or missing callback token")
        except JwksUnavailable as exc:
            log.warning("callback signing keys unavailable: %s", exc)
            return error(503, "callback signing keys unavailable; retry later")
    try:
        events = parse_callbacks(body)
    except EventParseError as exc:
        deps.quarantine.put("callback", exc.reason, body, source="callbacks")
        return Reply(200, {"accepted": 0, "quarantined": True})
    for event in events:
        on_callback(event, deps)
    return Reply(200, {"accepted": len(events)})


def on_callback(event: CallbackEvent, deps: Deps) -> None:
    server_call_id = event.server_call_id or (
        deps.store.find_by_recording(event.recording_id) if event.recording_id else None
    )
    if not server_call_id:
        _quarantine(event, f"callback {event.kind} names no call this app knows", deps)
        return
    context = call_context(
        call_folder=call_folder(server_call_id),
        recording_id=event.recording_id or "",
        correlation_id=event.correlation_id,
    )
    with context:
        try:
            _dispatch(server_call_id, event, deps)
        except DomainError as exc:
            _quarantine(event, f"callback {event.kind} cannot be applied: {exc}", deps)


def _dispatch(server_call_id: str, event: CallbackEvent, deps: Deps) -> None:
    reason = f"{event.result_code}/{event.result_subcode} {event.result_message}".strip()
    common = (event.event_id, event.occurred_at, "callback")
    if event.kind == "CallConnected":
        connected(server_call_id, event, deps)
    elif event.kind == "CallDisconnected":
        deps.store.apply(server_call_id, ev.CallDisconnected(*common, reason=reason))
    elif event.kind == "RecordingStateChanged" and event.recording_id:
        active = event.recording_state == "active"
        deps.store.apply(server_call_id, ev.RecordingStateReported(*common, event.recording_id, active))
    elif event.kind == "StartRecordingFailed":
        failed = ev.StartFailed(*common, recording_id=event.recording_id or "", reason=reason)
        deps.store.apply(server_call_id, failed)
    elif event.kind == "AnswerFailed":
        deps.store.apply(server_call_id, ev.AnswerFailed(*common, reason=reason))
    else:
        log.debug("callback %s needs no action", event.kind)


def connected(server_call_id: str, event: CallbackEvent, deps: Deps) -> None:
    """Mark the call connected and start its recording once; a redelivery resumes an unfinished start."""
    known = deps.store.get(server_call_id)
    options = resolved(defaults(deps.settings.recording, deps.settings.callback_url), known)
    connect = ev.CallConnected(
        event.event_id,
        event.occurred_at,
        "callback",
        call_connection_id=event.call_connection_id,
        correlation_id=event.correlation_id,
        start=options,
    )
    call = deps.store.apply(server_call_id, connect).call
    pending = call.by_request(connect_request_id(event.event_id)) if call is not None else None
    if call is None or pending is None or pending.recording_id or pending.state is not RecordingState.STARTING:
        return
    try:
        start_pending(call, pending, deps, "callback")
    except AcsRejected:
        return


def _quarantine(event: CallbackEvent, reason: str, deps: Deps) -> None:
    """Keep a well-formed callback the state cannot take (the request is still acknowledged)."""
    payload = json.dumps(asdict(event), default=str).encode("utf-8")
    deps.quarantine.put("callback", reason, payload, source="callbacks")
