"""How a call's partition is laid out in the calls table.

Partition ``{callFolder}``:  ``state`` (the call as JSON, ETag-guarded), ``h-{version:08d}`` (one timeline
line per applied input), ``e-{sha256(eventId)}`` (the event-id ledger). Index partitions start with ``~``,
which a callFolder (base64url) never contains: ``~recording`` (recordingId -> serverCallId), ``~day-YYYY-MM-DD``
(calls created that day, newest first: ``RowKey`` is ``day_key``), ``~open`` (calls with work for the sweeper: recordings waiting for the archive, calls
and recordings still live).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from shared.domain.codec import dump, load_call
from shared.domain.model import Call
from shared.layout import call_folder

STATE = "state"
RECORDING_INDEX = "~recording"
OPEN_INDEX = "~open"
_NEWEST_MS = 10**13 - 1
_PART = 30_000  # characters per string property (the service allows 64 KiB of UTF-16)


def ledger_key(event_id: str) -> str:
    return "e-" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()


def history_key(version: int) -> str:
    return f"h-{version:08d}"


def day_partition(day: date) -> str:
    return f"~day-{day.isoformat()}"


def day_key(call: Call) -> str:
    """The call's row in its day's index: milliseconds before the year 2286, then its callFolder, so that a
    partition read in key order lists the newest call first."""
    created_ms = int(call.created_at.timestamp() * 1000)
    return f"{_NEWEST_MS - created_ms:013d}-{call_folder(call.server_call_id)}"


def recording_key(recording_id: str) -> str:
    return hashlib.sha256(recording_id.encode("utf-8")).hexdigest()


def state_entity(folder: str, call: Call, version: int) -> dict[str, Any]:
    body = json.dumps(dump(call), separators=(",", ":"))
    parts = [body[i : i + _PART] for i in range(0, len(body), _PART)] or [""]
    entity: dict[str, Any] = {
        "PartitionKey": folder,
        "RowKey": STATE,
        "ServerCallId": call.server_call_id,
        "State": call.state.value,
        "Version": version,
        "Parts": len(parts),
    }
    entity.update({f"Body{i}": part for i, part in enumerate(parts)})
    return entity


def call_of(entity: dict[str, Any]) -> Call:
    body = "".join(str(entity[f"Body{i}"]) for i in range(int(entity["Parts"])))
    return load_call(json.loads(body))


def history_entity(folder: str, version: int, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "PartitionKey": folder,
        "RowKey": history_key(version),
        "Kind": line["event"],
        "EventId": line["eventId"],
        "Line": json.dumps(line, separators=(",", ":")),
    }


def ledger_entity(folder: str, event_id: str, version: int) -> dict[str, Any]:
    return {"PartitionKey": folder, "RowKey": ledger_key(event_id), "EventId": event_id, "Version": version}
