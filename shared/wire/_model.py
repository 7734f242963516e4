"""The typed events the parsing edge produces, and its one error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


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
    """``IncomingCall``: a call to one of the resource's numbers or users is ringing."""

    EVENT_TYPE: ClassVar[str] = "Microsoft.Communication.IncomingCall"

    event_id: str
    server_call_id: str  # "" when the event leaves it out (optional in the published schema)
    correlation_id: str  # "" when absent
    incoming_call_context: str  # "" when absent: the call cannot be answered
    caller: Identity
    callee: Identity
    caller_display_name: str
    occurred_at: datetime


@dataclass(frozen=True)
class RecordingChunkInfo:
    """One chunk of a finished recording; every location has passed ``check_recording_url``."""

    index: int
    document_id: str
    end_reason: str  # "" when the event leaves it out (optional in the published schema)
    content_location: str
    metadata_location: str
    delete_location: str  # derived from the content location's object when the event leaves it out


@dataclass(frozen=True)
class RecordingFilesReady:
    """``RecordingFileStatusUpdated``: chunks of a recording are ready for download at ACS.

    Microsoft publishes three subject forms (``/recording/call/{callId}/serverCallId/{id}``,
    ``/recording/call/{callId}/recordingId/{id}`` and the long form with both) and marks the duration and the
    content, channel and format types optional; what an event leaves out is None here.
    """

    EVENT_TYPE: ClassVar[str] = "Microsoft.Communication.RecordingFileStatusUpdated"

    event_id: str
    server_call_id: str | None  # None when neither the subject nor data names one
    call_id: str  # the subject's {callId}
    recording_id: str | None  # data.recordingId, else the subject's; None when neither names one
    chunks: tuple[RecordingChunkInfo, ...]  # sorted by index
    recording_start: datetime
    duration_ms: int | None
    content_type: str | None  # "audio" | "audioVideo"
    channel_type: str | None  # "mixed" | "unmixed"
    format: str | None  # "wav" | "mp3" | "mp4"
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


KnownGridEvent = IncomingCall | RecordingFilesReady
"""An Event Grid event of a type the app acts on (its ``EVENT_TYPE``)."""

GridEvent = KnownGridEvent | IgnoredEvent
