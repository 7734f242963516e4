"""Messages that cross a queue: the chunk copy job (``CHUNK_QUEUE``) and the verification job (``VERIFY_QUEUE``).

Both name a chunk by its ids (``ChunkRef``); every archive path is derived from those ids by ``shared.layout``
and never read from a message. The one exception is binding data: the ``archive_chunk`` blob output binding's path
is ``{blobPath}``, a top-level property of the job, so a job carries it and ``ChunkJob.from_json`` refuses one whose
``blobPath`` is not the path the layout derives from its ids (the media would land elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared import boundedjson, layout
from shared.domain.model import ChunkCopy, ChunkFile


class MessageError(ValueError):
    """A queue message that is not a well-formed job (quarantined with this reason)."""


@dataclass(frozen=True, kw_only=True)
class ChunkRef:
    """The ids of one chunk, and what the layout needs besides them (the recording's start date and format)."""

    server_call_id: str
    recording_id: str
    index: int
    format: str  # wav | mp3 | mp4
    recording_start: datetime  # UTC

    @property
    def paths(self) -> layout.ChunkPaths:
        return layout.chunk_paths(self.recording_start, self.server_call_id, self.recording_id, self.index, self.format)

    @property
    def call_folder(self) -> str:
        return layout.call_folder(self.server_call_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "serverCallId": self.server_call_id,
            "recordingId": self.recording_id,
            "index": self.index,
            "format": self.format,
            "recordingStart": self.recording_start.isoformat().replace("+00:00", "Z"),
        }

    @classmethod
    def from_body(cls, body: Body) -> ChunkRef:
        ref = cls(
            server_call_id=body.text("serverCallId"),
            recording_id=body.text("recordingId"),
            index=body.number("index"),
            format=body.text("format"),
            recording_start=body.moment("recordingStart"),
        )
        try:
            ref.paths  # noqa: B018 (the ids must name a path)
        except layout.LayoutError as exc:
            raise MessageError(f"job names no archive path: {exc}") from None
        return ref


@dataclass(frozen=True, kw_only=True)
class ChunkJob:
    """Copy one recording chunk (media + metadata) from ACS into the archive."""

    chunk: ChunkRef
    file: ChunkFile
    correlation_id: str = ""
    event_id: str = ""  # the input that enqueued it (files-ready, or the sweeper's requeue)
    attempt: int = 0  # > 0: enqueued again by the sweeper
    traceparent: str = ""  # W3C trace context of the invocation that queued it (shared.telemetry)

    def to_json(self) -> str:
        body = {
            **self.chunk.as_json(),
            "documentId": self.file.document_id,
            "endReason": self.file.end_reason,
            "contentLocation": self.file.content_location,
            "metadataLocation": self.file.metadata_location,
            "deleteLocation": self.file.delete_location,
            "correlationId": self.correlation_id,
            "eventId": self.event_id,
            "attempt": self.attempt,
            "traceparent": self.traceparent,
            "blobPath": self.chunk.paths.media,  # binding data of the blob output binding, nothing else
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ChunkJob:
        body = Body.parse(text, "chunk job")
        chunk = ChunkRef.from_body(body)
        bound = body.text("blobPath")
        if bound != chunk.paths.media:
            raise MessageError(f"blobPath {bound!r} is not the layout's path {chunk.paths.media!r} for the job's ids")
        return cls(
            chunk=chunk,
            file=ChunkFile(
                index=chunk.index,
                document_id=body.text("documentId"),
                end_reason=body.text("endReason", required=False),
                content_location=body.text("contentLocation"),
                metadata_location=body.text("metadataLocation"),
                delete_location=body.text("deleteLocation", required=False),
            ),
            correlation_id=body.text("correlationId", required=False),
            event_id=body.text("eventId", required=False),
            attempt=body.number("attempt", required=False),
            traceparent=body.text("traceparent", required=False),
        )


@dataclass(frozen=True, kw_only=True)
class VerifyJob:
    """Read chunk ``chunk``'s blobs back from the archive and match them with ``copy`` (what came from ACS)."""

    chunk: ChunkRef
    document_id: str
    copy: ChunkCopy
    correlation_id: str = ""
    traceparent: str = ""  # W3C trace context of the archive_chunk invocation that queued it

    def to_json(self) -> str:
        body = {
            **self.chunk.as_json(),
            "documentId": self.document_id,
            "size": self.copy.size,
            "sha256": self.copy.sha256,
            "metadataSha256": self.copy.metadata_sha256,
            "streamed": self.copy.streamed,
            "durationMs": self.copy.duration_ms,
            "pauseResumeIntervals": list(self.copy.pause_intervals),
            "participants": list(self.copy.participants),
            "participantFiles": list(self.copy.participant_files),
            "correlationId": self.correlation_id,
            "traceparent": self.traceparent,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> VerifyJob:
        body = Body.parse(text, "verify job")
        duration = body.raw.get("durationMs")
        if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)):
            raise MessageError("verify job field durationMs must be an integer or null")
        copy = ChunkCopy(
            size=body.number("size"),
            sha256=body.digest("sha256"),
            metadata_sha256=body.digest("metadataSha256"),
            streamed=body.flag("streamed"),
            duration_ms=duration,
            pause_intervals=body.objects("pauseResumeIntervals"),
            participants=body.objects("participants"),
            participant_files=body.participant_files(),
        )
        return cls(
            chunk=ChunkRef.from_body(body),
            document_id=body.text("documentId"),
            copy=copy,
            correlation_id=body.text("correlationId", required=False),
            traceparent=body.text("traceparent", required=False),
        )


class Body:
    """A job's JSON object, read field by field with a reason for every refusal."""

    def __init__(self, raw: dict[str, Any], kind: str) -> None:
        self.raw, self._kind = raw, kind

    @classmethod
    def parse(cls, text: str | bytes, kind: str) -> Body:
        try:
            raw = boundedjson.loads(text)
        except ValueError as exc:
            raise MessageError(f"{kind} {exc}") from None
        if not isinstance(raw, dict):
            raise MessageError(f"{kind} must be a JSON object")
        return cls(raw, kind)

    def _get(self, key: str, kind: type, required: bool) -> Any:
        if key not in self.raw:
            if required:
                raise MessageError(f"{self._kind} lacks {key}")
            return kind()
        value = self.raw[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise MessageError(f"{self._kind} field {key} must be {kind.__name__}")
        return value

    def text(self, key: str, *, required: bool = True) -> str:
        value: str = self._get(key, str, required)
        if required and not value:
            raise MessageError(f"{self._kind} field {key} is empty")
        return value

    def number(self, key: str, *, required: bool = True) -> int:
        value: int = self._get(key, int, required)
        if value < 0:
            raise MessageError(f"{self._kind} field {key} must not be negative")
        return value

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, bool, True)
        return value

    def digest(self, key: str) -> str:
        value = self.text(key)
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise MessageError(f"{self._kind} field {key} must be a hex SHA-256")
        return value

    def moment(self, key: str) -> datetime:
        value = self.text(key)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MessageError(f"{self._kind} field {key} is not an ISO 8601 time: {value!r}") from None
        if parsed.tzinfo is None:
            raise MessageError(f"{self._kind} field {key} has no time zone: {value!r}")
        return parsed

    def participant_files(self) -> tuple[dict[str, Any], ...]:
        """``participantFiles``: each names its participant and blob, with the size and SHA-256 to match."""
        files = self.objects("participantFiles")
        for n, item in enumerate(files):
            part = Body(item, f"{self._kind} participantFiles[{n}]")
            part.text("participantId")
            part.text("blobPath")
            part.number("size")
            part.digest("sha256")
        return files

    def objects(self, key: str) -> tuple[dict[str, Any], ...]:
        value = self._get(key, list, False)
        if not all(isinstance(item, dict) for item in value):
            raise MessageError(f"{self._kind} field {key} must be a list of objects")
        return tuple(value)
