"""7. Authentication: bad callback tokens, missing or wrong function keys, Event Grid without the system key.

Every one is a 401 and changes no state; the well-formed request beside them is accepted (so the 401s are the
checks at work, not a broken route). The red-team reproductions of ``redteam`` (a replayed token, a callback
posted as another call's or for a call never seen, a future-dated state change, too many events) are refused or
quarantined.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios import forgeries, redteam
from chaos.scenarios.common import Size, finish, options
from chaos.workload import is_recording, poll, run_calls, safe_call
from local.client import LocalClient
from shared.layout import call_folder

NAME = "auth"
AGENT = "8:acs:chaos_agent"


def disconnect_callback(call: dict[str, Any]) -> bytes:
    """A CallDisconnected for a live call: if it got through, the call's state would change."""
    event = {
        "id": str(uuid.uuid4()),
        "source": f"calling/callConnections/{call.get('callConnectionId')}",
        "type": "Microsoft.Communication.CallDisconnected",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": datetime.now(UTC).isoformat(),
        "data": {
            "callConnectionId": call.get("callConnectionId"),
            "serverCallId": call["serverCallId"],
            "correlationId": call.get("correlationId"),
            "resultInformation": {"code": 200, "subCode": 7000, "message": "hung up"},
        },
    }
    return json.dumps([event]).encode()


def fingerprint(client: LocalClient, server_call_id: str) -> str:
    view = safe_call(client, server_call_id) or {}
    return json.dumps({k: view.get(k) for k in ("state", "recordings", "timeline")}, sort_keys=True)


def check_callbacks(cs: ChaosStack, result: Result, call: dict[str, Any]) -> int:
    body = disconnect_callback(call)
    sent = 0
    for what, header in cs.tokens().bad_tokens().items():
        headers = {"Content-Type": "application/json", **({"Authorization": header} if header else {})}
        status = cs.post("/api/callbacks", body, headers).status_code
        result.check("bad callback tokens are 401", status == 401, f"callback with {what} token: {status}")
        sent += 1
    return sent


def check_api(cs: ChaosStack, result: Result, server_call_id: str) -> int:
    folder = call_folder(server_call_id)
    routes = [("GET", f"/api/calls/{folder}"), ("GET", "/api/calls"), ("POST", f"/api/calls/{folder}/recording"),
              ("POST", f"/api/calls/{folder}/recording/pause"), ("POST", f"/api/calls/{folder}/recording/stop")]  # fmt: skip
    keys: dict[str, dict[str, str]] = {
        "no key": {},
        "wrong key": {"x-functions-key": "not-the-key"},
        "wrong code": {},
        "event grid key as function key": {"x-functions-key": str(cs.info.get("eventGridKey", ""))},
    }
    sent = 0
    for method, path in routes:
        for what, headers in keys.items():
            url = f"{path}?code=wrong" if what == "wrong code" else path
            status = cs.request(method, url, headers=headers, json={}).status_code
            result.check("control API without the key is 401", status == 401, f"{method} {path} {what}: {status}")
            sent += 1
    return sent


def check_grid(cs: ChaosStack, result: Result, call: dict[str, Any]) -> int:
    """IncomingCall-shaped events without the system key; nothing may be invoked."""
    event = {"id": str(uuid.uuid4()), "eventType": "Microsoft.Communication.IncomingCall", "subject": "x",
             "eventTime": datetime.now(UTC).isoformat(), "dataVersion": "1.0", "data": {}}  # fmt: skip
    sent = 0
    for what, key in {"no key": "", "wrong key": "wrong", "function key": str(cs.info.get("functionKey"))}.items():
        status = cs.post_grid([event], key=key)
        result.check("Event Grid without the system key is 401", status == 401, f"webhook with {what}: {status}")
        sent += 1
    return sent


def run(size: Size, keep: bool = False) -> Result:
    result = Result(NAME)
    with ChaosStack(NAME, options(), keep=keep) as cs:
        client = cs.client()
        sid, other = (str(client.place_call("4:+14255550100", AGENT)["serverCallId"]) for _ in range(2))
        for each in (sid, other):
            recording = bool(poll(lambda each=each: is_recording(client, each), 60))  # type: ignore[misc]
            result.check("call recording", recording, "recording never active")
        before = fingerprint(client, sid)
        call = safe_call(client, sid) or {"serverCallId": sid}
        sent = sum(check(cs, result, call) for check in (check_callbacks, check_grid))
        sent += check_api(cs, result, sid)
        for _ in range(size.pick(0, 4)):
            sent += check_callbacks(cs, result, call)
        cases = redteam.Cases()
        other_call = safe_call(client, other) or {"serverCallId": other}
        redteam.callback_binding(cs, cases, call, other_call)
        forgeries.foreign_recording(cs, cases, call, other_call)
        forgeries.non_ascii_call_mac(cs, cases, call)
        cases.into(result)
        sent += cases.sent
        result.check("rejected requests change no state", fingerprint(client, sid) == before, "the call changed")
        good = cs.post("/api/callbacks", b"[]", {"Authorization": f"Bearer {cs.tokens().valid()}"}).status_code
        result.check("a valid token is accepted", good == 200, f"valid token: {good}")
        result.faults = sent
        result.load = f"{sent} unauthenticated or forged requests against live calls"
        client.hang_up(sid)
        client.hang_up(other)
        others, _ = run_calls(client, size.pick(1, 4), record_seconds=0.5)
        finish(cs, result, [sid, other, *others], timeout=size.seconds(60, 120))
    return result
