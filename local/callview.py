"""A call as a person reads it in a terminal: its state and parties, each recording's state, verdict and chunks, and
the timeline, to the second in UTC, ids shortened (``show --json`` prints the control API's JSON as it is)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from local.callids import short

View = Mapping[str, Any]
_RESULT = re.compile(r"^(\d+)/(\d+)\s*(.*)$")  # the app's "code/subCode message" of ACS's resultInformation


def party(raw_id: str | None) -> str:
    """A raw id as a person reads it: a phone number grouped (``+1 425 555 0100``), anything else shortened."""
    if not raw_id:
        return "?"
    if raw_id.startswith("4:+"):
        digits = raw_id[3:]
        if digits.startswith("1") and len(digits) == 11:
            return f"+1 {digits[1:4]} {digits[4:7]} {digits[7:]}"
        return f"+{digits}"
    return short(raw_id.removeprefix("8:"))


def call_end(reason: str) -> str:
    """ACS's end of a call in words: ``200/7000 The conversation has ended. DiagCode: 0#7000.@`` -> ``the
    conversation has ended (200/7000)``."""
    found = _RESULT.match(reason)
    if not found:
        return reason
    words = re.sub(r"\s*DiagCode:.*$", "", found[3], flags=re.IGNORECASE).rstrip(".")
    words = words[:1].lower() + words[1:] if words else "ended"
    return f"{words} ({found[1]}/{found[2]})"


def moment(text: str | None, with_day: bool = True) -> str:
    """An ISO time to the second, in UTC."""
    if not text:
        return "-"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.strftime("%Y-%m-%d %H:%M:%S UTC" if with_day else "%H:%M:%S")


def render(call: View) -> str:
    """The whole summary, one block per recording, then the timeline."""
    lines = [
        f"call {short(str(call['callId']))}  {call.get('state')}  from {party(call.get('caller'))} "
        f"to {party(call.get('callee'))}, since {moment(call.get('createdAt'))}",
    ]
    if call.get("reason"):
        lines.append(f"  ended: {call_end(str(call['reason']))}")
    for recording in call.get("recordings", []):
        lines.extend(["", *_recording(recording)])
    lines.extend(["", "timeline (UTC)", *(_timeline_line(e) for e in call.get("timeline", []))])
    return "\n".join(lines)


def _recording(recording: View) -> list[str]:
    verdict = recording.get("verdict") or {}
    duration = recording.get("durationMs")
    seconds = f", {duration / 1000:.1f} s" if isinstance(duration, int) else ""
    lines = [f"recording {short(str(recording['recordingId']))}  {recording.get('state')}"
             f"  verdict: {verdict.get('verdict', '-')}{seconds}"]  # fmt: skip
    lines.extend(f"  missing: {what}" for what in verdict.get("missing", []))
    if recording.get("reason"):
        lines.append(f"  reason: {recording['reason']}")
    chunks = recording.get("chunks", [])
    if chunks:
        lines.append(f"  {'chunk':>5}  {'state':<9} {'size':>13}  {'sha256':<17} end reason")
        lines.extend(_chunk_line(c) for c in chunks)
    return lines


def _chunk_line(chunk: View) -> str:
    size = f"{chunk['size']:,} B" if isinstance(chunk.get("size"), int) else "-"
    digest = f"{chunk['sha256'][:16]}…" if chunk.get("sha256") else "-"
    return f"  {chunk.get('index'):>5}  {chunk.get('state', ''):<9} {size:>13}  {digest:<17} {chunk.get('endReason') or '-'}"


def _timeline_line(entry: View) -> str:
    states = f"call {entry.get('callState')}"
    if entry.get("recordingState"):
        states += f", recording {entry['recordingState']}"
    if entry.get("verdict"):
        states += f" ({entry['verdict']})"
    detail = f" chunk {entry['index']}" if "index" in entry else ""
    reason = f": {call_end(str(entry['reason']))}" if entry.get("reason") else ""
    return f"  {moment(entry.get('at'), with_day=False)}  {entry.get('event', ''):<22}{detail:<9} {states}{reason}"
