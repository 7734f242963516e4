"""A finished recording's files: chunk objects with their metadata, and the files-ready Event Grid event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .config import STORAGE_HOST
from .events import FILES_READY, GridEvent
from .identifiers import new_document_id, timestamp
from .media import MediaSpec
from .options import RecordingOptions
from .recording import ChunkPlan

CONTENT_KIND = {"wav": "audiowav", "mp3": "audiomp3", "mp4": "video"}
AUDIO_BITRATE = {"wav": 256000, "mp3": 48000, "mp4": 64000}
VIDEO = {"longerSideLength": 320, "shorterSideLength": 180, "framerate": 8, "bitRate": 200000}
PASCAL = {"audio": "Audio", "audioVideo": "AudioVideo", "mixed": "Mixed", "unmixed": "Unmixed"}


@dataclass
class StoredChunk:
    """One chunk in the emulated ACS storage: media rendered on demand from ``spec``, metadata as served."""

    document_id: str
    index: int
    recording_id: str
    spec: MediaSpec
    metadata: bytes
    content_kind: str
    end_reason: str
    ready_at: float
    deleted: bool = False

    def locations(self) -> dict[str, str]:
        base = f"https://{STORAGE_HOST}/v1/objects/{self.document_id}"
        return {
            "contentLocation": f"{base}/content/{self.content_kind}",
            "metadataLocation": f"{base}/content/acsmetadata",
            "deleteLocation": base,
        }

    def as_event_chunk(self, delete_kind: str | None = None) -> dict[str, Any]:
        """The chunk in files-ready; with ``delete_kind`` the delete location is ``.../content/{delete_kind}`` (the
        older published form, ``deletedata``) instead of the object itself."""
        chunk = {"documentId": self.document_id, "index": self.index, "endReason": self.end_reason, **self.locations()}
        if delete_kind:
            chunk["deleteLocation"] = f"{chunk['deleteLocation']}/content/{delete_kind}"
        return chunk


@dataclass(frozen=True)
class RecordingFacts:
    """What the files of one recording are made from."""

    recording_id: str
    server_call_id: str
    correlation_id: str
    resource_id: str
    options: RecordingOptions
    participants: tuple[str, ...]  # the call's participants, in order; index = voice
    channels: tuple[str, ...]  # unmixed: participant of each channel
    started_at: float


def _spec(facts: RecordingFacts, plan: ChunkPlan, seed: str) -> MediaSpec:
    if facts.options.channel == "unmixed":
        voices = tuple(
            facts.participants.index(p) if p in facts.participants else i for i, p in enumerate(facts.channels)
        )
        return MediaSpec(facts.options.format, len(voices), plan.duration_ms, voices, seed)
    return MediaSpec(facts.options.format, 1, plan.duration_ms, tuple(range(len(facts.participants))) or (0,), seed)


def _metadata(facts: RecordingFacts, plan: ChunkPlan, document_id: str, channels: int) -> bytes:
    opts = facts.options
    info: dict[str, Any] = {
        "contentType": opts.content,
        "channelType": opts.channel,
        "format": opts.format,
        "audioConfiguration": {"sampleRate": 16000, "bitRate": AUDIO_BITRATE[opts.format], "channels": channels},
    }
    if opts.format == "mp4":
        info["videoConfiguration"] = dict(VIDEO)
    if opts.channel == "unmixed":
        participants = [{"participantId": p, "channel": i} for i, p in enumerate(facts.channels)]
    else:
        participants = [{"participantId": p} for p in facts.participants]
    document = {
        "resourceId": facts.resource_id,
        "callId": facts.correlation_id,
        "chunkDocumentId": document_id,
        "chunkIndex": plan.index,
        "chunkStartTime": timestamp(facts.started_at + plan.offset_ms / 1000),
        "chunkDuration": plan.duration_ms,
        "pauseResumeIntervals": [
            {"startTime": timestamp(facts.started_at + p.offset_ms / 1000), "duration": p.duration_ms}
            for p in plan.pauses
        ],
        "recordingInfo": info,
        "participants": participants,
    }
    return json.dumps(document, indent=2).encode()


def build_chunks(facts: RecordingFacts, plans: list[ChunkPlan], now: float) -> list[StoredChunk]:
    chunks = []
    for plan in plans:
        document_id = new_document_id()
        spec = _spec(facts, plan, document_id)
        chunks.append(
            StoredChunk(
                document_id=document_id,
                index=plan.index,
                recording_id=facts.recording_id,
                spec=spec,
                metadata=_metadata(facts, plan, document_id, spec.channels),
                content_kind=CONTENT_KIND[facts.options.format],
                end_reason=plan.end_reason,
                ready_at=now,
            )
        )
    return chunks


def files_ready_event(
    facts: RecordingFacts, chunks: list[StoredChunk], session_end_reason: str, byos: bool, shape: str = "full"
) -> GridEvent:
    """``RecordingFileStatusUpdated`` in one of the published shapes (``config.FILES_READY_SHAPES``).

    ``full``: every field, the long subject ``.../serverCallId/{id}/recordingId/{id}`` (the latest concepts page's
    schema comment). ``quickstart``: the call recording quickstart's schema: subject ``.../serverCallId/{id}``, no
    content/channel/format types, delete location ``.../content/deletedata``
    (tests/fixtures/events/published/docs_quickstart_eg_recording_file_status_updated.json). ``spec-example``: the
    Event Grid spec example: subject ``.../recordingId/{id}``, no serverCallId, delete location
    ``.../content/deletedata`` (published/spec_eg_recording_file_status_updated.json). ``byos``: the
    bring-your-own-storage page: the quickstart's shape plus ``storageType`` and ``recordingId``
    (published/docs_byos_eg_recording_file_status_updated.json). A recording made with external storage always
    carries ``storageType`` and ``recordingId``.
    """
    opts = facts.options
    call, server, rec = facts.correlation_id, facts.server_call_id, facts.recording_id
    deletes = "deletedata" if shape != "full" else None
    data: dict[str, Any] = {
        "recordingStorageInfo": {"recordingChunks": [chunk.as_event_chunk(deletes) for chunk in chunks]},
        "recordingStartTime": timestamp(facts.started_at),
        "recordingDurationMs": sum(chunk.spec.duration_ms for chunk in chunks),
        "sessionEndReason": session_end_reason,
    }
    if shape in ("full", "spec-example"):
        data["recordingContentType"] = PASCAL[opts.content]
        data["recordingChannelType"] = PASCAL[opts.channel]
        data["recordingFormatType"] = opts.format.capitalize()
    if byos or shape == "byos":
        data.update(storageType="AzureBlob", recordingId=rec)
    subject = {
        "full": f"/recording/call/{call}/serverCallId/{server}/recordingId/{rec}",
        "spec-example": f"/recording/call/{call}/recordingId/{rec}",
    }.get(shape, f"/recording/call/{call}/serverCallId/{server}")
    return GridEvent(FILES_READY, subject, data)
