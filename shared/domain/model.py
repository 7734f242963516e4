"""The per-call state: a call, its recordings and each recording's chunks (immutable values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CallState(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class RecordingState(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    FILES_READY = "files_ready"
    ARCHIVED = "archived"
    SOURCE_DELETED = "source_deleted"
    FAILED = "failed"
    NO_MEDIA = "no_media"  # started paused, stopped without ever being active: ACS makes no file (files still taken)


LIVE = frozenset({RecordingState.STARTING, RecordingState.ACTIVE, RecordingState.PAUSED})
"""A recording in one of these states is still being recorded (or about to be)."""


class ChunkState(StrEnum):
    PENDING = "pending"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class RecordingOptions:
    """How a recording is made; every field maps to one ``start_recording`` option."""

    content: str = "audio"  # audio | audioVideo
    channel: str = "unmixed"  # mixed | unmixed
    format: str = "wav"  # wav | mp3 | mp4
    pause_on_start: bool = False
    channel_affinity: tuple[tuple[int, str], ...] = ()  # (channel, participant rawId)
    participant_ordering: tuple[str, ...] = ()  # rawIds
    byos_container_url: str = ""
    state_callback_url: str = ""


@dataclass(frozen=True, kw_only=True)
class ChunkFile:
    """One chunk as ACS announced it in files-ready (where it goes in the archive is ``shared.layout``'s to say)."""

    index: int
    document_id: str
    end_reason: str
    content_location: str
    metadata_location: str
    delete_location: str


@dataclass(frozen=True, kw_only=True)
class ChunkCopy:
    """What the archive copied for one chunk: the size and SHA-256 of the media as ACS served it, the SHA-256 of
    its metadata document, and what that document says. A chunk holds one only once both blobs were read back from
    storage and matched."""

    size: int
    sha256: str  # hex, of the media bytes
    metadata_sha256: str  # hex, of the ACS metadata document as served
    streamed: bool  # True: committed as staged blocks; False: written by the blob output binding
    duration_ms: int | None = None
    pause_intervals: tuple[dict[str, Any], ...] = ()
    participants: tuple[dict[str, Any], ...] = ()  # {"participantId", "channel"?}
    participant_files: tuple[dict[str, Any], ...] = ()  # unmixed WAV: {"participantId", "channel", "blobPath",
    # "size", "sha256"} of each participant's mono WAV


@dataclass(frozen=True)
class Chunk:
    """One chunk in the call's state: announced (pending), then archived once its copy was verified."""

    file: ChunkFile
    state: ChunkState = ChunkState.PENDING
    enqueued_at: datetime | None = None  # when its job was last put on the chunk queue
    attempt: int = 0
    announced_by: str = ""  # the files-ready event id that announced it
    copy: ChunkCopy | None = None  # set when verified
    archived_at: datetime | None = None  # when it was verified

    @property
    def index(self) -> int:
        return self.file.index

    @property
    def archived(self) -> bool:
        """Its copy was read back from the archive and matched."""
        return self.state is ChunkState.ARCHIVED

    @property
    def size(self) -> int | None:
        return self.copy.size if self.copy is not None else None

    @property
    def sha256(self) -> str:
        return self.copy.sha256 if self.copy is not None else ""


class FiledUnder(StrEnum):
    """Which id names a recording's call folder: its serverCallId, or (when files-ready names none and the app
    cannot place the recording) the ``{callId}`` of the event's subject."""

    SERVER_CALL_ID = "serverCallId"
    CALL_ID = "callId"


@dataclass(frozen=True, kw_only=True)
class FilesInfo:
    """What files-ready said about the recording as a whole, with what a lean event left out derived.

    ``kind_from`` says where content, channel and format came from (``event``, ``files`` of an earlier event,
    ``options`` the app started the recording with, the chunk's ``metadata`` document, or its ``bytes``);
    ``recording_id_from`` where the recording id came from (``event``, ``state``: the call's recording waiting
    for files, or ``documentId``: the first announced chunk's, when nothing names the recording).
    """

    recording_start: datetime
    duration_ms: int | None  # optional in the published schema
    content_type: str
    channel_type: str
    format: str
    session_end_reason: str
    storage_type: str
    ready_at: datetime
    filed_under: FiledUnder = FiledUnder.SERVER_CALL_ID
    subject_call_id: str = ""
    recording_id_from: str = "event"
    kind_from: str = "event"


@dataclass(frozen=True)
class Recording:
    """One recording of a call; ``recording_id`` is empty until ACS has accepted the start."""

    recording_id: str
    state: RecordingState
    request_id: str = ""  # the start request that created it ("" when ACS told us first)
    requested_at: datetime | None = None  # when the app made that request (its Repeatability-First-Sent)
    options: RecordingOptions | None = None
    state_at: datetime | None = None  # time of the newest state report or command applied
    stop_requested: bool = False
    files: FilesInfo | None = None
    chunks: tuple[Chunk, ...] = ()
    reason: str = ""  # why it failed
    retention_warned: bool = False
    was_active: bool = False  # ACS reported it active at least once (it has media)

    def chunk(self, index: int) -> Chunk | None:
        return next((c for c in self.chunks if c.index == index), None)

    @property
    def all_archived(self) -> bool:
        return bool(self.chunks) and all(c.state is ChunkState.ARCHIVED for c in self.chunks)


@dataclass(frozen=True)
class LegalHold:
    """A legal hold the operator put on every archived blob of the call (``tag``: e.g. a matter or case id)."""

    since: datetime
    tag: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Erasure:
    """Recordings erased on request: by whom, why, and the tombstones left. The call's recordings (``participant``
    ""): one tombstone per recording; one participant's own files (``participant``: their key): the ``blobs``
    erased, one tombstone each."""

    at: datetime
    requested_by: str
    reason: str
    tombstones: tuple[str, ...] = ()
    participant: str = ""
    blobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    server_call_id: str
    state: CallState
    created_at: datetime
    updated_at: datetime
    correlation_id: str = ""
    call_connection_id: str = ""
    caller: str = ""
    callee: str = ""
    reason: str = ""  # why it ended, or why answering failed
    recordings: tuple[Recording, ...] = field(default=())
    legal_hold: LegalHold | None = None  # None: no hold (never set, or cleared)
    erasure: Erasure | None = None  # None: never erased
    participant_erasures: tuple[Erasure, ...] = ()  # one participant's own files erased, oldest first

    def recording(self, recording_id: str) -> Recording | None:
        return next((r for r in self.recordings if r.recording_id and r.recording_id == recording_id), None)

    def by_request(self, request_id: str) -> Recording | None:
        return next((r for r in self.recordings if r.request_id and r.request_id == request_id), None)

    @property
    def latest(self) -> Recording | None:
        return self.recordings[-1] if self.recordings else None

    @property
    def only_a_refused_start(self) -> bool:
        """The app knows this call only from a start it asked for (no event ever named it: no parties, no
        connection, no hold) and ACS refused that start: nothing says ACS ever had the call."""
        return (
            not (self.call_connection_id or self.caller or self.callee or self.legal_hold)
            and len(self.recordings) == 1
            and self.recordings[0].state is RecordingState.FAILED
            and not self.recordings[0].recording_id
        )

    @property
    def pending_start(self) -> Recording | None:
        """A start the app asked for whose recordingId ACS has not returned yet."""
        return next((r for r in self.recordings if r.request_id and not r.recording_id and r.state in LIVE), None)
