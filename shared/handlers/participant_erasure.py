"""Erasure on request of one participant's recordings across calls (a data subject's request under GDPR article 17).

``POST /api/participants/erasure`` with ``{"participant": ..., "requestedBy": ..., "reason": ...}``, the
participant as ``/api/search`` reads it (a phone number as a person types it, or a rawId; in the body, so the number
is not in a URL). Their calls come from their index, as a search finds them, newest first, ``PAGE`` calls a request;
the answer's ``continuation`` (sent back in the body) goes on with the next calls.

Each call stands alone: one refused call (legal hold, retention, a recording not settled: the rule of call erasure,
``shared.domain.erasure.refusal``) is listed with its reason and the others go on. In a call:

- by default, the participant's own files (their per-speaker WAV of each unmixed chunk) are erased, each leaving its
  signed tombstone, and ``ParticipantErased`` is applied. Recording media that holds their voice with other
  people's (mixed audio or video, the unmixed WAV's channels together) is kept and listed (``voiceKeptIn``), since
  erasing it erases the others' voices too: the operator decides, and erases it with ``wholeRecordings`` or
  ``POST /api/calls/{callId}/erasure``;
- with ``"wholeRecordings": true``, a call whose recordings hold their voice has every recording erased whole, as
  call erasure erases it (a tombstone per recording, ``CallErased``).

Storage that does not answer stops the request with 503 and what was done so far; repeating it is safe.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from shared.archive.errors import ArchiveError
from shared.domain import Call
from shared.domain import inputs as ev
from shared.domain.erasure import voices
from shared.domain.participants import BadParticipant, participant_key
from shared.handlers.daylist import BadQuery, continuation_token, parse_continuation
from shared.handlers.deps import Deps
from shared.handlers.erasure import (
    LIMITS,
    Erasing,
    erase_recordings,
    recording_folders,
    refused,
)
from shared.handlers.replies import Reply, error
from shared.handlers.textbody import BadTextBody, texts_and_options
from shared.layout import call_folder
from shared.logs import call_context, get_logger
from shared.signing import SigningError

log = get_logger(__name__)

PAGE = 20  # calls a request
OPTIONS = frozenset({"participant", "wholeRecordings", "continuation"})


def erase(body: bytes, deps: Deps) -> Reply:
    """Erase what holds the participant's voice in each of their calls (one page of them), or say why not."""
    try:
        request, options = texts_and_options(body, LIMITS, OPTIONS)
        key, whole, after = _options(options)
    except (BadTextBody, BadParticipant, BadQuery) as exc:
        return error(400, str(exc))
    if deps.eraser is None:
        return error(503, "erasure is not available: the app has no archive storage client")
    page = deps.store.participant_page(key, after=after, limit=PAGE)
    answer: dict[str, Any] = {"participant": key, "wholeRecordings": whole, "calls": []}
    request = {**request, "participant": key}
    for call in page.calls:
        with call_context(call_folder=call_folder(call.server_call_id), correlation_id=call.correlation_id):
            try:
                answer["calls"].append(_erase_call(call, key, whole, request, deps.eraser, deps))
            except (ArchiveError, SigningError) as exc:
                log.warning("participant erasure not finished: %s", exc)
                return Reply(503, {**answer, "error": f"erasure not finished, repeat the request: {exc}"})
    if page.after:
        answer["continuation"] = continuation_token(page.after)
    return Reply(200, answer)


def _options(options: Mapping[str, Any]) -> tuple[str, bool, str]:
    given = options.get("participant")
    key = participant_key(given if isinstance(given, str) else "")
    whole = options.get("wholeRecordings", False)
    if not isinstance(whole, bool):
        raise BadTextBody("wholeRecordings: true or false")
    after = options.get("continuation", "")
    if not isinstance(after, str):
        raise BadQuery("continuation: not a token this API gave out")
    return key, whole, parse_continuation(after)


def _erase_call(
    call: Call, key: str, whole: bool, request: Mapping[str, str], eraser: Erasing, deps: Deps
) -> dict[str, Any]:
    found = voices(call, key)
    own = frozenset(blob for voice in found for blob in voice.own_files)
    held = [voice.recording_id for voice in found if voice.in_media]
    answer: dict[str, Any] = {"callId": call_folder(call.server_call_id), "serverCallId": call.server_call_id}
    if not (own or (whole and held)):
        return {**answer, "outcome": "nothing to erase", "voiceKeptIn": held}
    prefixes = recording_folders(call) if whole else sorted({blob.rsplit("/", 1)[0] for blob in own})
    why_not = refused(call, prefixes, eraser, deps, frozenset() if whole else own)
    if why_not:
        return {**answer, "outcome": "refused", "refused": why_not, "voiceKeptIn": held}
    if whole:
        erased = erase_recordings(call, prefixes, request, eraser, deps)
        return {**answer, "outcome": "erased", **erased, "voiceKeptIn": []}
    return {**answer, "outcome": "erased", **_erase_own(call, key, sorted(own), held, request, eraser, deps)}


def _erase_own(
    call: Call, key: str, blobs: list[str], held: list[str], request: Mapping[str, str], eraser: Erasing, deps: Deps
) -> dict[str, Any]:
    """Erase the participant's own files, apply ``ParticipantErased``; the answer's fields."""
    done = [eraser.erase_blob(blob, request, deps.now()) for blob in blobs]
    event = ev.ParticipantErased(
        event_id=f"api:{uuid.uuid4()}", at=deps.now(), source="api", participant=key,
        requested_by=request["requestedBy"], reason=request["reason"], erased=tuple(blobs),
        tombstones=tuple(d.tombstone for d in done), voice_kept_in=tuple(held),
    )  # fmt: skip
    deps.store.apply(call.server_call_id, event)
    log.info("erased %s files of one participant on request", len(blobs))
    return {
        "erased": blobs,
        "tombstones": list(event.tombstones),
        "blobsErased": sum(d.blobs for d in done),
        "previousVersionsKept": sum(d.previous_versions for d in done),
        "voiceKeptIn": held,
    }
