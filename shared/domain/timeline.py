"""One line of a call's timeline: what was applied, when, from where, and the states it left."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from shared.domain import inputs as ev
from shared.domain.model import LIVE, Call
from shared.domain.verdict import judge

_DETAIL = (
    "reason", "active", "status", "index", "size", "sha256", "attempt", "request_id", "caller", "callee", "missing",
)  # fmt: skip
_LEGAL_HOLD_DETAIL = ("held", "tag", "blob_versions")
_ERASURE_DETAIL = ("requested_by", "tombstones", "blobs", "participant", "erased", "voice_kept_in")


def entry(event: ev.Input, call: Call) -> dict[str, Any]:
    """The timeline entry of ``event`` applied to give ``call``."""
    recording_id = str(getattr(event, "recording_id", "") or "")
    recording = call.recording(recording_id) if recording_id else None
    if recording is None and isinstance(
        event, ev.StartRecording | ev.RecordingStarted | ev.CallConnected | ev.CallReconciled | ev.CallDisconnected
    ):
        recording = call.latest
    line: dict[str, Any] = {
        "at": event.at.isoformat(),
        "event": type(event).__name__,
        "source": event.source,
        "eventId": event.event_id,
        "callState": call.state.value,
    }
    if recording is not None:
        line["recordingId"] = recording.recording_id
        line["recordingState"] = recording.state.value
        if recording.state not in LIVE:
            line.update(judge(recording).as_json())
    if isinstance(event, ev.ChunkArchived):
        line.update(size=event.copy.size, sha256=event.copy.sha256)
    names = {f.name for f in fields(event)}
    for name in (*_DETAIL, *_LEGAL_HOLD_DETAIL, *_ERASURE_DETAIL):
        value = getattr(event, name, None) if name in names else None
        if value not in (None, "", ()):
            line[_camel(name)] = list(value) if isinstance(value, tuple) else value
    return line


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
