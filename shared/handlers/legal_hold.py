"""Legal hold per call: set or clear it on every archived blob version of the call, then record it in the timeline.

``POST /api/calls/{callId}/legal-hold`` sets it, ``DELETE`` clears it; the optional body is
``{"tag": "...", "reason": "..."}`` (the operator's words, kept in the timeline). Storage is asked first, version
by version; only when every version was changed is ``LegalHoldChanged`` applied, so the call's state never claims a
hold storage did not confirm. When storage refuses (no version-level immutability on the container, or Azurite,
which does not implement legal holds) the answer is a 502 naming what storage said; no answer is a 503. Either
error says how many versions were changed before it; repeating the request is safe (setting a hold twice is
allowed by storage).
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.domain import Call, lifecycle
from shared.domain import inputs as ev
from shared.handlers.api import known_call
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, error
from shared.handlers.textbody import BadTextBody, text_fields
from shared.handlers.views import legal_hold_view
from shared.layout import call_folder, recording_prefix
from shared.legalhold import BlobVersion, HoldRefused, LegalHoldError, LegalHolds
from shared.logs import call_context, get_logger

log = get_logger(__name__)

LIMITS = {"tag": 128, "reason": 1024}  # characters


def change(call_id: str, held: bool, body: bytes, deps: Deps, given_server_call_id: str = "") -> Reply:
    """Set (``held``) or clear the legal hold on every archived blob version of the call."""
    try:
        words = text_fields(body, LIMITS, required=False)
    except BadTextBody as exc:
        return error(400, str(exc))
    found = known_call(call_id, given_server_call_id, deps)
    if isinstance(found, Reply):
        return found
    _, call = found
    if deps.holds is None:
        return error(503, "legal holds are not available: the app has no archive storage client")
    with call_context(call_folder=call_folder(call.server_call_id), correlation_id=call.correlation_id):
        return _change(call, held, words, deps.holds, deps)


def _change(call: Call, held: bool, words: dict[str, str], holds: LegalHolds, deps: Deps) -> Reply:
    prefixes = archive_prefixes(call)
    if not prefixes:
        return error(409, f"call {call_folder(call.server_call_id)} has no archived recording yet: nothing to hold")
    try:
        versions = [v for prefix in prefixes for v in holds.versions(prefix)]
    except LegalHoldError as exc:
        return _storage_error(exc, 0, 0)
    if not versions:
        return error(409, f"no archived blob is stored yet under {', '.join(prefixes)}: nothing to hold")
    for done, version in enumerate(versions):
        try:
            holds.set_legal_hold(version, held)
        except LegalHoldError as exc:
            return _storage_error(exc, done, len(versions))
    tag, reason = words.get("tag", ""), words.get("reason", "")
    event = ev.LegalHoldChanged(
        event_id=f"api:{uuid.uuid4()}",
        at=deps.now(),
        source="api",
        held=held,
        blob_versions=len(versions),
        tag=tag,
        reason=reason,
    )
    after = deps.store.apply(call.server_call_id, event).call or call
    log.info("legal hold %s on %s blob versions", "set" if held else "cleared", len(versions))
    return Reply(200, hold_view(after, versions))


def archive_prefixes(call: Call) -> list[str]:
    """The archive folder (``.../{recordingId}/``) of each recording whose files ACS made ready."""
    return [
        recording_prefix(r.files.recording_start, call.server_call_id, r.recording_id) + "/"
        for r in call.recordings
        if r.files is not None and r.recording_id
    ]


def hold_view(call: Call, versions: list[BlobVersion]) -> dict[str, Any]:
    return {
        "callId": call_folder(call.server_call_id),
        "serverCallId": call.server_call_id,
        "legalHold": legal_hold_view(call.legal_hold),
        "blobVersions": len(versions),
        "blobs": sorted({v.name for v in versions}),
        "notYetArchived": [r.recording_id or r.request_id for r in call.recordings if not lifecycle.archive_done(r)],
    }


def _storage_error(exc: LegalHoldError, done: int, total: int) -> Reply:
    log.warning("legal hold not changed: %s", exc)
    progress = f"; {done} of {total} blob versions were changed before it, repeat the request" if done else ""
    return error(502 if isinstance(exc, HoldRefused) else 503, f"{exc}{progress}")
