"""Wire payloads as ACS sends them (Event Grid schema, CloudEvents callbacks), with unique ids."""

from __future__ import annotations

import json
import uuid
from typing import Any

TOPIC = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs"
STORAGE = "https://us-storage.asm.skype.com/v1/objects"


def server_call_id() -> str:
    """Standard base64 with ``/``, ``+`` and padding, as ACS issues them."""
    return f"aHR0cHM6Ly9hcGkuZXhhbXBsZS9jb252/{uuid.uuid4().hex}+8="


def incoming_call(
    sid: str, callee: str = "4:+18005550100", caller: str = "4:+14255550123", **kw: Any
) -> dict[str, Any]:
    def identity(raw: str) -> dict[str, Any]:
        if raw.startswith("4:"):
            return {"kind": "phoneNumber", "rawId": raw, "phoneNumber": {"value": raw[2:]}}
        return {"kind": "communicationUser", "rawId": raw, "communicationUser": {"id": raw}}

    return {
        "id": kw.get("event_id", str(uuid.uuid4())),
        "topic": TOPIC,
        "subject": f"/caller/{caller}/recipient/{callee}",
        "data": {
            "to": identity(callee),
            "from": identity(caller),
            "serverCallId": sid,
            "callerDisplayName": "Caller",
            "incomingCallContext": "eyJhbGciOiJub25lIn0.eyJjYyI6MX0.",
            "correlationId": "corr-1",
        },
        "eventType": "Microsoft.Communication.IncomingCall",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": kw.get("time", "2026-11-23T19:00:00.1234567Z"),
    }


def chunk(index: int, host: str = "us-storage.asm.skype.com") -> dict[str, Any]:
    doc = f"0-eus-d12-{index:032x}"
    base = f"https://{host}/v1/objects/{doc}"
    return {
        "documentId": doc,
        "index": index,
        "endReason": "SessionEnded",
        "contentLocation": f"{base}/content/audiowav",
        "metadataLocation": f"{base}/content/acsmetadata",
        "deleteLocation": base,
    }


def files_ready(sid: str | None, recording_id: str, chunks: int = 2, **kw: Any) -> dict[str, Any]:
    subject = f"/recording/call/c1/serverCallId/{sid}/recordingId/{recording_id}"
    if sid is None:
        subject = f"/recording/call/c1/recordingId/{recording_id}"
    return {
        "id": kw.get("event_id", str(uuid.uuid4())),
        "topic": TOPIC,
        "subject": subject,
        "data": {
            "recordingStorageInfo": {"recordingChunks": kw.get("chunk_list", [chunk(i) for i in range(chunks)])},
            "recordingStartTime": "2026-11-23T23:59:58.1234567Z",
            "recordingDurationMs": 6620,
            "sessionEndReason": "CallEnded",
            "recordingContentType": "Audio",
            "recordingChannelType": "Unmixed",
            "recordingFormatType": "Wav",
        },
        "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": kw.get("time", "2026-11-24T00:05:00.1234567Z"),
    }


def callback(kind: str, sid: str, time: str = "2026-11-23T19:00:02.0000000+00:00", **data: Any) -> dict[str, Any]:
    event_id = data.pop("event_id", None) or str(uuid.uuid4())
    body = {
        "callConnectionId": "conn-1",
        "serverCallId": sid,
        "correlationId": "corr-1",
        "resultInformation": {"code": 200, "subCode": 0, "message": ""},
        **data,
    }
    return {
        "id": event_id,
        "source": f"calling/callConnections/{body['callConnectionId']}",
        "type": f"Microsoft.Communication.{kind}",
        "data": body,
        "time": time,
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "subject": "calling/callConnections/conn-1",
    }


def state_changed(sid: str, recording_id: str, state: str, time: str) -> dict[str, Any]:
    return callback("RecordingStateChanged", sid, time=time, recordingId=recording_id, state=state)


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()
