"""Hostile requests through the functions, on Azurite and the emulator: each is a 4xx or a quarantine record, never
an error, and leaves no state that ACS never had."""

from __future__ import annotations

import dataclasses
import json
import uuid

from tests.integration.app.emulated import ANSWERED, Acs
from tests.integration.app.flow import view
from tests.integration.app.functions import App


def quarantine_reasons(app: App) -> list[str]:
    return [json.loads(app.quarantine.download_blob(b.name).readall())["reason"] for b in app.quarantine.list_blobs()]


def test_a_server_call_id_with_a_trailing_newline_is_a_400_at_every_control_route(app: App) -> None:
    for name, method, route in (
        ("start_recording", "POST", {"callId": "-"}),
        ("recording_command", "POST", {"callId": "-", "action": "stop"}),
        ("get_call", "GET", {"callId": "-"}),
        ("legal_hold", "POST", {"callId": "-"}),
    ):
        status, answer = app.api(name, method, route, serverCallId="abc\n")
        assert (name, status) == (name, 400), answer
        assert "control character" in answer["error"]


def test_an_incoming_call_whose_server_call_id_ends_in_a_newline_is_quarantined_not_an_error(
    app: App, acs: Acs
) -> None:
    sid = acs.place_call(ANSWERED)
    event = acs.grid_event(sid, "IncomingCall")
    event["data"]["serverCallId"] = "abc\n"
    assert app.grid(event) == []
    assert any("serverCallId holds a control character" in r for r in quarantine_reasons(app))
    assert acs.call(sid)["callConnections"] == []


def test_a_start_for_a_call_acs_does_not_know_is_a_404_that_leaves_no_call_behind(app: App) -> None:
    sid = f"{uuid.uuid4().hex}QUJD"  # clean base64 that names no call at the emulator
    status, answer = app.api("start_recording", "POST", {"callId": "-"}, serverCallId=sid)
    assert status == 404, answer
    assert app.api("get_call", "GET", {"callId": "-"}, serverCallId=sid)[0] == 404
    today = app.deps.now().date().isoformat()
    status, listed = app.api("list_calls", "GET", {}, date=today)
    assert sid not in [c["serverCallId"] for c in listed["calls"]]


def test_a_callback_with_an_enormous_result_message_is_applied_without_an_error(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    connected = acs.callback(sid, "CallConnected")
    document = connected.json()
    document[0]["type"] = "Microsoft.Communication.CallDisconnected"  # the message becomes the call's reason
    document[0]["data"]["resultInformation"]["message"] = "m" * 200_000
    forged = dataclasses.replace(connected, body=json.dumps(document).encode())
    assert app.callback(forged).status_code == 200
    assert view(app, sid)["state"] == "disconnected"
