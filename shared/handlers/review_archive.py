"""``GET /api/calls/{callId}/recordings/{recordingId}/archive``: what the archive holds for one recording.

For each chunk: its place in time, the pauses on its media's time axis, the participant on each channel and any
disagreement between the call's state, the manifest and the archived ACS metadata document. Read from the manifest
and the metadata documents as archived (small JSON blobs, read whole up to ``DOCUMENT_LIMIT_BYTES``).
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError

from shared import boundedjson
from shared.domain import Call, Recording
from shared.domain.access import NO_CALLER, Caller
from shared.handlers.access import Target, logged_document
from shared.handlers.api import named_call
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_ref
from shared.handlers.replies import Reply, error
from shared.layout import LayoutError
from shared.review.blobs import ArchiveReader
from shared.review.facts import chunk_facts
from shared.review.files import recording_files

DOCUMENT_LIMIT_BYTES = 4 * 1024 * 1024


def located(call_id: str, recording_id: str, deps: Deps) -> tuple[Call, Recording] | Reply:
    """The call ``call_id`` (its callFolder) names and its recording ``recording_id``, or the 400/404 to answer."""
    try:
        sid, folder = named_call(call_id)
    except LayoutError as exc:
        return error(400, str(exc))
    call = deps.store.get(sid)
    if call is None:
        return error(404, f"unknown call {folder}")
    recording = call.recording(recording_id)
    if recording is None:
        return error(404, f"call {call_id} has no recording {recording_id!r}")
    return call, recording


def recording_archive(call_id: str, recording_id: str, deps: Deps, caller: Caller = NO_CALLER) -> Reply:
    found = located(call_id, recording_id, deps)
    if isinstance(found, Reply):
        return found
    call, recording = found
    if deps.archived is None:
        return error(501, "this app serves no archive reads")
    try:
        view = _archive_view(call, recording, deps.archived)
        if not view["manifestFound"]:
            return Reply(200, view)
        target = Target(
            route="recording_archive", server_call_id=call.server_call_id, recording_id=recording.recording_id,
            blob=view["manifestPath"],
        )  # fmt: skip
        return logged_document(Reply(200, view), target, caller, deps)
    except AzureError as exc:
        return error(503, f"archive storage unavailable: {exc}")


def _archive_view(call: Call, recording: Recording, archived: ArchiveReader) -> dict[str, Any]:
    """The archive's view of ``recording``; every path is the layout's for the call's and recording's ids."""
    manifest_path = chunk_ref(call, recording, 0).paths.manifest if recording.files is not None else ""
    manifest = _json(_document(archived, manifest_path)) if manifest_path else None
    entries = {e.get("index"): e for e in (manifest or {}).get("chunks", []) if isinstance(e, dict)}
    return {
        "recordingId": recording.recording_id,
        "manifestPath": manifest_path or None,
        "manifestFound": manifest is not None,
        "files": sorted(recording_files(call, recording)),  # names to download through .../files/{name}
        "chunks": [
            chunk_facts(
                chunk,
                entries.get(chunk.index),
                _document(archived, chunk_ref(call, recording, chunk.index).paths.metadata),
            )
            for chunk in recording.chunks
        ],
    }


def _document(archived: ArchiveReader, path: str) -> bytes | None:
    piece = archived.read(path, 0, DOCUMENT_LIMIT_BYTES)
    return piece.data if piece is not None and piece.size <= DOCUMENT_LIMIT_BYTES else None


def _json(data: bytes | None) -> dict[str, Any] | None:
    try:
        value = boundedjson.loads(data, max_bytes=DOCUMENT_LIMIT_BYTES) if data else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
