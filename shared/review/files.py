"""The files of a recording a reviewer can download, by name: the manifest, and each archived chunk's media, ACS
metadata document and participant files (pure: the names and paths are the layout's). What was erased on request is
not among them; its tombstone is: ``tombstone.json`` alone for a recording erased whole, and a participant's file
erased alone by its own tombstone (``chunk-0000.{participant}.wav.tombstone.json``)."""

from __future__ import annotations

from shared.domain import Call, Recording
from shared.layout import (
    blob_tombstone_path,
    chunk_path,
    manifest_path,
    metadata_path,
    participant_path,
    recording_prefix,
    tombstone_path,
)


def recording_files(call: Call, recording: Recording) -> dict[str, str]:
    """Each downloadable file of the recording: its name -> its blob path (none before files are ready)."""
    files = recording.files
    if files is None:
        return {}
    prefix = recording_prefix(files.recording_start, call.server_call_id, recording.recording_id)
    if call.erasure is not None and tombstone_path(prefix) in call.erasure.tombstones:
        return {"tombstone.json": tombstone_path(prefix)}
    erased = {blob for erasure in call.participant_erasures for blob in erasure.blobs}
    paths = [manifest_path(prefix)]
    for chunk in recording.chunks:
        if not chunk.archived:
            continue
        paths += [chunk_path(prefix, chunk.index, files.format), metadata_path(prefix, chunk.index)]
        parts = chunk.copy.participant_files if chunk.copy is not None else ()
        paths += [participant_path(prefix, chunk.index, str(p["participantId"])) for p in parts]
    paths = [blob_tombstone_path(path) if path in erased else path for path in paths]
    return {path.rsplit("/", 1)[1]: path for path in paths}
