"""``/api/callbacks``: Call Automation callbacks, JWT-verified, bound to their call, applied to the call's state.

A token is accepted once; an event is applied only to a call the app knows, only when the request's URL
carries that call's value (``shared.callbackguard``), and only when the recording it names (if any) is that call's;
anything else is quarantined with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime

from shared.acs import AcsRejected
from shared.clock import not_after
from shared.domain import DomainError, connect_request_id, lifecycle
from shared.domain import inputs as ev
from shared.handlers.deps import Deps
from shared.handlers.options import defaults, resolved
from shared.handlers.recording import start_pending
from shared.handlers.replies import Reply, error
from shared.layout import LayoutError, call_folder
from shared.logs import call_context, get_logger
from shared.store.port import Loaded
from shared.wire import CallbackEvent, EventParseError, parse_callbacks

log = get_logger(__name__)

# ACS posts each callback event in a request of its own, with a fresh token (reference/acs-protocol.md section 5;
# the emulator does the same). A call produces a handful of events at one moment (connected, participants,
# recording state); more than this in one request did not come from ACS and is refused before any work.
MAX_EVENTS_PER_REQUEST = 10


def handle_callbacks(body: bytes, authorization: str | None, call_mac: str | None, deps: Deps) -> Reply:
    """401 for a missing, bad or already used token (nothing changes); 503 when the JWKS is unreachable; 400 for
    more events than one request may carry; else 200. ``call_mac`` is the ``callMac`` of the request's URL."""
    from shared.jwtcheck import CallbackAuthError, JwksUnavailable  # PyJWT and requests load on first use

    if deps.verifier is None:
        log.warning("callback accepted WITHOUT JWT verification (CALLBACK_AUTH_DISABLED=true; local use only)")
        return _accept(body, call_mac, deps)
    try:
        token = deps.verifier.verify(authorization)
    except CallbackAuthError as exc:
        log.warning("callback refused: %s", exc)
        return error(401, "invalid or missing callback token")
    except JwksUnavailable as exc:
        log.warning("callback signing keys unavailable: %s", exc)
        return error(503, "callback signing keys unavailable; retry later")
    if not deps.guard.first_use(token.token_id, token.expires_at):
        log.warning("callback refused: token %s was already used", token.token_id)
        return error(401, "callback token was already used")
    try:
        return _accept(body, call_mac, deps)
    except Exception:
        # The platform answers 5xx and ACS retries: let that retry in (applying an event twice is a no-op).
        deps.guard.release(token.token_id, token.expires_at)
        raise


def _accept(body: bytes, call_mac: str | None, deps: Deps) -> Reply:
    try:
        events = parse_callbacks(body)
    except EventParseError as exc:
        deps.quarantine.put("callback", exc.reason, body, source="callbacks")
        return Reply(200, {"accepted": 0, "quarantined": True})
    if len(events) > MAX_EVENTS_PER_REQUEST:
        return error(400, f"{len(events)} events in one request; ACS sends at most {MAX_EVENTS_PER_REQUEST}")
    applied = sum(on_callback(event, call_mac, deps) for event in events)
    return Reply(200, {"accepted": applied, "quarantined": len(events) - applied})


def on_callback(event: CallbackEvent, call_mac: str | None, deps: Deps) -> bool:
    """Apply one callback to its call; quarantine it (False) if it names no call this app knows, was posted to
    another call's URL, or the state cannot take it. Its time is clamped to the receipt time."""
    server_call_id = event.server_call_id or (
        deps.store.find_by_recording(event.recording_id) if event.recording_id else None
    )
    known = Loaded(None)
    try:
        refused = _refusal_before_reading(server_call_id, call_mac, event, deps)
        if not refused and server_call_id:
            known = deps.store.load(server_call_id)
            refused = _refusal(known, server_call_id, event, deps)
    except LayoutError as exc:
        refused = f"callback {event.kind} names a serverCallId the app cannot store: {exc}"
    if refused or not server_call_id:
        _quarantine(event, refused or f"callback {event.kind} names no call this app knows", deps)
        return False
    event = replace(event, occurred_at=not_after(event.occurred_at, deps.now()))
    context = call_context(
        call_folder=call_folder(server_call_id),
        recording_id=event.recording_id or "",
        correlation_id=event.correlation_id,
    )
    with context:
        try:
            _dispatch(server_call_id, event, known, deps)
        except DomainError as exc:
            _quarantine(event, f"callback {event.kind} cannot be applied: {exc}", deps)
            return False
    return True


def _refusal_before_reading(server_call_id: str | None, call_mac: str | None, event: CallbackEvent, deps: Deps) -> str:
    """Why the callback must not touch ``server_call_id``'s state, judged before reading it, or "" if it may."""
    if not server_call_id:
        return f"callback {event.kind} names no call this app knows"
    call_folder(server_call_id)  # LayoutError: too long or empty to be a call's key
    if not deps.guard.belongs(server_call_id, call_mac):
        return f"callback {event.kind} was not posted to the callback URL the app gave ACS for its call"
    return ""


def _refusal(known: Loaded, server_call_id: str, event: CallbackEvent, deps: Deps) -> str:
    """Why the callback must not touch the call it names, now read (``known``), or "" if it may."""
    if known.call is None:
        return f"callback {event.kind} names a call this app does not know"
    return _foreign_recording(server_call_id, event, deps)


def _foreign_recording(server_call_id: str, event: CallbackEvent, deps: Deps) -> str:
    """A recording belongs to the call that started it (or that ACS names in its files-ready event): a callback
    about it, posted for another call, must not move it there."""
    owner = deps.store.find_by_recording(event.recording_id) if event.recording_id else None
    if owner is None or owner == server_call_id:
        return ""
    return f"callback {event.kind} names recording {event.recording_id}, which belongs to another call"


def _dispatch(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    on_callback = ON_CALLBACK.get(event.kind)
    if on_callback is None:
        log.debug("callback %s needs no action", event.kind)
        return
    on_callback(server_call_id, event, known, deps)


def _reason(event: CallbackEvent) -> str:
    return f"{event.result_code}/{event.result_subcode} {event.result_message}".strip()


def _disconnected(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    deps.store.apply(server_call_id, ev.CallDisconnected(*_common(event), reason=_reason(event)), based_on=known)


def _recording_state(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    if not event.recording_id:
        log.debug("RecordingStateChanged without a recordingId needs no action")
        return
    active = event.recording_state == "active"
    reported = ev.RecordingStateReported(*_common(event), recording_id=event.recording_id, active=active)
    deps.store.apply(server_call_id, reported, based_on=known)


def _start_failed(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    failed = ev.StartFailed(*_common(event), recording_id=event.recording_id or "", reason=_reason(event))
    deps.store.apply(server_call_id, failed, based_on=known)


def _answer_failed(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    deps.store.apply(server_call_id, ev.AnswerFailed(*_common(event), reason=_reason(event)), based_on=known)


def _common(event: CallbackEvent) -> tuple[str, datetime, str]:
    return event.event_id, event.occurred_at, "callback"


def connected(server_call_id: str, event: CallbackEvent, known: Loaded, deps: Deps) -> None:
    """Mark the call connected and start its recording once; a redelivery resumes an unfinished start. The call
    as read before (``known``) is what both writes are based on: neither reads it again first."""
    options = resolved(defaults(deps.settings.recording, deps.settings.callback_url), known.call)
    connect = ev.CallConnected(
        event.event_id,
        event.occurred_at,
        "callback",
        call_connection_id=event.call_connection_id,
        correlation_id=event.correlation_id,
        start=options,
    )
    applied = deps.store.apply(server_call_id, connect, based_on=known)
    call = applied.call
    pending = lifecycle.unanswered_start(call, connect_request_id(event.event_id)) if call is not None else None
    if call is None or pending is None:
        return
    try:
        start_pending(call, pending, deps, "callback", based_on=applied.loaded)
    except AcsRejected:
        return


def _quarantine(event: CallbackEvent, reason: str, deps: Deps) -> None:
    """Keep a well-formed callback the state cannot take (the request is still acknowledged)."""
    payload = json.dumps(asdict(event), default=str).encode("utf-8")
    deps.quarantine.put("callback", reason, payload, source="callbacks")


ON_CALLBACK: dict[str, Callable[[str, CallbackEvent, Loaded, Deps], None]] = {
    "CallConnected": connected,
    "CallDisconnected": _disconnected,
    "RecordingStateChanged": _recording_state,
    "StartRecordingFailed": _start_failed,
    "AnswerFailed": _answer_failed,
}
"""What each callback kind does to the call; any other kind needs no action."""
