"""``verify_chunk``: read a copied chunk back from the archive; only then is it archived, and only from that state
does anything irreversible happen (the manifest entry, the delete at ACS).

Why a queue job rather than a check inside ``archive_chunk``: the blob output binding writes a small chunk's media
after ``archive_chunk`` returns, so only a later invocation can see whether that write landed. ``archive_chunk``
hands this job to a queue output binding in the same invocation as the media; when the media is not there yet (the
host wrote the queue message first, or died before the blob write, or the write failed) the read-back raises and the
queue delivers the job again, up to ``maxDequeueCount``; then it goes to the poison queue, where
``handle_verify_poison`` tries once more and otherwise records the reason. The chunk stays unverified (pending), and
the sweeper copies it again. Streamed chunks take the same path, so there is one definition of "archived".
(A blob trigger with the Event Grid source would also follow the write, but it fires for every blob, needs an
Event Grid subscription per archive container, and the local host cannot show it.)
"""

from __future__ import annotations

from shared.archive import ArchiveError
from shared.domain import Call, DomainError, eventids, lifecycle
from shared.domain import inputs as ev
from shared.domain.verdict import Verdict, judge
from shared.handlers.deps import Deps
from shared.handlers.manifests import publish_when_settled
from shared.logs import call_context, get_logger
from shared.messages import MessageError, VerifyJob
from shared.urlcheck import check_recording_url

log = get_logger(__name__)
SOURCE = "verify_chunk"
POISON_KIND = "verify-poison"  # quarantine records of given-up verifications: {yyyy}/{MM}/{dd}/verify-poison/...


def handle_verify(body: str | bytes, deps: Deps) -> None:
    """Verify one copied chunk. ``NotVerified`` (and other transient errors) propagate so the queue retries."""
    try:
        job = VerifyJob.from_json(body)
    except MessageError as exc:
        deps.quarantine.put("verify-job", str(exc), _bytes(body), source=SOURCE)
        return
    ref = job.chunk
    with call_context(call_folder=ref.call_folder, recording_id=ref.recording_id, correlation_id=job.correlation_id):
        deps.read_back(job)
        verified = ev.ChunkArchived(
            eventids.archived(ref.recording_id, ref.index),
            deps.now(),
            SOURCE,
            recording_id=ref.recording_id,
            index=ref.index,
            document_id=job.document_id,
            recording_start=ref.recording_start,
            format=ref.format,
            copy=job.copy,
        )
        try:
            applied = deps.store.apply(ref.server_call_id, verified)
        except DomainError as exc:
            deps.quarantine.put("verify-job", f"chunk cannot be recorded: {exc}", _bytes(body), source=SOURCE)
            return
        call = applied.call
        recording = call.recording(ref.recording_id) if call is not None else None
        if call is None or recording is None or recording.files is None:
            return
        log.info("chunk %d archived: read back and matched (%d bytes)", ref.index, job.copy.size)
        if lifecycle.fully_archived(recording) and not applied.duplicate:
            log.info("recording archived: %d chunk(s) verified", len(recording.chunks), extra={"milestone": "archived"})
        publish_when_settled(call, recording, applied.version, deps)
        if deps.settings.delete_source_after_archive:
            delete_source_if_complete(call, ref.recording_id, deps)


def handle_verify_poison(body: str | bytes, deps: Deps) -> None:
    """A verification that failed on every delivery: try once more, else quarantine it with the reason."""
    try:
        handle_verify(body, deps)
    except ArchiveError as exc:
        reason = (
            f"chunk never matched when read back from the archive: {exc.reason}. It stays unverified (not "
            "archived); the sweeper copies it again"
        )
    except Exception as exc:  # the last place the message can be explained: recorded, never lost
        reason = (
            f"verification failed on its last try: {type(exc).__name__}: {exc}. The chunk stays unverified (not "
            "archived); the sweeper copies it again"
        )
    else:
        return
    log.error("verification given up: %s", reason)
    deps.quarantine.put(POISON_KIND, reason, _bytes(body), source="verify_poison")


def delete_source_if_complete(call: Call, recording_id: str, deps: Deps) -> None:
    """Delete the recording at ACS once it is complete and every chunk is verified; a 404 counts as deleted."""
    recording = call.recording(recording_id)
    if recording is None or not lifecycle.fully_archived(recording):
        return
    if judge(recording).verdict is not Verdict.COMPLETE:
        log.info("recording verified so far but not complete: kept at ACS")
        return
    for location in sorted({c.file.delete_location for c in recording.chunks if c.file.delete_location}):
        deps.source.delete(check_recording_url(location, deps.settings.allowed_host_suffixes))
    deleted = ev.SourceDeleted(eventids.deleted(recording_id), deps.now(), SOURCE, recording_id=recording_id)
    deps.store.apply(call.server_call_id, deleted)
    log.info("recording deleted at ACS after verifying %d chunk(s)", len(recording.chunks))


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body
