"""The typed events the parsing edge produces, and its one error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class EventParseError(ValueError):
    """An event that cannot be used (permanent: quarantine and acknowledge); ``reason`` names the field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """A communication identifier: its raw id and normalised kind."""

    raw_id: str  # "4:+14255550123", "8:acs:..."
    kind: str  # "phoneNumber" | "communicationUser" | "microsoftTeamsUser" | "unknown"


@dataclass(frozen=True)
class IncomingCall:
    event_id: str
    server_call_id: str
    correlation_id: str
    incoming_call_context: str
    caller: Identity
    callee: Identity
    caller_display_name: str
    occurred_at: datetime


@dataclass(frozen=True)
class RecordingChunkInfo:
    """One chunk of a finished recording; every location has passed ``check_recording_url``."""

    index: int
    document_id: str
    end_reason: str
    content_location: str
    metadata_location: str
    delete_location: str


@dataclass(frozen=True)
class RecordingFilesReady:
    """``RecordingFileStatusUpdated``: every chunk of a recording is ready for download at ACS."""

    event_id: str
    server_call_id: str | None  # None with the older subject form /recording/call/{callId}/recordingId/{id}
    call_id: str
    recording_id: str
    chunks: tuple[RecordingChunkInfo, ...]  # sorted by index
    recording_start: datetime
    duration_ms: int
    content_type: str  # "audio" | "audioVideo"
    channel_type: str  # "mixed" | "unmixed"
    format: str  # "wav" | "mp3" | "mp4"
    session_end_reason: str
    storage_type: str  # "acs" | "azureBlob"
    occurred_at: datetime


@dataclass(frozen=True)
class IgnoredEvent:
    """A well-formed event of a type the app does not act on."""

    event_id: str
    event_type: str


@dataclass(frozen=True)
class CallbackEvent:
    """One Call Automation callback; ``kind`` is the type without ``Microsoft.Communication.``."""

    event_id: str
    kind: str  # "CallConnected", "CallDisconnected", "RecordingStateChanged", "StartRecordingFailed", ...
    call_connection_id: str
    server_call_id: str
    correlation_id: str
    operation_context: str
    result_code: int | None
    result_subcode: int | None
    result_message: str
    occurred_at: datetime
    recording_id: str | None = None
    recording_state: str | None = None  # "active" | "inactive"
    recording_start: datetime | None = None


GridEvent = IncomingCall | RecordingFilesReady | IgnoredEvent
