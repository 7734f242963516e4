"""What the manifest keeps from an ACS recording metadata document (``chunk-NNNN.metadata.json``, as served)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from shared import boundedjson
from shared.domain.model import ChunkCopy

log = logging.getLogger(__name__)


def _dicts(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(item for item in value if isinstance(item, dict)) if isinstance(value, list) else ()


def _participant(item: dict[str, Any]) -> dict[str, Any]:
    kept = {"participantId": item.get("participantId")}
    if isinstance(item.get("channel"), int):
        kept["channel"] = item["channel"]
    return kept


def chunk_copy(*, size: int, sha256: str, streamed: bool, document: bytes, metadata_sha256: str) -> ChunkCopy:
    """The copy of a chunk with what its metadata document says: duration, pause/resume intervals and participants
    (with their channel when unmixed); none of these when the document is unreadable."""
    found = ChunkCopy(size=size, sha256=sha256, metadata_sha256=metadata_sha256, streamed=streamed)
    try:
        body = boundedjson.loads(document)
    except ValueError:
        log.warning("recording metadata is not JSON; the manifest lists no duration or participants")
        return found
    if not isinstance(body, dict):
        return found
    duration = body.get("chunkDuration")
    return replace(
        found,
        duration_ms=int(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else None,
        pause_intervals=_dicts(body.get("pauseResumeIntervals")),
        participants=tuple(_participant(p) for p in _dicts(body.get("participants"))),
    )
