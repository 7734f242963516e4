"""8. Retention race: recordings whose chunks are still not archived as ACS's retention nears, or after it.

Announced files-ready events are back-dated. One recording (downloads failing while the sweeper runs) is
re-driven by the sweeper with a warning in its timeline and ends archived; one whose source has expired at ACS is
marked failed with the reason, never silently dropped.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import poll, recordings, safe_call

NAME = "retention"
DAY = 24 * 3600


def settings() -> dict[str, str]:
    return {
        "SWEEPER_SCHEDULE": "*/2 * * * * *",
        "STUCK_CHUNK_AFTER_SECONDS": "1",
        "RETENTION_HOURS": "24",
        "RETENTION_WARNING_HOURS": "20",
    }


def backdated(cs: ChaosStack, hours: float, chunks: int) -> tuple[str, dict[str, Any]]:
    """A finished recording at the emulator, and its files-ready event as if sent ``hours`` ago."""
    body = {"format": "wav", "channel": "mixed", "durationSeconds": 2, "chunks": chunks, "deliver": False}
    event: dict[str, Any] = cs.emulator("POST", "recordings/synthetic", body)
    sent = datetime.now(UTC) - timedelta(hours=hours)
    event["eventTime"] = sent.isoformat().replace("+00:00", "Z")
    sid = str(event["subject"]).split("/serverCallId/")[1].split("/recordingId/")[0]
    return sid, event


def recording_of(cs: ChaosStack, sid: str) -> dict[str, Any]:
    found = recordings(safe_call(cs.client(), sid))
    return found[-1] if found else {}


def warned(cs: ChaosStack, sid: str) -> bool:
    view = safe_call(cs.client(), sid) or {}
    return any("etention" in str(entry) for entry in view.get("timeline", []))


def expired_case(cs: ChaosStack, result: Result) -> None:
    sid, event = backdated(cs, 25, 1)
    cs.emulator("POST", "settings", {"retentionSeconds": 0.5})
    time.sleep(1.0)
    status = cs.post_grid([event])
    result.check("files-ready accepted", status == 202, f"back-dated event answered {status}")
    failed = poll(lambda: recording_of(cs, sid).get("state") == "failed", timeout=60)
    cs.emulator("POST", "settings", {"retentionSeconds": DAY})
    recording = recording_of(cs, sid)
    result.check("expired source marked failed", bool(failed), f"state {recording.get('state')!r}")
    result.check("failure has a reason", bool(recording.get("reason")), "no reason recorded")
    result.notes.append(f"expired: {recording.get('reason')}")


def nearing_case(cs: ChaosStack, result: Result, count: int) -> list[str]:
    cs.emulator("POST", "faults/downloads", {"kind": "503", "probability": 1.0})
    sids = []
    for _ in range(count):
        sid, event = backdated(cs, 21, 2)
        status = cs.post_grid([event])
        result.check("files-ready accepted", status == 202, f"back-dated event answered {status}")
        sids.append(sid)
    all_warned = poll(lambda: all(warned(cs, sid) for sid in sids), timeout=60)
    cs.emulator("DELETE", "faults")
    result.check("sweeper warned before retention", bool(all_warned), "no retention warning in the timeline")
    result.faults += count
    return sids


def run(size: Size, keep: bool = False) -> Result:
    count = size.pick(1, 5)
    result = Result(NAME, load=f"{count} recording(s) 21 h old with downloads failing, 1 expired at ACS")
    with ChaosStack(NAME, options(settings()), keep=keep) as cs:
        expired_case(cs, result)
        result.faults = 1
        sids = nearing_case(cs, result, count)
        finish(cs, result, sids, timeout=size.seconds(90, 240), strict=True, calls_end=False)
        log_text = cs.host_log()
        result.check("warning logged", "ACS deletes it in" in log_text, "no retention warning in the host log")
    return result
