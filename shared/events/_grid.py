"""Event Grid deliveries (Event Grid schema or CloudEvents 1.0): IncomingCall and RecordingFileStatusUpdated."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.events._fields import enum, get, opt, text, time, typed
from shared.events._model import (
    EventParseError,
    GridEvent,
    Identity,
    IgnoredEvent,
    IncomingCall,
    RecordingChunkInfo,
    RecordingFilesReady,
)
from shared.urlcheck import UnsafeUrl, check_recording_url

INCOMING_CALL = "Microsoft.Communication.IncomingCall"
RECORDING_FILE_STATUS_UPDATED = "Microsoft.Communication.RecordingFileStatusUpdated"


def parse_grid_event(raw: Mapping[str, Any], allowed_suffixes: Sequence[str]) -> GridEvent:
    """Parse one Event Grid delivery item (Event Grid schema or CloudEvents 1.0)."""
    if not isinstance(raw, Mapping):
        raise EventParseError(f"event must be an object, not {type(raw).__name__}")
    event_id = text(raw, "id", "")
    if "specversion" in raw:
        if raw["specversion"] != "1.0":
            raise EventParseError(f"specversion must be '1.0', not {raw['specversion']!r}")
        event_type, time_key = text(raw, "type", ""), "time"
    else:
        event_type, time_key = text(raw, "eventType", ""), "eventTime"
    if event_type.lower() == INCOMING_CALL.lower():
        return _incoming_call(raw, event_id, time(raw, time_key, ""))
    if event_type.lower() == RECORDING_FILE_STATUS_UPDATED.lower():
        return _files_ready(raw, event_id, time(raw, time_key, ""), allowed_suffixes)
    return IgnoredEvent(event_id=event_id, event_type=event_type)


def _incoming_call(raw: Mapping[str, Any], event_id: str, occurred_at: datetime) -> IncomingCall:
    data = get(raw, "data", dict, "")
    return IncomingCall(
        event_id=event_id,
        server_call_id=text(data, "serverCallId", "data."),
        correlation_id=text(data, "correlationId", "data."),
        incoming_call_context=text(data, "incomingCallContext", "data."),
        caller=_identity(get(data, "from", dict, "data."), "data.from."),
        callee=_identity(get(data, "to", dict, "data."), "data.to."),
        caller_display_name=opt(data, "callerDisplayName", str, "data.") or "",
        occurred_at=occurred_at,
    )


_KINDS = {
    "phonenumber": "phoneNumber",
    "communicationuser": "communicationUser",
    "microsoftteamsuser": "microsoftTeamsUser",
}
_RAW_PREFIXES = (("4:", "phoneNumber"), ("8:acs:", "communicationUser"), ("8:spool:", "communicationUser"))


def _identity(obj: Mapping[str, Any], where: str) -> Identity:
    raw_id = text(obj, "rawId", where)
    kind = opt(obj, "kind", str, where)
    if kind is not None:
        return Identity(raw_id=raw_id, kind=_KINDS.get(kind.lower(), "unknown"))
    for key, name in _KINDS.items():
        if any(k.lower() == key for k in obj):
            return Identity(raw_id=raw_id, kind=name)
    guess = next((name for prefix, name in _RAW_PREFIXES if raw_id.startswith(prefix)), None)
    if guess is None and raw_id.startswith("8:"):
        guess = "microsoftTeamsUser"
    return Identity(raw_id=raw_id, kind=guess or "unknown")


_SUBJECT = re.compile(r"/?recording/call/(?P<call>[^/]+)(?:/serverCallId/(?P<server>.+))?/recordingId/(?P<rec>[^/]+)")
_CONTENT = {"audio": "audio", "audiovideo": "audioVideo"}
_CHANNEL = {"mixed": "mixed", "unmixed": "unmixed"}
_FORMAT = {"wav": "wav", "mp3": "mp3", "mp4": "mp4"}
_STORAGE = {
    "acs": "acs",
    "azurecommunicationservices": "acs",
    "azureblob": "azureBlob",
    "azureblobstorage": "azureBlob",
}


def _files_ready(
    raw: Mapping[str, Any], event_id: str, occurred_at: datetime, allowed_suffixes: Sequence[str]
) -> RecordingFilesReady:
    subject = get(raw, "subject", str, "")
    match = _SUBJECT.fullmatch(subject)
    if match is None:
        raise EventParseError(
            f"subject is not /recording/call/{{callId}}/[serverCallId/{{id}}/]recordingId/{{id}}: {subject!r}"
        )
    data = get(raw, "data", dict, "")
    storage = get(data, "recordingStorageInfo", dict, "data.")
    duration = get(data, "recordingDurationMs", int, "data.")
    if duration < 0:
        raise EventParseError("data.recordingDurationMs must not be negative")
    return RecordingFilesReady(
        event_id=event_id,
        server_call_id=match["server"] or opt(data, "serverCallId", str, "data.") or None,
        call_id=match["call"],
        recording_id=match["rec"],
        chunks=_chunks(get(storage, "recordingChunks", list, "data.recordingStorageInfo."), allowed_suffixes),
        recording_start=time(data, "recordingStartTime", "data."),
        duration_ms=duration,
        content_type=enum(data, "recordingContentType", _CONTENT, "data."),
        channel_type=enum(data, "recordingChannelType", _CHANNEL, "data."),
        format=enum(data, "recordingFormatType", _FORMAT, "data."),
        session_end_reason=opt(data, "sessionEndReason", str, "data.") or "",
        storage_type=enum(data, "storageType", _STORAGE, "data.") if "storageType" in data else "acs",
        occurred_at=occurred_at,
    )


def _chunks(items: list[Any], allowed_suffixes: Sequence[str]) -> tuple[RecordingChunkInfo, ...]:
    if not items:
        raise EventParseError("data.recordingStorageInfo.recordingChunks is empty")
    chunks = [
        _chunk(item, f"data.recordingStorageInfo.recordingChunks[{n}].", allowed_suffixes)
        for n, item in enumerate(items)
    ]
    indexes = [chunk.index for chunk in chunks]
    if len(set(indexes)) != len(indexes):
        raise EventParseError(f"data.recordingStorageInfo.recordingChunks has duplicate indexes {sorted(indexes)}")
    return tuple(sorted(chunks, key=lambda chunk: chunk.index))


def _chunk(item: Any, where: str, allowed_suffixes: Sequence[str]) -> RecordingChunkInfo:
    chunk = typed(item, dict, where.rstrip("."))
    index = get(chunk, "index", int, where)
    if index < 0:
        raise EventParseError(f"{where}index must not be negative")
    return RecordingChunkInfo(
        index=index,
        document_id=text(chunk, "documentId", where),
        end_reason=opt(chunk, "endReason", str, where) or "",
        content_location=_location(chunk, "contentLocation", where, allowed_suffixes),
        metadata_location=_location(chunk, "metadataLocation", where, allowed_suffixes),
        delete_location=_location(chunk, "deleteLocation", where, allowed_suffixes),
    )


def _location(chunk: Mapping[str, Any], key: str, where: str, allowed_suffixes: Sequence[str]) -> str:
    url = text(chunk, key, where)
    try:
        return check_recording_url(url, allowed_suffixes)
    except UnsafeUrl as exc:
        raise EventParseError(f"{where}{key} is not a safe recording URL: {exc}") from None
