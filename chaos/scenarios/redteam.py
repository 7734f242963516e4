"""The reproductions of a red-team report (issue 14), kept as cases the hostile and auth scenarios run every time.

Each case is an attack that once got through; it must now be refused (4xx) or quarantined and change nothing.
``Cases`` counts them and how many were *accepted* (got through), which must stay 0.

- hostile: option URLs pointing ACS elsewhere, a 10,000-deep API body, a serverCallId too long for a Table key
  (API and Event Grid), and a files-ready dated in the future for a recording that started in year 0001.
- auth: a callback token replayed with a forged body (with and without ``jti``), a callback posted to another
  call's URL or to no call's URL, a call the app never saw, a future-dated state change, too many events at once.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from chaos.harness import ChaosStack
from chaos.result import Result
from shared.layout import call_folder

LONG_SERVER_CALL_ID = "aHR0cHM6" + "A" * 600  # its callFolder (608 characters) exceeds a Table key (512)
FAR_FUTURE = "9999-12-31T23:59:59Z"


@dataclass
class Cases:
    """Red-team cases sent and the ones that got through."""

    sent: int = 0
    accepted: list[str] = field(default_factory=list)

    def case(self, name: str, got_through: bool, detail: str = "") -> None:
        self.sent += 1
        if got_through:
            self.accepted.append(f"{name}: {detail}" if detail else name)

    def into(self, result: Result) -> None:
        result.check("no red-team case accepted", not self.accepted, "; ".join(self.accepted[:5]))
        result.notes.append(f"red-team cases (issue 14): {self.sent} sent, {len(self.accepted)} accepted")


def control_api(cs: ChaosStack, method: str, path: str, body: bytes = b"") -> tuple[int, str]:
    headers = {"x-functions-key": str(cs.info.get("functionKey", "")), "Content-Type": "application/json"}
    response = cs.request(method, path, data=body, headers=headers)
    return response.status_code, response.text


# -- hostile --------------------------------------------------------------------------------------------------------
def option_urls(cs: ChaosStack, cases: Cases, trap_port: int) -> None:
    """Item 1: a start request whose option URL would send ACS's tokens or recordings elsewhere is a 400."""
    path = f"/api/calls/{call_folder(f'chaos-{uuid.uuid4()}')}/recording"
    attempts = [
        ("stateCallbackUrl", f"http://127.0.0.1:{trap_port}/x"),
        ("stateCallbackUrl", "https://attacker.example.com/api/callbacks"),
        ("byosContainerUrl", f"http://127.0.0.1:{trap_port}/loot"),
        ("byosContainerUrl", "https://169.254.169.254/metadata"),
        ("byosContainerUrl", "https://attacker.blob.core.windows.net/loot"),
    ]
    for option, url in attempts:
        status, text = control_api(cs, "POST", path, json.dumps({option: url}).encode())
        cases.case(f"{option} {url}", status != 400 or option not in text, f"{status} {text[:80]}")


def oversized_inputs(cs: ChaosStack, cases: Cases, grid_event: Any) -> None:
    """Item 5: a 10,000-deep body and a serverCallId too long for a Table key are 400s / quarantined, not 500s.
    ``grid_event(event, must_quarantine)`` posts one Event Grid event and returns its status."""
    folder = call_folder(f"chaos-{uuid.uuid4()}")
    status, text = control_api(cs, "POST", f"/api/calls/{folder}/recording", b"[" * 10_000 + b"]" * 10_000)
    cases.case("10,000-deep API body", status != 400, f"{status} {text[:80]}")
    too_long = "QUFB" * 150
    for method, path in (("GET", f"/api/calls/{too_long}"), ("POST", f"/api/calls/{too_long}/recording")):
        status, text = control_api(cs, method, path)
        cases.case(f"{method} with a callId too long for a Table key", status != 400, f"{status} {text[:80]}")
    from chaos import payloads

    incoming = payloads.incoming_call()
    incoming["data"]["serverCallId"] = LONG_SERVER_CALL_ID
    ready = payloads.files_ready()
    ready["subject"] = f"/recording/call/c/serverCallId/{LONG_SERVER_CALL_ID}/recordingId/rec-{uuid.uuid4().hex}"
    for name, event in (("IncomingCall", incoming), ("files-ready", ready)):
        status = grid_event(event)
        cases.case(f"{name} with a serverCallId too long for a Table key", status >= 300, f"{status}")


def sender_clock(cs: ChaosStack, cases: Cases, result: Result, settle: Any) -> None:
    """Item 6: a files-ready dated in the future is dated by the app's clock; a recording that started in year
    0001 is filed under ``0001/01/01``. ``settle(sid)`` waits for the call's final view."""
    event = cs.emulator("POST", "recordings/synthetic", {"format": "wav", "channel": "mixed", "durationSeconds": 1})
    event["eventTime"] = FAR_FUTURE
    event["data"]["recordingStartTime"] = "0001-01-01T00:00:00Z"
    sid = str(event["subject"]).split("/serverCallId/")[1].split("/recordingId/")[0]
    posted = cs.post_grid([event])
    view = settle(sid) or {}
    recording = (view.get("recordings") or [{}])[-1]
    ready_at = str((recording.get("files") or {}).get("readyAt") or "")
    in_future = not ready_at or datetime.fromisoformat(ready_at) > datetime.now(UTC)
    cases.case("files-ready dated 9999 moves the app's clock", posted >= 300 or in_future, f"readyAt {ready_at!r}")
    paths = [str(c.get("blobPath", "")) for c in recording.get("chunks", [])]
    wrong = not paths or not all(p.startswith("0001/01/01/") for p in paths)
    cases.case("year 0001 filed under a short year", wrong, f"paths {paths[:1]}")
    result.notes.append(f"year-0001 recording: {recording.get('state')}, {paths[:1]}")


# -- auth -----------------------------------------------------------------------------------------------------------
def callback_path(cs: ChaosStack, server_call_id: str) -> str:
    """The path and query of the state callback URL the app gave ACS for the call's recording."""
    found = [r for r in cs.emulator("GET", "recordings") if r.get("serverCallId") == server_call_id]
    url = str(found[-1]["options"]["recordingStateCallbackUri"]) if found else ""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path or "/api/callbacks"


def callback_event(kind: str, call: dict[str, Any], time: str | None = None, **data: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "source": f"calling/callConnections/{call.get('callConnectionId')}",
        "type": f"Microsoft.Communication.{kind}",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": time or datetime.now(UTC).isoformat(),
        "data": {
            "callConnectionId": call.get("callConnectionId"),
            "serverCallId": call["serverCallId"],
            "correlationId": call.get("correlationId"),
            "resultInformation": {"code": 200, "subCode": 7000, "message": "hung up"},
            **data,
        },
    }


def post_callbacks(cs: ChaosStack, path: str, token: str, *events: dict[str, Any]) -> int:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return cs.post(path, json.dumps(list(events)).encode(), headers).status_code


def callback_binding(cs: ChaosStack, cases: Cases, victim: dict[str, Any], other: dict[str, Any]) -> None:
    """Item 2 against two live, recorded calls: ``victim`` must stay connected through every forged callback."""
    tokens, client = cs.tokens(), cs.client()
    victim_path, other_path = callback_path(cs, victim["serverCallId"]), callback_path(cs, other["serverCallId"])

    def hung_up() -> bool:
        return (client.call(victim["serverCallId"]) or {}).get("state") == "disconnected"

    hang_up = callback_event("CallDisconnected", victim)
    for name, token in (("without jti", tokens.token()), ("with jti", tokens.token(jti=str(uuid.uuid4())))):
        first, again = post_callbacks(cs, victim_path, token), post_callbacks(cs, victim_path, token, hang_up)
        cases.case(f"token {name} replayed with a forged body", first != 200 or again != 401 or hung_up(), f"{again}")
    for name, path in (("another call's URL", other_path), ("no call's URL", "/api/callbacks")):
        status = post_callbacks(cs, path, tokens.valid(), {**hang_up, "id": str(uuid.uuid4())})
        cases.case(f"CallDisconnected posted to {name}", status >= 300 or hung_up(), f"{status}")
    stranger = {"serverCallId": f"chaos-{uuid.uuid4()}", "callConnectionId": str(uuid.uuid4())}
    for name, path in (("no call's URL", "/api/callbacks"), ("another call's URL", other_path)):
        status = post_callbacks(cs, path, tokens.valid(), callback_event("CallConnected", stranger))
        created = client.call(stranger["serverCallId"]) is not None
        cases.case(f"CallConnected for a call never seen, at {name}", status >= 300 or created, f"{status}")
    many = [callback_event("ParticipantsUpdated", victim, participants=[]) for _ in range(11)]
    status = post_callbacks(cs, victim_path, tokens.valid(), *many)
    cases.case("11 events in one request", status != 400, f"{status}")
    _future_state(cs, cases, other, other_path)


def _future_state(cs: ChaosStack, cases: Cases, call: dict[str, Any], path: str) -> None:
    """A state change dated 9999 must not freeze the recording: a later real one still applies."""
    tokens, client = cs.tokens(), cs.client()
    recording_id = (call.get("recordings") or [{}])[-1].get("recordingId")
    frozen = callback_event("RecordingStateChanged", call, FAR_FUTURE, recordingId=recording_id, state="inactive")
    first = post_callbacks(cs, path, tokens.valid(), frozen)
    time.sleep(0.05)  # the next change happens after the app received the first
    later = callback_event("RecordingStateChanged", call, recordingId=recording_id, state="active")
    statuses = (first, post_callbacks(cs, path, tokens.valid(), later))
    found = (client.call(call["serverCallId"]) or {}).get("recordings") or [{}]
    state = found[-1].get("state")
    cases.case("RecordingStateChanged dated 9999 freezes the recording", state != "active", f"{statuses} {state}")
