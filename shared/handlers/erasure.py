"""Erasure on request of a call's recordings (for example a data subject's request under GDPR article 17).

``POST /api/calls/{callId}/erasure`` with ``{"requestedBy": "...", "reason": "..."}`` (both required: who asked,
and why, as the tombstone and the timeline keep them). It is refused with 409 and the reason while a legal hold or a
retention policy protects the recordings, or while one is still being recorded or archived
(``shared.domain.erasure``). Otherwise each recording's signed tombstone is written and read back, its blobs are
deleted (``shared.archive.erase``), and ``CallErased`` is applied. Storage that does not answer is a 503; repeating
the request is safe.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from shared.archive.errors import ArchiveError
from shared.domain import Call
from shared.domain import inputs as ev
from shared.domain.erasure import Protection, refusal
from shared.handlers.api import known_call
from shared.handlers.deps import Deps
from shared.handlers.legal_hold import archive_prefixes
from shared.handlers.replies import Reply, error
from shared.handlers.textbody import BadTextBody, text_fields
from shared.handlers.views import erasure_view
from shared.layout import call_folder
from shared.logs import call_context, get_logger
from shared.signing import SigningError

if TYPE_CHECKING:
    from shared.archive.erase import Erased

log = get_logger(__name__)

LIMITS = {"requestedBy": 256, "reason": 1024}  # characters


class Erasing(Protocol):
    """``shared.archive.erase.ArchiveEraser``."""

    def protections(self, prefix: str) -> list[Protection]: ...

    def erase(self, prefix: str, request: Mapping[str, str], at: datetime) -> Erased: ...

    def erase_blob(self, blob: str, request: Mapping[str, str], at: datetime) -> Erased: ...


def erase(call_id: str, body: bytes, deps: Deps, given_server_call_id: str = "") -> Reply:
    """Erase every recording of the call, or say why not."""
    try:
        request = text_fields(body, LIMITS, required=True)
    except BadTextBody as exc:
        return error(400, str(exc))
    found = known_call(call_id, given_server_call_id, deps)
    if isinstance(found, Reply):
        return found
    _, call = found
    if deps.eraser is None:
        return error(503, "erasure is not available: the app has no archive storage client")
    with call_context(call_folder=call_folder(call.server_call_id), correlation_id=call.correlation_id):
        try:
            return _erase(call, request, deps.eraser, deps)
        except (ArchiveError, SigningError) as exc:
            log.warning("erasure not finished: %s", exc)
            return error(503, f"erasure not finished, repeat the request: {exc}")


def _erase(call: Call, request: dict[str, str], eraser: Erasing, deps: Deps) -> Reply:
    prefixes = recording_folders(call)
    if not prefixes:
        return error(409, f"call {call_folder(call.server_call_id)} has no archived recording: nothing to erase")
    why_not = refused(call, prefixes, eraser, deps)
    if why_not:
        return Reply(409, {"error": f"erasure refused: {why_not}", "refused": why_not})
    return Reply(200, erase_recordings(call, prefixes, request, eraser, deps))


def recording_folders(call: Call) -> list[str]:
    """The folder (``.../{recordingId}``) of each archived recording of the call."""
    return [p.rstrip("/") for p in archive_prefixes(call)]


def refused(call: Call, prefixes: list[str], eraser: Erasing, deps: Deps, only: frozenset[str] = frozenset()) -> str:
    """Why erasing under ``prefixes`` (of those, the blobs in ``only`` when given) is refused now ("": it is not)."""
    protections = [found for prefix in prefixes for found in eraser.protections(prefix + "/")]
    if only:
        protections = [p for p in protections if p.blob.split("?")[0] in only]
    why_not = refusal(call, protections, deps.now())
    if why_not:
        log.info("erasure refused: %s", why_not)
    return why_not


def erase_recordings(
    call: Call, prefixes: list[str], request: Mapping[str, str], eraser: Erasing, deps: Deps
) -> dict[str, Any]:
    """Erase every recording under ``prefixes``, apply ``CallErased``; the answer's fields."""
    done = [eraser.erase(prefix, request, deps.now()) for prefix in prefixes]
    event = ev.CallErased(
        event_id=f"api:{uuid.uuid4()}",
        at=deps.now(),
        source="api",
        requested_by=request["requestedBy"],
        reason=request["reason"],
        tombstones=tuple(d.tombstone for d in done),
        blobs=sum(d.blobs for d in done),
    )
    after = deps.store.apply(call.server_call_id, event).call or call
    log.info("erased %s blobs of %s recordings on request", event.blobs, len(done))
    return {
        "callId": call_folder(call.server_call_id),
        "erasure": erasure_view(after.erasure),
        "blobsErased": event.blobs,
        "previousVersionsKept": sum(d.previous_versions for d in done),
    }
