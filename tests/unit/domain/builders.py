"""Inputs of one typical call, for the state machine's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain import ChunkFile, FilesInfo, RecordingOptions
from shared.domain import inputs as ev
from shared.domain.model import ChunkCopy

SID = "aHR0cHM6Ly9hcGkuZXhhbXBsZS9jb252LzE="
REC = "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIxIn0"
T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
OPTIONS = RecordingOptions(channel="unmixed", format="wav")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ringing(t: float = 0, event_id: str = "ring") -> ev.CallRinging:
    return ev.CallRinging(event_id, at(t), "eventgrid", correlation_id="corr", caller="4:+1", callee="4:+2")


def connected(t: float = 2, event_id: str = "connected", start: bool = True) -> ev.CallConnected:
    return ev.CallConnected(
        event_id,
        at(t),
        "callback",
        call_connection_id="conn-1",
        correlation_id="corr",
        start=OPTIONS if start else None,
    )


def started(request_id: str = "connect:connected", t: float = 3) -> ev.RecordingStarted:
    return ev.RecordingStarted(f"started:{request_id}", at(t), "callback", request_id=request_id, recording_id=REC)


def report(active: bool, t: float, event_id: str | None = None) -> ev.RecordingStateReported:
    return ev.RecordingStateReported(
        event_id or f"report-{active}-{t}", at(t), "callback", recording_id=REC, active=active
    )


def chunk_file(index: int) -> ChunkFile:
    return ChunkFile(
        index=index,
        document_id=f"doc-{index}",
        end_reason="SessionEnded",
        content_location=f"https://us-storage.asm.skype.com/v1/objects/doc-{index}/content/audiowav",
        metadata_location=f"https://us-storage.asm.skype.com/v1/objects/doc-{index}/content/acsmetadata",
        delete_location=f"https://us-storage.asm.skype.com/v1/objects/doc-{index}",
    )


def files_ready(chunks: int = 2, t: float = 60, event_id: str = "files") -> ev.FilesReady:
    info = FilesInfo(
        recording_start=T0,
        duration_ms=50_000,
        content_type="audio",
        channel_type="unmixed",
        format="wav",
        session_end_reason="CallEnded",
        storage_type="acs",
        ready_at=at(t),
    )
    files = tuple(chunk_file(i) for i in range(chunks))
    return ev.FilesReady(event_id, at(t), "eventgrid", recording_id=REC, info=info, chunks=files)


def chunk_copy(index: int) -> ChunkCopy:
    return ChunkCopy(size=100 + index, sha256=f"{index:064x}", metadata_sha256="0" * 64, streamed=False)


def archived(index: int, t: float = 70) -> ev.ChunkArchived:
    return ev.ChunkArchived(
        f"archived-{index}",
        at(t + index),
        "verify",
        recording_id=REC,
        index=index,
        document_id=f"doc-{index}",
        recording_start=T0,
        format="wav",
        copy=chunk_copy(index),
    )


def disconnected(t: float = 40) -> ev.CallDisconnected:
    return ev.CallDisconnected("disconnected", at(t), "callback", reason="200/7000 ended")
