"""The mid-call callback events the backend sends, built from its state objects (pure functions)."""

from __future__ import annotations

from typing import Any

from .events import OK, START_FAILED, callback_event
from .identifiers import timestamp
from .models import Call, Connection, Recording


def connection_event(
    event_type: str, call: Call, connection: Connection, result: dict[str, Any], now: float
) -> dict[str, Any]:
    """``CallConnected`` or ``CallDisconnected``."""
    data = {
        "callConnectionId": connection.call_connection_id,
        "serverCallId": call.server_call_id,
        "correlationId": call.correlation_id,
        "operationContext": connection.operation_context,
        "resultInformation": result,
    }
    return callback_event(event_type, f"calling/callConnections/{connection.call_connection_id}", data, now)


def recording_target(recording: Recording, connection: Connection | None) -> str | None:
    """Where recording events go: the recording state callback URI, else the starting connection's callback URI."""
    return recording.options.state_callback_uri or (connection.callback_uri if connection else None)


def state_changed(call: Call, recording: Recording, now: float) -> dict[str, Any]:
    source = f"calling/recordings/{call.server_call_id}/{recording.recording_id}/RecordingStateChanged"
    data = {
        "eventSource": source,
        "recordingId": recording.recording_id,
        "state": recording.rest_state,
        "startDateTime": timestamp(recording.timeline.started_at, zulu=False),
        "recordingKind": recording.kind,
        "resultInformation": OK,
        "callConnectionId": recording.call_connection_id,
        "serverCallId": call.server_call_id,
        "correlationId": call.correlation_id,
    }
    return callback_event("RecordingStateChanged", source, data, now)


def start_failed(call: Call, recording: Recording, connection: Connection | None, now: float) -> dict[str, Any]:
    data = {
        "recordingId": recording.recording_id,
        "callConnectionId": recording.call_connection_id,
        "serverCallId": call.server_call_id,
        "correlationId": call.correlation_id,
        "operationContext": connection.operation_context if connection else None,
        "resultInformation": START_FAILED,
    }
    return callback_event("StartRecordingFailed", f"calling/callConnections/{recording.call_connection_id}", data, now)
