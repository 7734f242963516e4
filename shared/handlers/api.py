"""The control API: start / pause / resume / stop a recording, read a call, list a day's calls."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from shared import boundedjson
from shared.acs import AcsRejected, AcsTransient
from shared.domain import Call, DomainError, InvalidTransition, Recording, UnknownRecording, apply, lifecycle
from shared.domain import inputs as ev
from shared.handlers.daylist import BadQuery, DayQuery, continuation_token, day_calls
from shared.handlers.deps import Deps
from shared.handlers.options import BadOptions, defaults, overridden, resolved
from shared.handlers.recording import fail_start, start_pending
from shared.handlers.replies import Reply, error
from shared.handlers.views import call_summary, call_view, recording_view
from shared.layout import LayoutError, call_folder, is_clean_base64, server_call_id
from shared.logs import call_context, get_logger

log = get_logger(__name__)

_COMMANDS = {"pause": ev.PauseRecording, "resume": ev.ResumeRecording, "stop": ev.StopRecording}
BY_SERVER_CALL_ID = "-"  # the {callId} segment when ``?serverCallId=`` names the call
MAX_BODY_BYTES = 64 * 1024  # recording options: a few fields and up to a handful of channel affinities


def named_call(call_id: str, given_server_call_id: str = "") -> tuple[str, str]:
    """(serverCallId, callFolder) of the call a request names: ``{callId}``, or ``?serverCallId=`` as ACS prints it.

    With ``?serverCallId=`` the ``{callId}`` segment is ``-`` (or that call's folder). A ``+`` sent unencoded in a
    query string arrives as a space; a serverCallId never holds one, so it is read back as ``+``.
    """
    if not given_server_call_id:
        if call_id == BY_SERVER_CALL_ID:
            raise LayoutError(f"callId {BY_SERVER_CALL_ID!r} needs ?serverCallId= (the id as ACS prints it)")
        return server_call_id(call_id), call_id
    sid = given_server_call_id
    if " " in sid and is_clean_base64(sid.replace(" ", "+")):
        sid = sid.replace(" ", "+")
    folder = call_folder(sid)
    if call_id not in (BY_SERVER_CALL_ID, folder):
        raise LayoutError(f"callId {call_id!r} and serverCallId name different calls: use {BY_SERVER_CALL_ID!r}")
    return sid, folder


def unknown_call(folder: str, given_server_call_id: str) -> str:
    """The 404 message: the call as the request named it (a serverCallId only when the request gave one)."""
    return f"unknown call {folder}" + (f" (serverCallId {given_server_call_id})" if given_server_call_id else "")


def start(call_id: str, body: bytes, deps: Deps, given_server_call_id: str = "") -> Reply:
    """Start recording the call (also one this app did not answer); the body's options override the settings."""
    try:
        sid, folder = named_call(call_id, given_server_call_id)
        fields = _json_object(body)
        base = defaults(deps.settings.recording, deps.settings.callback_url)
        options = resolved(overridden(base, fields, deps.settings), deps.store.get(sid))
    except (LayoutError, BadOptions) as exc:
        return error(400, str(exc))
    with call_context(call_folder=folder):
        request_id = f"api:{uuid.uuid4()}"
        command = ev.StartRecording(request_id, deps.now(), "api", request_id=request_id, options=options)
        try:
            call = deps.store.apply(sid, command).call
        except InvalidTransition as exc:
            return error(409, str(exc))
        pending = call.by_request(request_id) if call is not None else None
        if call is None or pending is None:
            return error(500, "the start request was not recorded")
        try:
            after = start_pending(call, pending, deps, "api")
        except AcsRejected as exc:
            _forget_if_only_refused(sid, deps)
            return error(refused_start_status(exc), f"ACS refused to start the recording: {exc}")
        except AcsTransient as exc:
            fail_start(sid, pending, exc, deps, "api")
            return error(503, f"ACS unavailable, recording not started: {exc}")
        recording = after.by_request(request_id) if after is not None else None
        return Reply(200, recording_view(after, recording) if after is not None and recording is not None else {})


def _forget_if_only_refused(sid: str, deps: Deps) -> None:
    """A start ACS refused for a call the app knew nothing else of leaves no call behind: the day list shows calls
    ACS had, and nothing says it had this one."""
    loaded = deps.store.load(sid)
    if loaded.call is not None and loaded.call.only_a_refused_start and deps.store.forget(sid, loaded.version):
        log.info("forgot a call known only from a start ACS refused")


def refused_start_status(exc: AcsRejected) -> int:
    """The answer to a start ACS refused: what the operator named was wrong (no such call: 404; a call that cannot be
    recorded now: 409; options ACS will not take: 400) or, for any other refusal (401/403: the app's own identity),
    a 502 naming what ACS said."""
    return {400: 400, 404: 404, 409: 409, 412: 409}.get(exc.status or 0, 502)


def command(call_id: str, action: str, deps: Deps, given_server_call_id: str = "") -> Reply:
    """pause / resume / stop the call's latest recording; 409 names the state that forbids it."""
    if action not in _COMMANDS:
        return error(404, f"unknown recording action {action!r}: use pause, resume or stop")
    found = known_call(call_id, given_server_call_id, deps)
    if isinstance(found, Reply):
        return found
    sid, call = found
    event = _COMMANDS[action](f"api:{uuid.uuid4()}", deps.now(), "api")
    try:
        planned = apply(call, event)
    except InvalidTransition as exc:
        return error(409, str(exc))
    except UnknownRecording as exc:
        return error(404, str(exc))
    target, before = planned.latest, call.latest
    if target is None or before is None or (target.state is before.state and action == "stop"):
        return Reply(200, recording_view(call, before) if before is not None else {})
    folder = call_folder(sid)
    with call_context(call_folder=folder, recording_id=target.recording_id, correlation_id=call.correlation_id):
        return _command_at_acs(sid, action, event, target, deps)


def _command_at_acs(sid: str, action: str, event: ev.Input, target: Recording, deps: Deps) -> Reply:
    recording_id = target.recording_id
    operation = {
        "pause": deps.acs.pause_recording,
        "resume": deps.acs.resume_recording,
        "stop": deps.acs.stop_recording,
    }[action]
    try:
        if recording_id:
            operation(recording_id)
    except AcsTransient as exc:
        return error(503, f"ACS unavailable: {exc}")
    except AcsRejected as exc:
        if action != "stop":
            return error(409, f"ACS refused to {action}: {exc}")
        log.info("ACS refused to stop (%s); the recording has ended there", exc)
    try:
        after = deps.store.apply(sid, event).call
    except DomainError as exc:
        return error(409, str(exc))
    recording = after.recording(recording_id) if after is not None and recording_id else None
    log.info("recording %s by the control API", action)
    if after is None or recording is None:  # a start ACS never answered, stopped before it named its recording
        return Reply(200, {"state": target.state.value})
    return Reply(200, recording_view(after, recording))


def get_call(call_id: str, deps: Deps, given_server_call_id: str = "") -> Reply:
    found = known_call(call_id, given_server_call_id, deps)
    if isinstance(found, Reply):
        return found
    sid, call = found
    return Reply(200, call_view(call, deps.store.timeline(sid)))


def known_call(call_id: str, given_server_call_id: str, deps: Deps) -> tuple[str, Call] | Reply:
    """The serverCallId and state of the call the request names (``named_call``), or the 400/404 to answer."""
    try:
        sid, folder = named_call(call_id, given_server_call_id)
    except LayoutError as exc:
        return error(400, str(exc))
    call = deps.store.get(sid)
    if call is None:
        return error(404, unknown_call(folder, given_server_call_id))
    return sid, call


def list_calls(params: Mapping[str, str], deps: Deps) -> Reply:
    """``?date=YYYY-MM-DD`` (required), ``&state=`` (a call or recording state), ``&limit=`` (1..200, default 50)
    and ``&continuation=`` (from the previous page): the day's calls, newest first, one page at a time."""
    try:
        query = DayQuery.parse(params)
    except BadQuery as exc:
        return error(400, str(exc))
    calls, after = day_calls(query, deps.store)
    body: dict[str, Any] = {
        "date": query.day.isoformat(),
        "states": list(lifecycle.STATE_NAMES),
        "calls": [call_summary(c) for c in calls],
    }
    if after:
        body["continuation"] = continuation_token(after)
    return Reply(200, body)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = boundedjson.loads(body, max_bytes=MAX_BODY_BYTES)
    except ValueError as exc:
        raise BadOptions("body", str(exc)) from None
    if not isinstance(value, dict):
        raise BadOptions("body", "must be a JSON object")
    return value
