"""What the manifest keeps from an ACS recording metadata document (``chunk-NNNN.metadata.json``, as served)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkFacts:
    duration_ms: int | None = None
    pause_intervals: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _participant(item: dict[str, Any]) -> dict[str, Any]:
    kept = {"participantId": item.get("participantId")}
    if isinstance(item.get("channel"), int):
        kept["channel"] = item["channel"]
    return kept


def chunk_facts(document: bytes) -> ChunkFacts:
    """Duration, pause/resume intervals and participants (with their channel when unmixed); empty when unreadable."""
    try:
        body = json.loads(document)
    except (ValueError, UnicodeDecodeError):
        log.warning("recording metadata is not JSON; the manifest lists no duration or participants")
        return ChunkFacts()
    if not isinstance(body, dict):
        return ChunkFacts()
    duration = body.get("chunkDuration")
    return ChunkFacts(
        duration_ms=int(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else None,
        pause_intervals=_dicts(body.get("pauseResumeIntervals")),
        participants=[_participant(p) for p in _dicts(body.get("participants"))],
    )
