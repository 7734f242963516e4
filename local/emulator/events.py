"""Event shapes: mid-call callbacks (CloudEvents) and Event Grid events in either delivery schema."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .config import TOPIC
from .identifiers import identifier, timestamp

CALLBACK_VERSION = "2024-09-01-preview"
OK = {"code": 200, "subCode": 0, "message": ""}
START_FAILED = {"code": 500, "subCode": 8583, "message": "Recording failed to start (injected fault)."}
ENDED = {"code": 200, "subCode": 7000, "message": "The conversation has ended. DiagCode: 0#7000.@"}
INCOMING_CALL = "Microsoft.Communication.IncomingCall"
FILES_READY = "Microsoft.Communication.RecordingFileStatusUpdated"


def callback_event(event_type: str, source: str, data: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """One mid-call event as ACS posts it to a callback URI (inside a JSON array)."""
    name = f"Microsoft.Communication.{event_type}"
    return {
        "id": str(uuid.uuid4()),
        "source": source,
        "type": name,
        "data": {**data, "version": CALLBACK_VERSION, "publicEventType": name},
        "time": timestamp(time.time() if now is None else now, zulu=False),
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "subject": source,
    }


@dataclass(frozen=True)
class GridEvent:
    """An Event Grid event, independent of the subscription's delivery schema."""

    event_type: str
    subject: str
    data: dict[str, Any]
    time: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_schema(self, schema: str) -> dict[str, Any]:
        if schema == "CloudEventSchemaV1_0":
            return {
                "id": self.id,
                "source": TOPIC,
                "subject": self.subject,
                "type": self.event_type,
                "data": self.data,
                "time": timestamp(self.time),
                "specversion": "1.0",
                "datacontenttype": "application/json",
            }
        return {
            "id": self.id,
            "topic": TOPIC,
            "subject": self.subject,
            "data": self.data,
            "eventType": self.event_type,
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "eventTime": timestamp(self.time),
        }


def incoming_call(
    server_call_id: str, correlation_id: str, caller: str, callee: str, display_name: str, context: str
) -> GridEvent:
    data = {
        "to": identifier(callee),
        "from": identifier(caller),
        "serverCallId": server_call_id,
        "callerDisplayName": display_name,
        "customContext": {"sipHeaders": {}, "voipHeaders": {}},
        "incomingCallContext": context,
        "correlationId": correlation_id,
    }
    return GridEvent(INCOMING_CALL, f"/caller/{caller}/recipient/{callee}", data)
