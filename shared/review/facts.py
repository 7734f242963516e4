"""What the archive holds about one chunk, from its ACS metadata document and its manifest entry (pure).

ACS leaves paused time out of the media and lists each pause by wall-clock start and duration
(``pauseResumeIntervals``); a pause's place in the media is its distance from ``chunkStartTime`` less the pauses
before it in the same chunk.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from shared import boundedjson
from shared.domain import Chunk

Json = dict[str, Any]


def media_pauses(chunk_start: datetime | None, intervals: list[Json]) -> list[Json]:
    """Each pause with ``mediaOffsetMs``, the position in the chunk's media where it happened (None if unknown)."""
    pauses, earlier = [], 0
    for start, duration in sorted(_intervals(intervals)):
        offset = None
        if chunk_start is not None:
            offset = max(0, round((start - chunk_start).total_seconds() * 1000) - earlier)
        pauses.append({"startTime": start.isoformat(), "durationMs": duration, "mediaOffsetMs": offset})
        earlier += duration
    return pauses


def chunk_facts(chunk: Chunk, entry: Json | None, metadata: bytes | None) -> Json:
    """The chunk's media facts (start, duration, pauses, participants by channel, audio) and any disagreement
    between the call's state, the manifest and the archived metadata document."""
    document = _document(metadata)
    start = _moment(document.get("chunkStartTime"))
    audio = _dict(_dict(document.get("recordingInfo")).get("audioConfiguration"))
    return {
        "index": chunk.index,
        "chunkStartTime": start.isoformat() if start is not None else None,
        "durationMs": _int(document.get("chunkDuration")),
        "pauses": media_pauses(start, _dicts(document.get("pauseResumeIntervals"))),
        "participants": [_participant(p) for p in _dicts(document.get("participants"))],
        "channels": _int(audio.get("channels")),
        "sampleRate": _int(audio.get("sampleRate")),
        "problems": _problems(chunk, entry, metadata),
    }


def _problems(chunk: Chunk, entry: Json | None, metadata: bytes | None) -> list[str]:
    if not chunk.archived:
        return [f"chunk {chunk.index} is not archived yet"]
    problems = []
    if entry is None:
        problems.append(f"chunk {chunk.index} is not listed in the manifest")
    elif entry.get("size") != chunk.size or entry.get("sha256") != chunk.sha256:
        problems.append(f"the manifest lists other bytes for chunk {chunk.index} than the archive verified")
    if metadata is None:
        problems.append(f"the metadata document of chunk {chunk.index} is missing from the archive")
    elif entry is not None and hashlib.sha256(metadata).hexdigest() != entry.get("metadataSha256"):
        problems.append(f"the metadata document of chunk {chunk.index} differs from the manifest's SHA-256")
    return problems


def _document(metadata: bytes | None) -> Json:
    try:
        return _dict(boundedjson.loads(metadata)) if metadata else {}
    except ValueError:
        return {}


def _intervals(items: list[Json]) -> list[tuple[datetime, int]]:
    found = [(_moment(i.get("startTime")), _int(i.get("duration"))) for i in items]
    return [(start, duration) for start, duration in found if start is not None and duration is not None]


def _participant(item: Json) -> Json:
    channel = item.get("channel")
    return {
        "participantId": str(item.get("participantId", "")),
        "channel": channel if _int(channel) is not None else None,
    }


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
