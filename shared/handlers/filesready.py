"""Files-ready intake: place a ``RecordingFileStatusUpdated`` event's recording, fill in what a lean event leaves
out, record it, and return one chunk job per chunk still to archive.

Microsoft publishes the event with or without the serverCallId and the recordingId in its subject, and with the
content, channel and format types optional. The call is the event's serverCallId, else the call that owns its
recordingId, else (a recording the app cannot place, still archived) the ``{callId}`` of its subject. The recording
is the event's recordingId, else the call's recording that waits for files, else one named by its first chunk's
documentId. Content, channel and format come from the event, else an earlier event of the same recording, else
the options the app started it with, else the first chunk's metadata document, else its first bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from shared.archive import ArchivePermanentError
from shared.domain import Call, DomainError, FiledUnder, Recording, lifecycle
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_job, files_ready_input
from shared.handlers.placement import Placement
from shared.handlers.reconcile import settle_stopped_call
from shared.layout import LayoutError, call_folder
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob
from shared.store import Loaded
from shared.wire import SNIFF_BYTES, RecordingFilesReady, RecordingKind, kind_from_bytes, kind_from_metadata

log = get_logger(__name__)
METADATA_PROBE_BYTES = 1024 * 1024
"""Read at most this much of a metadata document to learn the recording's kind (the documents are ~1 KB)."""


class UnknownKind(ValueError):
    """Nothing says the recording's format: neither the event, the app's state, the metadata, nor the bytes."""


def files_ready(event: RecordingFilesReady, payload: bytes, deps: Deps) -> list[ChunkJob]:
    """Record the files as ready; one job per announced chunk not archived yet (none for a redelivery)."""
    call_key, filed_under = _place_call(event, deps)
    loaded = _settled(call_key, deps)
    known = loaded.call
    recording_id, recording_id_from = _place_recording(event, known)
    try:
        folder = call_folder(call_key)
    except LayoutError as exc:
        deps.quarantine.put("eventgrid", str(exc), payload, source="acs_events")
        return []
    with call_context(call_folder=folder, recording_id=recording_id):
        recording = known.recording(recording_id) if known is not None else None
        try:
            kind, kind_from = _kind(event, recording, deps)
            placed = Placement(
                call_key=call_key,
                filed_under=filed_under,
                recording_id=recording_id,
                recording_id_from=recording_id_from,
                kind=kind,
                kind_from=kind_from,
            )
            applied = deps.store.apply(call_key, files_ready_input(event, placed, deps.now()), based_on=loaded)
        except (DomainError, LayoutError, UnknownKind) as exc:
            deps.quarantine.put("eventgrid", str(exc), payload, source="acs_events")
            return []
        if filed_under is FiledUnder.CALL_ID:
            log.warning("files-ready names no call this app knows: filed under the subject's callId %s", call_key)
        return _jobs(event, applied.call, recording_id) if not applied.duplicate else []


def _settled(call_key: str, deps: Deps) -> Loaded:
    """The call as the state holds it, once a call still up whose CallDisconnected was lost has been settled with
    ACS (``settle_stopped_call``: before the files-ready input, so a storage error leaves the event to Event Grid).
    Read again only when settling wrote it; the files-ready input is then written on this read."""
    loaded = deps.store.load(call_key)
    if loaded.call is not None and settle_stopped_call(loaded.call, deps, "eventgrid"):
        return deps.store.load(call_key)
    return loaded


def _jobs(event: RecordingFilesReady, call: Call | None, recording_id: str) -> list[ChunkJob]:
    recording = call.recording(recording_id) if call is not None else None
    if call is None or recording is None or recording.files is None:
        return []
    announced = {c.index for c in event.chunks}
    jobs = [
        chunk_job(call, recording, chunk, event_id=event.event_id)
        for chunk in recording.chunks
        if not chunk.archived and chunk.index in announced
    ]
    log.info(
        "files ready: %d chunk(s) of %s to archive",
        len(jobs),
        recording.files.format,
        extra={"milestone": "filesReady"},
    )
    return jobs


def _place_call(event: RecordingFilesReady, deps: Deps) -> tuple[str, FiledUnder]:
    if event.server_call_id:
        return event.server_call_id, FiledUnder.SERVER_CALL_ID
    owner = deps.store.find_by_recording(event.recording_id) if event.recording_id else None
    if owner:
        return owner, FiledUnder.SERVER_CALL_ID
    return event.call_id, FiledUnder.CALL_ID


def _place_recording(event: RecordingFilesReady, call: Call | None) -> tuple[str, str]:
    if event.recording_id:
        return event.recording_id, "event"
    waiting = _waiting(event, call)
    if waiting is not None:
        return waiting.recording_id, "state"
    return event.chunks[0].document_id, "documentId"


def _waiting(event: RecordingFilesReady, call: Call | None) -> Recording | None:
    """The call's recording these files belong to: one that already lists one of them (a redelivery), else the
    newest one stopped without files, else one with some chunks still to come, else one ACS still reports live
    (files-ready may come before the stopped callback)."""
    if call is None:
        return None
    return lifecycle.recording_for_files(call, (c.document_id for c in event.chunks))


def _kind(event: RecordingFilesReady, recording: Recording | None, deps: Deps) -> tuple[RecordingKind, str]:
    kind = RecordingKind(content=event.content_type, channel=event.channel_type, format=event.format)
    used = ["event"] if kind != RecordingKind() else []
    sources: tuple[tuple[str, Callable[[], RecordingKind]], ...] = (
        ("files", lambda: _from_files(recording)),
        ("options", lambda: _from_options(recording)),
        ("metadata", lambda: _from_metadata(event, deps)),
        ("bytes", lambda: _from_bytes(event, deps)),
    )
    for name, read in sources:
        if kind.whole:
            break
        found = read()
        if found != RecordingKind():
            kind, used = kind.or_else(found), [*used, name]
    if kind.format is None:
        raise UnknownKind(
            "the recording's format is in neither the event, the app's state, the metadata document nor the bytes"
        )
    return kind, "+".join(used)


def _from_files(recording: Recording | None) -> RecordingKind:
    files = recording.files if recording is not None else None
    if files is None:
        return RecordingKind()
    return RecordingKind(content=files.content_type or None, channel=files.channel_type or None, format=files.format)


def _from_options(recording: Recording | None) -> RecordingKind:
    options = recording.options if recording is not None else None
    if options is None:
        return RecordingKind()
    return RecordingKind(content=options.content, channel=options.channel, format=options.format)


def _from_metadata(event: RecordingFilesReady, deps: Deps) -> RecordingKind:
    return kind_from_metadata(_read(deps, event.chunks[0].metadata_location, METADATA_PROBE_BYTES))


def _from_bytes(event: RecordingFilesReady, deps: Deps) -> RecordingKind:
    return kind_from_bytes(_read(deps, event.chunks[0].content_location, SNIFF_BYTES))


def _read(deps: Deps, url: str, limit: int) -> bytes:
    """Up to ``limit`` bytes from the start of ``url`` (b"" when ACS no longer has it); a transient failure
    propagates, so Event Grid delivers the event again."""
    try:
        stream = deps.source.download(url, 0, limit)
        return _bounded(stream, limit)
    except ArchivePermanentError as exc:
        log.warning("cannot read %s to learn the recording's kind: %s", url, exc.reason)
        return b""


def _bounded(stream: Iterator[bytes], limit: int) -> bytes:
    found = bytearray()
    try:
        for piece in stream:
            found += piece[: limit - len(found)]
            if len(found) >= limit:
                break
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
    return bytes(found)


def payload_of(raw: Mapping[str, Any]) -> bytes:
    return json.dumps(raw, default=str).encode("utf-8")
