"""Erasure on request: when a call's recordings may be erased, and why not; where a call holds one participant's
voice.

Erasure is refused, with the reason, while anything still protects the recordings: a legal hold on the call (the
app's record of it) or on a blob version (storage's), or a retention policy that has not expired on a blob version
(locked: nobody can shorten it; unlocked: storage refuses the delete until an administrator removes it). It is also
refused while a recording is still being recorded or archived, since chunks archived after the erasure would
outlive it. The same rule applies to erasing one participant's own files.

A participant's voice is in each archived recording of a call they took part in: alone in their own file of each
unmixed WAV chunk (erasable without touching anyone else's voice), and with the others' in the recording's media
(mixed audio or video, and the unmixed WAV's channels together), unless the recording's chunks name who is on them
and never them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.domain.model import Call, Recording, RecordingState
from shared.domain.participants import is_participant

SETTLED = frozenset({
    RecordingState.ARCHIVED, RecordingState.SOURCE_DELETED, RecordingState.FAILED, RecordingState.NO_MEDIA,
})  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Protection:
    """What storage says protects one blob version (``retention_until`` None: no retention policy on it)."""

    blob: str
    legal_hold: bool = False
    retention_until: datetime | None = None
    retention_locked: bool = False


def refusal(call: Call, protections: Iterable[Protection], now: datetime) -> str:
    """Why the call's recordings cannot be erased now ("" when they can)."""
    if call.legal_hold is not None:
        hold = call.legal_hold
        tag = f" {hold.tag!r}" if hold.tag else ""
        return f"the call is under legal hold{tag} since {hold.since.isoformat()}: clear the hold first"
    unsettled = [r for r in call.recordings if r.state not in SETTLED]
    if unsettled:
        first = unsettled[0]
        return f"recording {first.recording_id or first.request_id} is {first.state.value}: erase it once it settles"
    return next((reason for reason in (_protected(p, now) for p in protections) if reason), "")


def _protected(protection: Protection, now: datetime) -> str:
    if protection.legal_hold:
        return f"{protection.blob} is under a legal hold in storage"
    until = protection.retention_until
    if until is None or until <= now:
        return ""
    kind = "a locked retention policy" if protection.retention_locked else "an unlocked retention policy"
    return f"{protection.blob} is under {kind} until {until.isoformat()}: storage refuses to delete it before then"


@dataclass(frozen=True, kw_only=True)
class Voice:
    """Where one archived recording holds a participant's voice: their own files not yet erased (blob paths) and
    whether its media holds it with other voices."""

    recording_id: str
    own_files: tuple[str, ...]
    in_media: bool


def voices(call: Call, key: str) -> list[Voice]:
    """Each archived recording of the call that holds the voice of the participant ``key``, in the call's order (none
    once the call's recordings were erased)."""
    if call.erasure is not None:
        return []
    erased = {blob for e in call.participant_erasures for blob in e.blobs}
    found = [_voice(recording, key, erased) for recording in call.recordings]
    return [v for v in found if v is not None and (v.own_files or v.in_media)]


def _voice(recording: Recording, key: str, erased: set[str]) -> Voice | None:
    copies = [chunk.copy for chunk in recording.chunks if chunk.archived and chunk.copy is not None]
    if not copies:
        return None
    own = tuple(
        str(part["blobPath"])
        for copy in copies
        for part in copy.participant_files
        if is_participant(str(part.get("participantId", "")), key) and str(part["blobPath"]) not in erased
    )
    named = [str(p.get("participantId", "")) for copy in copies for p in copy.participants]
    in_media = not named or any(is_participant(raw, key) for raw in named)
    return Voice(recording_id=recording.recording_id, own_files=own, in_media=in_media)
