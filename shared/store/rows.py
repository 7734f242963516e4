"""How a call's partition is laid out in the calls table.

Partition ``{callFolder}``:  ``state`` (the call as JSON without its chunks, ETag-guarded),
``c-{sha256(recordingId)}-{index:08d}`` (one row per chunk), ``h-{version:08d}`` (one timeline line per applied
input), ``e-{sha256(eventId)}`` (the event-id ledger). A chunk has its own row so that recording one chunk writes
that chunk's row and the small state row, not every other chunk of the call again. Index partitions start with ``~``,
which a callFolder (base64url) never contains: ``~recording`` (recordingId -> serverCallId), ``~day-YYYY-MM-DD``
(calls created that day, newest first: ``RowKey`` is ``day_key``), ``~open`` (calls with work for the sweeper: recordings waiting for the archive, calls
and recordings still live), ``~participant-{sha256(key)}`` (the calls a participant took part in, keyed as the
day index, newest first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from shared.domain.codec import dump, load_call, load_chunk
from shared.domain.model import Call, Chunk
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


PARTICIPANT_INDEX = "~participant-"  # then the SHA-256 of the participant's key: any rawId, no forbidden character


def participant_partition(key: str) -> str:
    """The index partition of the calls a participant (``shared.domain.participants.participant_key``) took part
    in; each row is keyed as the day index's (``day_key``), so a partition read in key order lists the newest first."""
    return PARTICIPANT_INDEX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def created_bound(moment: datetime) -> str:
    """A key that sorts after every ``day_key`` of a call created at ``moment``'s millisecond or later, and before
    every one of a call created earlier (``~`` sorts after every character of a callFolder)."""
    return f"{_NEWEST_MS - int(moment.timestamp() * 1000):013d}-~"


def recording_key(recording_id: str) -> str:
    return hashlib.sha256(recording_id.encode("utf-8")).hexdigest()


CHUNK_FIRST, CHUNK_AFTER = "c-", "c."  # every chunk row key sorts between these


def chunk_key(recording_id: str, index: int) -> str:
    return f"c-{recording_key(recording_id)}-{index:08d}"


def _parts(value: Any) -> dict[str, Any]:
    body = json.dumps(dump(value), separators=(",", ":"))
    parts = [body[i : i + _PART] for i in range(0, len(body), _PART)] or [""]
    return {"Parts": len(parts), **{f"Body{i}": part for i, part in enumerate(parts)}}


def _joined(entity: dict[str, Any]) -> Any:
    return json.loads("".join(str(entity[f"Body{i}"]) for i in range(int(entity["Parts"]))))


def state_entity(folder: str, call: Call, version: int) -> dict[str, Any]:
    """The state row: the call with every recording's chunks left out (they have their own rows)."""
    bare = replace(call, recordings=tuple(replace(r, chunks=()) for r in call.recordings))
    entity: dict[str, Any] = {
        "PartitionKey": folder,
        "RowKey": STATE,
        "ServerCallId": call.server_call_id,
        "State": call.state.value,
        "Version": version,
    }
    entity.update(_parts(bare))
    return entity


def chunk_entity(folder: str, recording_id: str, chunk: Chunk) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": folder,
        "RowKey": chunk_key(recording_id, chunk.index),
        "RecordingId": recording_id,
        "Index": chunk.index,
        "State": chunk.state.value,
    }
    entity.update(_parts(chunk))
    return entity


def call_of(entity: dict[str, Any], chunk_rows: list[dict[str, Any]]) -> Call:
    """The call from its state row and its chunk rows."""
    call = load_call(_joined(entity))
    found: dict[str, list[Chunk]] = {}
    for row in chunk_rows:
        found.setdefault(str(row["RecordingId"]), []).append(load_chunk(_joined(row)))
    recordings = tuple(
        replace(r, chunks=tuple(sorted(found.get(r.recording_id, []), key=lambda c: c.index))) for r in call.recordings
    )
    return replace(call, recordings=recordings)


def changed_chunks(previous: Call | None, call: Call) -> list[tuple[str, Chunk]]:
    """(recordingId, chunk) of every chunk that ``call`` holds differently from ``previous``."""
    before = {
        (r.recording_id, c.index): c for r in (previous.recordings if previous is not None else ()) for c in r.chunks
    }
    return [
        (r.recording_id, c) for r in call.recordings for c in r.chunks if before.get((r.recording_id, c.index)) != c
    ]


def history_entity(folder: str, version: int, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "PartitionKey": folder,
        "RowKey": history_key(version),
        "Kind": line["event"],
        "EventId": line["eventId"],
        "Line": json.dumps(line, separators=(",", ":")),
    }


@dataclass(frozen=True)
class LedgerRow:
    """An applied input: the state version it wrote and the attempt that wrote it (``Writer``)."""

    version: int
    writer: str


def ledger_entity(folder: str, event_id: str, version: int, writer: str) -> dict[str, Any]:
    return {
        "PartitionKey": folder, "RowKey": ledger_key(event_id), "EventId": event_id, "Version": version,
        "Writer": writer,
    }  # fmt: skip


def ledger_row(entity: Mapping[str, Any]) -> LedgerRow:
    return LedgerRow(version=int(entity.get("Version", 0)), writer=str(entity.get("Writer", "")))
