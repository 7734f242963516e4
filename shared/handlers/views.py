"""The control API's JSON: a call with its recordings, chunks and timeline; a day's list of calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.domain import Call, Chunk, Erasure, FilesInfo, LegalHold, Recording, RecordingOptions
from shared.domain.lifecycle import archive_done
from shared.domain.verdict import judge
from shared.layout import call_folder, chunk_path, manifest_path, metadata_path, recording_prefix, tombstone_path


def call_view(call: Call, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **call_summary(call),
        "correlationId": call.correlation_id,
        "callConnectionId": call.call_connection_id,
        "updatedAt": _time(call.updated_at),
        "reason": call.reason,
        "legalHold": legal_hold_view(call.legal_hold),
        "erasure": erasure_view(call.erasure),
        "participantErasures": [erasure_view(e) for e in call.participant_erasures],
        "recordings": [recording_view(call, r) for r in call.recordings],
        "timeline": timeline,
    }


def call_summary(call: Call) -> dict[str, Any]:
    return {
        "callId": call_folder(call.server_call_id),
        "serverCallId": call.server_call_id,
        "state": call.state.value,
        "createdAt": _time(call.created_at),
        "caller": call.caller,
        "callee": call.callee,
        "recordings": [_recording_summary(r) for r in call.recordings],
    }


def _recording_summary(recording: Recording) -> dict[str, Any]:
    return {
        "recordingId": recording.recording_id,
        "state": recording.state.value,
        "durationMs": recording.files.duration_ms if recording.files is not None else None,
        "verdict": judge(recording).as_json(),
        "archived": archive_done(recording),
    }


def recording_view(call: Call, recording: Recording) -> dict[str, Any]:
    files = recording.files
    prefix = (
        "" if files is None else recording_prefix(files.recording_start, call.server_call_id, recording.recording_id)
    )
    return {
        **_recording_summary(recording),
        "stateAt": _time(recording.state_at),
        "reason": recording.reason,
        "retentionWarned": recording.retention_warned,
        "options": _options(recording.options),
        "files": _files(files, prefix),
        "chunks": [_chunk(c, prefix, files.format) for c in recording.chunks] if files is not None else [],
        "erased": _erased(call, prefix),
        "erasedFiles": _erased_files(call, prefix),
    }


def _erased(call: Call, prefix: str) -> dict[str, Any] | None:
    """The erasure on request that erased this recording whole (None: not erased)."""
    erasure = call.erasure
    if not prefix or erasure is None or tombstone_path(prefix) not in erasure.tombstones:
        return None
    return {**(erasure_view(erasure) or {}), "tombstone": tombstone_path(prefix)}


def _erased_files(call: Call, prefix: str) -> list[dict[str, Any]]:
    """Each of the recording's files erased on request alone (a participant's own file), with who asked and when;
    none once the recording was erased whole (its tombstone lists every blob, and theirs are gone with it)."""
    if _erased(call, prefix) is not None:
        return []
    return [
        {"name": blob.rsplit("/", 1)[1], "blobPath": blob, "tombstone": tombstone, "participant": e.participant,
         "at": _time(e.at), "requestedBy": e.requested_by, "reason": e.reason}
        for e in call.participant_erasures
        for blob, tombstone in zip(e.blobs, e.tombstones, strict=True)
        if prefix and blob.startswith(prefix + "/")
    ]  # fmt: skip


def _options(options: RecordingOptions | None) -> dict[str, Any] | None:
    if options is None:
        return None
    return {
        "content": options.content,
        "channel": options.channel,
        "format": options.format,
        "pauseOnStart": options.pause_on_start,
        "channelAffinity": [{"channel": c, "participant": p} for c, p in options.channel_affinity],
        "participantOrdering": list(options.participant_ordering),
        "byosContainerUrl": options.byos_container_url,
        "stateCallbackUrl": options.state_callback_url,
    }


def _files(files: FilesInfo | None, prefix: str) -> dict[str, Any] | None:
    if files is None:
        return None
    return {
        "recordingStart": _time(files.recording_start),
        "durationMs": files.duration_ms,
        "contentType": files.content_type,
        "channelType": files.channel_type,
        "format": files.format,
        "sessionEndReason": files.session_end_reason,
        "storageType": files.storage_type,
        "manifestPath": manifest_path(prefix),
        "readyAt": _time(files.ready_at),
        "filedUnder": files.filed_under.value,
        "subjectCallId": files.subject_call_id,
        "recordingIdFrom": files.recording_id_from,
        "kindFrom": files.kind_from,
    }


def _chunk(chunk: Chunk, prefix: str, fmt: str) -> dict[str, Any]:
    """A chunk, with the paths the layout gives it (the state holds ids only)."""
    return {
        "index": chunk.index,
        "state": chunk.state.value,
        "verified": chunk.archived,
        "blobPath": chunk_path(prefix, chunk.index, fmt),
        "metadataPath": metadata_path(prefix, chunk.index),
        "documentId": chunk.file.document_id,
        "endReason": chunk.file.end_reason,
        "size": chunk.size,
        "sha256": chunk.sha256,
        "attempt": chunk.attempt,
        "archivedAt": _time(chunk.archived_at),
    }


def legal_hold_view(hold: LegalHold | None) -> dict[str, Any] | None:
    return None if hold is None else {"since": _time(hold.since), "tag": hold.tag, "reason": hold.reason}


def erasure_view(erasure: Erasure | None) -> dict[str, Any] | None:
    if erasure is None:
        return None
    view = {
        "at": _time(erasure.at), "requestedBy": erasure.requested_by, "reason": erasure.reason,
        "tombstones": list(erasure.tombstones),
    }  # fmt: skip
    if erasure.participant:
        view.update(participant=erasure.participant, blobs=list(erasure.blobs))
    return view


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
