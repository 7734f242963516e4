"""The red-team reproductions on the functions, with ACS played by the emulator and state on Azurite: replayed
tokens, callbacks posted as another call's, option URLs that would send ACS elsewhere, inputs that used to be 500s."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from azure.data.tables import TableClient

from shared.layout import call_folder
from shared.store.callback_guard_table import TableCallbackGuard
from tests.emulator.receiver import Received
from tests.integration.app.emulated import ANSWERED, Acs
from tests.integration.app.flow import connected_call, view
from tests.integration.app.functions import App


def forged(captured: Received, sid: str, kind: str = "CallDisconnected") -> Received:
    """``captured`` (a real, signed callback) with its body swapped for ``kind`` naming call ``sid``."""
    (event,) = captured.json()
    event = {**event, "id": str(uuid.uuid4()), "type": f"Microsoft.Communication.{kind}"}
    event["data"] = {**event["data"], "serverCallId": sid, "resultInformation": {"code": 200, "subCode": 7000}}
    return replace(captured, body=json.dumps([event]).encode())


def quarantined(app: App) -> list[dict[str, str]]:
    return [json.loads(app.quarantine.download_blob(b.name).readall()) for b in app.quarantine.list_blobs()]


def test_a_captured_token_is_refused_the_second_time_whatever_the_body(app: App, acs: Acs) -> None:
    sid, _ = connected_call(app, acs)
    captured = acs.callback(sid, "RecordingStateChanged", state="active")
    before = view(app, sid)
    response = app.callback(forged(captured, sid))
    assert response.status_code == 401
    assert b"already used" in response.get_body()
    assert view(app, sid)["state"] == before["state"] == "connected"


def test_a_callback_posted_to_another_calls_url_is_quarantined_and_changes_nothing(app: App, acs: Acs) -> None:
    victim, _ = connected_call(app, acs)
    attacker, _ = connected_call(app, acs)
    own = acs.callback(attacker, "RecordingStateChanged", state="active")
    hijack = forged(own, victim)
    response = app.callback(hijack, authorization=f"Bearer {acs.fresh_token()}")
    assert response.status_code == 200
    assert json.loads(response.get_body()) == {"accepted": 0, "quarantined": 1}
    assert view(app, victim)["state"] == "connected"
    assert [r["reason"] for r in quarantined(app) if "not posted to the callback URL" in r["reason"]]


def test_a_signed_callback_for_a_call_the_app_never_saw_creates_nothing(app: App, acs: Acs) -> None:
    sid, _ = connected_call(app, acs)
    stranger = acs.place_call("4:+18005550999")
    captured = acs.callback(sid, "RecordingStateChanged", state="active")
    stray = forged(captured, stranger, kind="CallConnected")
    stray = replace(stray, path_qs=f"/api/callbacks?callMac={app.deps.guard.call_mac(stranger)}")
    assert app.callback(stray, authorization=f"Bearer {acs.fresh_token()}").status_code == 200
    assert app.api("get_call", "GET", {"callId": call_folder(stranger)})[0] == 404
    assert acs.recordings(stranger) == [], "no recording of a connection the app never answered"


def test_option_urls_pointing_elsewhere_are_400s_and_reach_no_one(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    route = {"callId": call_folder(sid)}
    for options in (
        {"stateCallbackUrl": "http://127.0.0.1:9999/x"},
        {"byosContainerUrl": "https://169.254.169.254/metadata"},
        {"byosContainerUrl": "https://attacker.blob.core.windows.net/loot"},
    ):
        status, answer = app.api("start_recording", "POST", route, json.dumps(options).encode())
        assert status == 400, answer
        assert answer["error"].startswith(next(iter(options)))
    assert acs.recordings(sid) == []


def test_a_deep_body_and_a_call_id_too_long_for_a_table_key_are_400s(app: App, acs: Acs) -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    folder = call_folder("bm8tc3VjaC1jYWxs")
    assert app.api("start_recording", "POST", {"callId": folder}, deep)[0] == 400
    too_long = "QUFB" * 150
    assert app.api("start_recording", "POST", {"callId": too_long})[0] == 400
    assert app.api("get_call", "GET", {"callId": too_long})[0] == 400


def test_files_ready_for_a_server_call_id_too_long_for_a_table_key_is_quarantined(app: App, acs: Acs) -> None:
    sid, _ = connected_call(app, acs)
    event = acs.grid_event(sid, "IncomingCall")
    long_sid = "aHR0cHM6" + "A" * 600
    event = {**event, "id": str(uuid.uuid4()), "data": {**event["data"], "serverCallId": long_sid}}
    assert app.grid(event) == []
    assert [r for r in quarantined(app) if "too long" in r["reason"]]


def test_the_table_guard_shares_one_key_and_one_token_ledger_across_instances(calls_table: TableClient) -> None:
    first, second = TableCallbackGuard(calls_table), TableCallbackGuard(calls_table)
    assert first.call_mac("sid") == second.call_mac("sid")
    assert len(first.key()) == 32
    expires = datetime.now(UTC) + timedelta(minutes=5)
    assert first.first_use("jti:a", expires)
    assert not second.first_use("jti:a", expires), "a replay on another instance is refused"
    second.release("jti:a", expires)
    assert first.first_use("jti:a", expires), "a released token (failed request) may be retried"
    old = datetime.now(UTC) - timedelta(hours=3)
    assert first.first_use("jti:old", old)
    assert first.purge(datetime.now(UTC)) == 1
    assert not first.first_use("jti:a", expires), "live tokens survive the purge"
