"""``archive_chunk``: copy one chunk from ACS into the archive and ask for its verification. Nothing else.

This invocation writes media (the blob output binding writes a small chunk's media after it returns), so it records
nothing as archived, writes no manifest and deletes nothing at ACS: those happen in ``verify_chunk``
(``shared.handlers.verify``) once the blobs were read back from storage and matched.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.archive import ArchivePermanentError
from shared.domain import Chunk, DomainError, eventids
from shared.domain import inputs as ev
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_ref
from shared.handlers.manifests import publish_when_settled
from shared.logs import call_context, get_logger
from shared.messages import ChunkJob, ChunkRef, MessageError, VerifyJob
from shared.urlcheck import UnsafeUrl, check_recording_url

log = get_logger(__name__)
SOURCE = "archive_chunk"


@dataclass(frozen=True)
class Outputs:
    """What ``archive_chunk`` hands its output bindings: the media (blob output binding; None when it was streamed
    or nothing was copied) and the verification job (verify queue)."""

    media: bytes | None = None
    verify: VerifyJob | None = None


NOTHING = Outputs()


def handle_chunk(body: str | bytes, deps: Deps) -> Outputs:
    """Copy the chunk of a queue message; return the binding outputs.

    A bad message (not the layout's ``blobPath`` for its ids, an unsafe URL, a chunk the state does not know) is
    quarantined and returns nothing, so the binding writes nothing. ``ArchivePermanentError`` marks the recording
    failed; transient errors propagate so the queue redelivers. A chunk already verified is not copied again.
    """
    try:
        job = ChunkJob.from_json(body)
    except MessageError as exc:
        deps.quarantine.put("chunk-job", str(exc), _bytes(body), source=SOURCE)
        return NOTHING
    ref = job.chunk
    with call_context(call_folder=ref.call_folder, recording_id=ref.recording_id, correlation_id=job.correlation_id):
        chunk, refusal = _known_chunk(job, deps)
        if refusal:
            deps.quarantine.put("chunk-job", refusal, _bytes(body), source=SOURCE)
            return NOTHING
        if chunk is not None and chunk.archived:
            log.info("chunk %d is archived and verified already; not copied again", ref.index)
            return NOTHING
        return _copy(job, body, deps)


def _known_chunk(job: ChunkJob, deps: Deps) -> tuple[Chunk | None, str]:
    """The chunk in the call's state, or why the job must not run."""
    try:
        deletes = (job.file.delete_location,) if job.file.delete_location else ()  # none: the chunk stays at ACS
        for url in (job.file.content_location, job.file.metadata_location, *deletes):
            check_recording_url(url, deps.settings.allowed_host_suffixes)
    except UnsafeUrl as exc:
        return None, f"unsafe recording URL: {exc}"
    chunk, refusal = state_chunk(job.chunk, deps)
    if chunk is not None and chunk.file != job.file:
        return None, f"chunk {job.chunk.index} is not the chunk files-ready announced (its locations or ids differ)"
    return chunk, refusal


def state_chunk(ref: ChunkRef, deps: Deps) -> tuple[Chunk | None, str]:
    """The chunk ``ref`` names in the call's state, or why there is none: the state must hold the chunk, and its
    recording's start and format (which place the chunk in the layout) must be the ones ``ref`` gives."""
    call = deps.store.get(ref.server_call_id)
    recording = call.recording(ref.recording_id) if call is not None else None
    chunk = recording.chunk(ref.index) if recording is not None else None
    if call is None or recording is None or chunk is None:
        return None, f"chunk {ref.index} of recording {ref.recording_id} is not in the call's state"
    if chunk_ref(call, recording, ref.index) != ref:
        return None, f"chunk {ref.index}: recordingStart or format differ from what files-ready announced"
    return chunk, ""


def _copy(job: ChunkJob, body: str | bytes, deps: Deps) -> Outputs:
    try:
        archived = deps.archive(job)
    except ArchivePermanentError as exc:
        log.warning("chunk %d cannot be archived: %s", job.chunk.index, exc.reason)
        rid = job.chunk.recording_id
        failed = ev.ArchiveFailed(
            eventids.archive_failed(rid, job.chunk.index), deps.now(), SOURCE, recording_id=rid, reason=exc.reason
        )
        try:
            applied = deps.store.apply(job.chunk.server_call_id, failed)
        except DomainError as error:
            deps.quarantine.put("chunk-job", f"ArchiveFailed cannot be recorded: {error}", _bytes(body), source=SOURCE)
            return NOTHING
        recording = applied.call.recording(rid) if applied.call is not None else None
        if applied.call is not None and recording is not None and recording.files is not None:
            publish_when_settled(applied.call, recording, applied.version, deps)  # what was verified before
        return NOTHING
    log.info(
        "chunk %d copied (%d bytes, %s); verification queued",
        job.chunk.index, archived.copy.size, "streamed" if archived.copy.streamed else "binding",
    )  # fmt: skip
    verify = VerifyJob(
        chunk=job.chunk, document_id=job.file.document_id, copy=archived.copy, correlation_id=job.correlation_id
    )
    return Outputs(media=None if archived.copy.streamed else archived.payload, verify=verify)


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body
