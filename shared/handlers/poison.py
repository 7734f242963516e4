"""``chunk_poison``: a chunk job that failed on every delivery gets a reason an operator can read.

The Functions host moves a queue message to ``<queue>-poison`` after ``maxDequeueCount`` failed deliveries and keeps
nothing of why; a function triggered by the poison queue is Microsoft's way to act on it
(learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages). A job whose
``blobPath`` the blob output binding cannot resolve never reaches ``archive_chunk`` at all (the binding fails
before the function runs), so this is the only place that job can be explained. Each poison message is kept in the
quarantine container with its reason; the chunk stays pending and the sweeper enqueues it again.
"""

from __future__ import annotations

from shared import boundedjson
from shared.handlers.deps import Deps
from shared.logs import get_logger
from shared.messages import ChunkJob, MessageError

log = get_logger(__name__)
POISON_KIND = "chunk-poison"  # quarantine records of given-up chunk jobs: {yyyy}/{MM}/{dd}/chunk-poison/...


def chunk_poison_reason(body: str | bytes) -> str:
    """Why a chunk job ended on the poison queue, as far as its body tells."""
    try:
        raw = boundedjson.loads(body)
    except ValueError:
        raw = None
    if isinstance(raw, dict) and not isinstance(raw.get("blobPath"), str):
        return (
            "chunk job has no blobPath: the blob output binding could not resolve {blobPath}, so archive_chunk "
            "never ran"
        )
    try:
        job = ChunkJob.from_json(body)
    except MessageError as exc:
        return f"not a chunk job archive_chunk can take: {exc}"
    return (
        f"archive_chunk failed on every delivery of chunk {job.chunk.index} of recording {job.chunk.recording_id} "
        "(see its invocation logs); the chunk stays pending and the sweeper enqueues it again"
    )


def handle_chunk_poison(body: str | bytes, deps: Deps) -> None:
    """Keep the message with its reason, whatever its shape: this is the last place it can be explained."""
    try:
        reason = chunk_poison_reason(body)
    except Exception as exc:  # any body at all is recorded; only the quarantine write may fail
        reason = f"chunk job ended on the poison queue and cannot be read: {type(exc).__name__}: {exc}"
    log.error("chunk job given up: %s", reason)
    payload = body.encode("utf-8") if isinstance(body, str) else body
    deps.quarantine.put(POISON_KIND, reason, payload, source="chunk_poison")
