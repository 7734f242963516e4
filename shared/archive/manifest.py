"""``manifest.json``: the recording's integrity record, a projection of the verified state.

The call's state in the table is the truth; the manifest is rendered from it (``render``) and lists only chunks the
state holds as archived, that is read back from storage and matched. It is written after every verification
(``publish``) and carries the state's version: a projection never replaces one rendered from a newer state
(the version is compared under the manifest's ETag, so two writers cannot interleave).

Each manifest is sealed (``shared.archive.seal``): it carries the SHA-256 of its own canonical content and of the
call's timeline when it was rendered, so ``python -m tools.audit`` can show, from the archive alone, that neither
the manifest nor a blob it lists changed. With a signer (``MANIFEST_SIGNING_KEY``) the seal is signed by a key
the archive's writers cannot use, so a manifest edited and re-sealed by someone who can write the archive is
told apart from one the app wrote. A manifest, and so its signature, only ever lists chunks read back and matched.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared import boundedjson, layout
from shared.archive.errors import ArchiveTransientError
from shared.archive.seal import sealed, signed, stored_bytes, timeline_sha256
from shared.archive.translate import from_storage
from shared.domain.model import Call, Chunk, Recording
from shared.domain.verdict import judge

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, ContainerClient

    from shared.signing import Signer

log = logging.getLogger(__name__)
SCHEMA_VERSION = 4  # 3: sealed (manifestSha256, timelineSha256); 4: signed (signature) when a key is set
ATTEMPTS = 50
Document = dict[str, Any]


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def manifest_path(call: Call, recording: Recording) -> str:
    if recording.files is None:
        raise ValueError(f"recording {recording.recording_id} has no files yet")
    return layout.manifest_path(
        layout.recording_prefix(recording.files.recording_start, call.server_call_id, recording.recording_id)
    )


def render(
    call: Call, recording: Recording, version: int, now: datetime, *, timeline: Sequence[Mapping[str, Any]]
) -> Document:
    """The sealed manifest of ``recording`` as the state at ``version`` says: its verified chunks only.
    ``timeline``: the call's timeline lines, oldest first, as read with that state."""
    files = recording.files
    if files is None:
        raise ValueError(f"recording {recording.recording_id} has no files yet")
    return sealed({
        "schemaVersion": SCHEMA_VERSION,
        "serverCallId": call.server_call_id,
        "callFolder": layout.call_folder(call.server_call_id),
        # "serverCallId", or "callId" when files-ready named no call the app knows: serverCallId then holds the
        # {callId} of the event's subject, under which the recording is filed
        "filedUnder": files.filed_under.value,
        "recordingId": recording.recording_id,
        "recordingIdFrom": files.recording_id_from,
        "recordingStart": timestamp(files.recording_start),
        "format": files.format,
        "correlationId": call.correlation_id,
        "verdict": judge(recording).as_json(),
        "stateVersion": version,
        "chunks": [_entry(call, recording, c) for c in recording.chunks if c.archived],
        "updatedAt": timestamp(now),
        "timelineSha256": timeline_sha256(timeline),
    })  # fmt: skip


def _entry(call: Call, recording: Recording, chunk: Chunk) -> Document:
    assert recording.files is not None
    assert chunk.copy is not None
    assert chunk.archived_at is not None
    paths = layout.chunk_paths(
        recording.files.recording_start,
        call.server_call_id,
        recording.recording_id,
        chunk.index,
        recording.files.format,
    )
    copy = chunk.copy
    return {
        "index": chunk.index,
        "documentId": chunk.file.document_id,
        "blobPath": paths.media,
        "size": copy.size,
        "sha256": copy.sha256,
        "streamed": copy.streamed,
        "durationMs": copy.duration_ms,
        "pauseResumeIntervals": list(copy.pause_intervals),
        "participants": list(copy.participants),
        "participantFiles": list(copy.participant_files),
        "metadataPath": paths.metadata,
        "metadataSha256": copy.metadata_sha256,
        "endReason": chunk.file.end_reason,
        "eventIds": [chunk.announced_by] if chunk.announced_by else [],
        "archivedAt": timestamp(chunk.archived_at),  # when it was read back and matched
    }


def read_manifest(blob: BlobClient) -> tuple[Document | None, str | None]:
    """The manifest and its ETag; (None, None) when it does not exist yet."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        download = blob.download_blob()
        body = download.readall()
    except ResourceNotFoundError:
        return None, None
    except (AzureError, OSError) as exc:
        raise from_storage(exc, "read the manifest") from exc
    try:
        document = boundedjson.loads(body)
    except ValueError:
        return None, download.properties.etag  # unreadable: the projection replaces it
    return (document if isinstance(document, dict) else None), download.properties.etag


def _write(blob: BlobClient, document: Document, etag: str | None, metadata: dict[str, str]) -> bool:
    """Write if unchanged since read; False when another writer got there first."""
    from azure.core import MatchConditions
    from azure.core.exceptions import AzureError, ResourceExistsError, ResourceModifiedError
    from azure.storage.blob import ContentSettings

    data = stored_bytes(document)
    settings = ContentSettings(content_type="application/json")
    try:
        if etag is None:
            blob.upload_blob(data, overwrite=False, metadata=metadata, content_settings=settings)
        else:
            blob.upload_blob(
                data, overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified,
                metadata=metadata, content_settings=settings,
            )  # fmt: skip
    except (ResourceExistsError, ResourceModifiedError):
        return False
    except (AzureError, OSError) as exc:
        if getattr(exc, "status_code", None) in (409, 412):
            return False
        raise from_storage(exc, "write the manifest") from exc
    return True


def _signed(document: Document, signer: Signer | None) -> Document:
    if signer is None:
        return document
    from shared.signing import SigningError

    try:
        return signed(document, signer)
    except SigningError as exc:
        raise ArchiveTransientError(f"the manifest was not signed: {exc}") from exc


def _version(document: Document | None) -> int:
    found = (document or {}).get("stateVersion")
    return found if isinstance(found, int) and not isinstance(found, bool) else -1


def publish(
    container: ContainerClient,
    call: Call,
    recording: Recording,
    version: int,
    now: datetime,
    *,
    timeline: Sequence[Mapping[str, Any]],
    signer: Signer | None = None,
) -> bool:
    """Write the manifest rendered from the state at ``version``, signed by ``signer`` when given; False when one as
    new or newer is stored. A signer that does not sign is a transient error (the verification is retried)."""
    path = manifest_path(call, recording)
    blob = container.get_blob_client(path)
    document = _signed(render(call, recording, version, now, timeline=timeline), signer)
    metadata = {"callFolder": document["callFolder"], "recordingId": recording.recording_id}
    if call.server_call_id.isascii() and call.server_call_id.isprintable():
        metadata["serverCallId"] = call.server_call_id
    if _write(blob, document, None, metadata):  # the recording's first manifest: nothing to compare with
        return True
    for attempt in range(1, ATTEMPTS + 1):
        stored, etag = read_manifest(blob)
        if _version(stored) >= version:
            return False
        if _write(blob, document, etag, metadata):
            return True
        log.debug("manifest %s changed under us (attempt %s)", path, attempt)
        time.sleep(random.uniform(0.01, 0.05) * min(attempt, 10))
    raise ArchiveTransientError(f"manifest {path} kept changing; gave up after {ATTEMPTS} attempts")
