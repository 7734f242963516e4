"""The per-call orchestrator as a pure state machine (standard library only)."""

from shared.domain import lifecycle
from shared.domain.errors import DomainError, InvalidTransition, UnknownRecording
from shared.domain.machine import apply, connect_request_id, new_call, replay
from shared.domain.model import (
    LIVE,
    Call,
    CallState,
    Chunk,
    ChunkFile,
    ChunkState,
    Erasure,
    FiledUnder,
    FilesInfo,
    LegalHold,
    Recording,
    RecordingOptions,
    RecordingState,
)

__all__ = [
    "LIVE",
    "Call",
    "CallState",
    "Chunk",
    "ChunkFile",
    "ChunkState",
    "DomainError",
    "Erasure",
    "FiledUnder",
    "FilesInfo",
    "InvalidTransition",
    "LegalHold",
    "Recording",
    "RecordingOptions",
    "RecordingState",
    "UnknownRecording",
    "apply",
    "connect_request_id",
    "lifecycle",
    "new_call",
    "replay",
]
