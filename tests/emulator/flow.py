"""Steps the emulator tests share: place and answer a call, wait for its events."""

from __future__ import annotations

from typing import Any

from azure.communication.callautomation import CallAutomationClient, CallConnectionProperties

from tests.emulator.conftest import Control
from tests.emulator.receiver import Receiver

CALLER = "4:+14255550100"
AGENT = "8:acs:res_agent"
SUPERVISOR = "8:acs:res_sup"


def of_type(events: list[dict[str, Any]], name: str, **data: Any) -> list[dict[str, Any]]:
    kind = f"Microsoft.Communication.{name}"
    found = [e for e in events if (e.get("type") or e.get("eventType")) == kind]
    return [e for e in found if all(e["data"].get(k) == v for k, v in data.items())]


def place_call(control: Control, participants: tuple[str, ...] = (SUPERVISOR,)) -> dict[str, Any]:
    body = {"from": CALLER, "to": AGENT, "participants": list(participants), "callerDisplayName": "Test Caller"}
    response = control("POST", "calls/incoming", body)
    assert response.status_code == 201, response.text
    placed: dict[str, Any] = response.json()
    return placed


def answered_call(
    control: Control, sdk: CallAutomationClient, receiver: Receiver, participants: tuple[str, ...] = (SUPERVISOR,)
) -> CallConnectionProperties:
    """Place a call, receive IncomingCall through Event Grid, answer it with the SDK, wait for CallConnected."""
    server_call_id = place_call(control, participants)["serverCallId"]
    incoming = receiver.wait(lambda ev: of_type(ev, "IncomingCall", serverCallId=server_call_id), what="IncomingCall")
    properties = sdk.answer_call(incoming[0]["data"]["incomingCallContext"], receiver.url("/api/callbacks?code=k1"))
    receiver.wait(lambda ev: of_type(ev, "CallConnected", serverCallId=server_call_id), what="CallConnected")
    return properties
