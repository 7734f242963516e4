"""Erasure on request: when a call's recordings may be erased, and why not.

Erasure is refused, with the reason, while anything still protects the recordings: a legal hold on the call (the
app's record of it) or on a blob version (storage's), or a retention policy that has not expired on a blob version
(locked: nobody can shorten it; unlocked: storage refuses the delete until an administrator removes it). It is also
refused while a recording is still being recorded or archived, since chunks archived after the erasure would
outlive it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.domain.model import Call, RecordingState

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
