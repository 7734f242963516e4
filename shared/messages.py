"""Messages that cross a queue or a module boundary: the chunk copy job and the archive result.

The job is the JSON body of a ``CHUNK_QUEUE`` message; its top-level properties are binding data for the
``archive_chunk`` blob output binding (``{blobPath}``).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field
from typing import Any


class MessageError(ValueError):
    """A queue message that is not a well-formed chunk job."""


@dataclass(frozen=True)
class ChunkJob:
    """Copy one recording chunk (media + metadata) into the archive."""

    server_call_id: str
    call_folder: str
    recording_id: str
    index: int
    document_id: str
    format: str  # wav | mp3 | mp4
    blob_path: str  # media path inside ARCHIVE_CONTAINER
    metadata_path: str
    manifest_path: str
    content_location: str
    metadata_location: str
    delete_location: str
    recording_start: str  # ISO 8601 UTC
    end_reason: str = ""
    correlation_id: str = ""
    event_id: str = ""  # the RecordingFileStatusUpdated event that produced it
    attempt: int = 0  # re-enqueued by the sweeper when > 0
    traceparent: str = ""  # W3C trace context of the invocation that queued it (shared.telemetry)

    def to_json(self) -> str:
        body = {_camel(k): v for k, v in asdict(self).items()}
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ChunkJob:
        try:
            body = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MessageError(f"chunk job is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise MessageError("chunk job must be a JSON object")
        return cls._from_body(body)

    @classmethod
    def _from_body(cls, body: dict[str, Any]) -> ChunkJob:
        values: dict[str, Any] = {}
        for name, f in cls.__dataclass_fields__.items():
            key = _camel(name)
            if key not in body:
                if f.default is not MISSING:
                    continue
                raise MessageError(f"chunk job lacks {key}")
            value = body[key]
            expected = int if name in ("index", "attempt") else str
            if not isinstance(value, expected) or isinstance(value, bool):
                raise MessageError(f"chunk job field {key} must be {expected.__name__}")
            values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class ArchivedChunk:
    """What the archive engine copied and verified for one chunk."""

    index: int
    blob_path: str
    size: int
    sha256: str  # hex
    metadata_path: str
    metadata_sha256: str
    duration_ms: int | None = None
    pause_intervals: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)  # [{"participantId", "channel"}]
    streamed: bool = False  # True: written with the Storage SDK; False: payload goes to the output binding
    payload: bytes | None = field(default=None, repr=False)  # media bytes for the blob output binding


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
