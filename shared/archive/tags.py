"""Blob index tags on an archived recording's blobs: ``recordingDate`` (yyyy-MM-dd, UTC), ``verdict``, ``format``
and, when ``RETENTION_CLASS_RULES`` maps the call to one, ``retentionClass``; lifecycle rules and Find Blobs by
Tags can select on them.

They are set once the recording settles, when its manifest is written (``verify_chunk``), on every blob the
manifest lists and on the manifest, with one Set Blob Tags request per blob: the verdict is known only then, the
retention class comes from the call's state, and the blob output binding that writes a small chunk's media cannot
send tags. Set Blob Tags changes neither a blob's content, its ETag nor its last-modified time
(https://learn.microsoft.com/azure/storage/blobs/storage-manage-find-blobs), and is not among the operations a
version-level WORM policy or legal hold prohibits (Delete Blob, Set Blob Metadata, Put Page:
https://learn.microsoft.com/azure/storage/blobs/immutable-version-level-worm-policies#scenarios), so it works on
protected versions. Tags are an index, not an integrity fact: a refusal is logged and the archive goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING

from shared import layout
from shared.domain.model import Call, Recording
from shared.domain.verdict import judge

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)
RetentionRules = tuple[tuple[str, str], ...]
ANY = "*"
PHONE_KIND = "4:"  # a phone number's rawId: 4:+14255550100


def retention_class(call: Call, rules: RetentionRules) -> str:
    """The class of the first rule whose prefix starts the callee's rawId or phone number ("" when none does)."""
    callee = call.callee
    forms = (callee, callee.removeprefix(PHONE_KIND)) if callee else ()
    for prefix, name in rules:
        if prefix == ANY or any(form.startswith(prefix) for form in forms):
            return name
    return ""


def recording_tags(call: Call, recording: Recording, rules: RetentionRules) -> dict[str, str]:
    if recording.files is None:
        raise ValueError(f"recording {recording.recording_id} has no files yet")
    tags = {
        "recordingDate": recording.files.recording_start.astimezone(UTC).strftime("%Y-%m-%d"),
        "verdict": judge(recording).verdict.value,
        "format": recording.files.format.lower(),
    }
    name = retention_class(call, rules)
    if name:
        tags["retentionClass"] = name
    return tags


def recording_blobs(call: Call, recording: Recording) -> list[str]:
    """The manifest and every blob it lists (the media, ACS metadata and participant files of each archived
    chunk)."""
    assert recording.files is not None
    files = recording.files
    prefix = layout.recording_prefix(files.recording_start, call.server_call_id, recording.recording_id)
    names = [layout.manifest_path(prefix)]
    for chunk in (c for c in recording.chunks if c.archived):
        names += [layout.chunk_path(prefix, chunk.index, files.format), layout.metadata_path(prefix, chunk.index)]
        parts = chunk.copy.participant_files if chunk.copy is not None else ()
        names += [str(part["blobPath"]) for part in parts if isinstance(part.get("blobPath"), str)]
    return names


def tag_recording(container: ContainerClient, call: Call, recording: Recording, rules: RetentionRules) -> list[str]:
    """Set the recording's tags on each of its blobs; the blobs storage refused (each logged with its reason)."""
    return set_tags(container, recording_blobs(call, recording), recording_tags(call, recording, rules))


def set_tags(container: ContainerClient, names: Sequence[str], tags: dict[str, str]) -> list[str]:
    from azure.core.exceptions import AzureError

    refused: list[str] = []
    for name in names:
        try:
            container.get_blob_client(name).set_blob_tags(tags)
        except (AzureError, OSError) as exc:
            code = getattr(exc, "error_code", None) or getattr(exc, "status_code", None) or type(exc).__name__
            log.warning("index tags not set on %s: storage answered %s (%s)", name, code, str(exc).splitlines()[0])
            refused.append(name)
    return refused
