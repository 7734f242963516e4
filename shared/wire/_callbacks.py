"""Call Automation callbacks: a JSON array of CloudEvents posted to the callback URL."""

from __future__ import annotations

from typing import Any

from shared import boundedjson
from shared.wire._fields import enum, get, ident, opt, opt_ident, opt_text, text, time, typed
from shared.wire._model import CallbackEvent, EventParseError

_TYPE_PREFIX = "Microsoft.Communication."
MAX_BODY_BYTES = 256 * 1024  # a callback request carries a few events of about 1 KiB each
_STATES = {"active": "active", "inactive": "inactive"}
_REQUIRED = {
    "CallConnected": ("callConnectionId",),  # serverCallId is absent in a published 2022 CallConnected
    "CallDisconnected": ("callConnectionId",),
    "AnswerFailed": ("callConnectionId",),
    "RecordingStateChanged": ("recordingId", "state"),
}


def parse_callbacks(body: bytes) -> list[CallbackEvent]:
    """Parse a callback request body: a JSON array of CloudEvents (or one CloudEvent object)."""
    try:
        document = boundedjson.loads(body, max_bytes=MAX_BODY_BYTES)
    except ValueError as exc:
        raise EventParseError(f"body {exc}") from None
    items = document if isinstance(document, list) else [document]
    return [_callback(item, f"[{n}]." if isinstance(document, list) else "") for n, item in enumerate(items)]


def _callback(item: Any, where: str) -> CallbackEvent:
    event = typed(item, dict, where.rstrip(".") or "event")
    event_type = text(event, "type", where)
    kind = event_type[len(_TYPE_PREFIX) :] if event_type.startswith(_TYPE_PREFIX) else event_type
    data = get(event, "data", dict, where)
    inner = f"{where}data."
    for key in _REQUIRED.get(kind, ()):
        text(data, key, inner)
    result = opt(data, "resultInformation", dict, inner) or {}
    state = enum(data, "state", _STATES, inner) if data.get("state") is not None else None
    start = time(data, "startDateTime", inner) if data.get("startDateTime") is not None else None
    return CallbackEvent(
        event_id=ident(event, "id", where),
        kind=kind,
        call_connection_id=opt_ident(data, "callConnectionId", inner),
        server_call_id=opt_ident(data, "serverCallId", inner),
        correlation_id=opt_ident(data, "correlationId", inner),
        operation_context=opt_text(data, "operationContext", inner),
        result_code=opt(result, "code", int, f"{inner}resultInformation."),
        result_subcode=opt(result, "subCode", int, f"{inner}resultInformation."),
        result_message=opt_text(result, "message", f"{inner}resultInformation."),
        occurred_at=time(event, "time", where),
        recording_id=opt_ident(data, "recordingId", inner) or None,
        recording_state=state,
        recording_start=start,
    )
