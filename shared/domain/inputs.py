"""What can happen to a call: facts reported by ACS or the archive, and commands from the app or an operator.

Every input carries a unique ``event_id`` (the store's ledger makes a redelivered one a no-op), the time it
happened (``at``) and its ``source`` (``eventgrid``, ``callback``, ``api``, ``archive``, ``sweeper``). Every other
field is keyword-only and every id an input cannot do without is required, so a missing recordingId cannot
type-check.

``CallReconciled`` and ``RecordingReconciled`` are what ACS reported when the sweeper asked it about a call or a
recording whose callbacks the app may have missed; ``at`` is when it asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.model import ChunkCopy, ChunkFile, FilesInfo, RecordingOptions


@dataclass(frozen=True)
class Input:
    event_id: str
    at: datetime
    source: str


@dataclass(frozen=True, kw_only=True)
class CallRinging(Input):
    correlation_id: str = ""
    caller: str = ""
    callee: str = ""


@dataclass(frozen=True, kw_only=True)
class CallAnswered(Input):
    call_connection_id: str


@dataclass(frozen=True, kw_only=True)
class AnswerFailed(Input):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CallConnected(Input):
    """The call is up; with ``start`` the app asks for a recording (request id ``connect:{event_id}``)."""

    call_connection_id: str
    correlation_id: str = ""
    start: RecordingOptions | None = None


@dataclass(frozen=True, kw_only=True)
class CallDisconnected(Input):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CallReconciled(Input):
    """ACS reports the call ``connected`` (applied as CallConnected: with ``start`` the app asks for a recording,
    request id ``connect:{event_id}``, unless the call has one) or ended (applied as CallDisconnected)."""

    connected: bool = False
    call_connection_id: str = ""
    start: RecordingOptions | None = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class StartRecording(Input):
    """Command: start a recording of the call with these options."""

    request_id: str
    options: RecordingOptions


@dataclass(frozen=True, kw_only=True)
class RecordingStarted(Input):
    """ACS accepted the start request ``request_id`` and named the recording."""

    request_id: str
    recording_id: str


@dataclass(frozen=True, kw_only=True)
class StartFailed(Input):
    """ACS refused, or later gave up on, a start (by request id or recording id)."""

    request_id: str = ""
    recording_id: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordingStateReported(Input):
    """ACS RecordingStateChanged: ``active`` or not, as of ``at``."""

    recording_id: str
    active: bool


RECONCILED_STATUSES = ("active", "inactive", "gone")


@dataclass(frozen=True, kw_only=True)
class RecordingReconciled(Input):
    """ACS reports the recording ``active``, ``inactive``, or ``gone`` (it no longer knows it), as of ``at``."""

    recording_id: str
    status: str


@dataclass(frozen=True, kw_only=True)
class PauseRecording(Input):
    """Command; an empty ``recording_id`` means the call's latest recording."""

    recording_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ResumeRecording(Input):
    recording_id: str = ""


@dataclass(frozen=True, kw_only=True)
class StopRecording(Input):
    recording_id: str = ""


@dataclass(frozen=True, kw_only=True)
class FilesReady(Input):
    recording_id: str
    info: FilesInfo
    chunks: tuple[ChunkFile, ...]


@dataclass(frozen=True, kw_only=True)
class ChunkArchived(Input):
    """Chunk ``index`` was read back from the archive and matched ``copy`` (the verification step, never the copy).

    ``document_id``, ``recording_start`` and ``format`` are those the verified blobs were found under: they must be
    the ones files-ready announced, or the blobs read back are not the chunk's (``ChunkMismatch``).
    """

    recording_id: str
    index: int
    document_id: str
    recording_start: datetime
    format: str
    copy: ChunkCopy


@dataclass(frozen=True, kw_only=True)
class ChunkRequeued(Input):
    recording_id: str
    index: int
    attempt: int


@dataclass(frozen=True, kw_only=True)
class ArchiveFailed(Input):
    recording_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SourceDeleted(Input):
    recording_id: str


@dataclass(frozen=True, kw_only=True)
class RetentionWarned(Input):
    """ACS's retention nears and the recording is not complete; ``missing`` says why, in words."""

    recording_id: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SourceExpired(Input):
    """ACS's retention passed before every chunk was archived: the source is gone."""

    recording_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LegalHoldChanged(Input):
    """Command outcome: storage set (``held``) or cleared the legal hold on every archived blob version of the call.

    ``blob_versions`` is how many blob versions storage changed; ``tag`` and ``reason`` are the operator's words.
    """

    held: bool
    blob_versions: int
    tag: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CallErased(Input):
    """Command outcome: every blob of the call's recordings was deleted, each recording's signed tombstone written
    and read back first. ``requested_by`` and ``reason`` are the request's words."""

    requested_by: str
    reason: str
    tombstones: tuple[str, ...]
    blobs: int


@dataclass(frozen=True, kw_only=True)
class ParticipantErased(Input):
    """Command outcome: one participant's own files (``erased``, blob paths) in the call's recordings were deleted on
    request, each blob's signed tombstone written and read back first. ``participant`` is their key
    (``shared.domain.participants``); ``voice_kept_in``: the recordings whose media still hold their voice."""

    participant: str
    requested_by: str
    reason: str
    erased: tuple[str, ...]
    tombstones: tuple[str, ...]
    voice_kept_in: tuple[str, ...] = ()


RECORDING_INPUTS = (
    RecordingStarted,
    StartFailed,
    RecordingStateReported,
    RecordingReconciled,
    PauseRecording,
    ResumeRecording,
    StopRecording,
    FilesReady,
    ChunkArchived,
    ChunkRequeued,
    ArchiveFailed,
    SourceDeleted,
    RetentionWarned,
    SourceExpired,
)
