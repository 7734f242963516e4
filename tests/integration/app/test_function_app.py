"""The call functions, invoked as the host invokes them, with ACS played by the emulator.

``acs_events`` and ``callbacks`` get exactly what the emulator sent (its Event Grid deliveries and its signed
callback requests, verified against its JWKS); every Call Automation request the functions make goes through the
real SDK to the emulator, which the tests then ask what happened. State is on Azurite.
"""

from __future__ import annotations

import base64
import json

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from local.client import wait_for
from shared.layout import call_folder
from tests.integration.app.emulated import ANSWERED, DECLINED, Acs, body
from tests.integration.app.flow import command, connected_call, view
from tests.integration.app.functions import App


def test_an_incoming_call_in_the_answer_policy_is_answered_at_the_emulator(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    assert app.grid(acs.grid_event(sid, "IncomingCall")) == []
    call = acs.call(sid)
    assert call["state"] in ("connecting", "connected")
    (connection_id,) = call["callConnections"]
    connected = body(acs.callback(sid, "CallConnected"))
    assert connected["data"]["callConnectionId"] == connection_id
    found = view(app, sid)
    assert (found["state"], found["callConnectionId"]) == ("answered", connection_id)


def test_an_incoming_call_delivered_twice_is_answered_once_and_rings_once_in_the_timeline(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    event = acs.grid_event(sid, "IncomingCall")
    assert app.grid(event) == []
    assert app.grid(event) == []
    assert len(acs.call(sid)["callConnections"]) == 1
    lines = app.deps.store.timeline(sid)
    assert [line["event"] for line in lines] == ["CallRinging", "CallAnswered"]


def test_an_incoming_call_outside_the_answer_policy_is_left_ringing(app: App, acs: Acs) -> None:
    sid = acs.place_call(DECLINED)
    assert app.grid(acs.grid_event(sid, "IncomingCall")) == []
    assert (acs.call(sid)["state"], acs.call(sid)["callConnections"]) == ("ringing", [])
    assert view(app, sid)["state"] == "ringing"


def test_call_connected_delivered_twice_starts_exactly_one_recording_at_the_emulator(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    connected = acs.callback(sid, "CallConnected")
    assert app.callback(connected).status_code == 200
    assert app.callback(connected, authorization=f"Bearer {acs.fresh_token()}").status_code == 200
    (recording,) = acs.recordings(sid)
    assert (recording["state"], recording["options"]["recordingChannelType"]) == ("active", "unmixed")
    own_url = app.deps.guard.call_url(acs.hooks.url("/api/callbacks"), sid)
    assert recording["options"]["recordingStateCallbackUri"] == own_url
    found = view(app, sid)
    (started,) = found["recordings"]
    assert (started["recordingId"], started["state"]) == (recording["recordingId"], "starting")
    events = [line["event"] for line in found["timeline"]]
    assert (events.count("RecordingStarted"), events.count("StartFailed")) == (1, 0), events


def test_pause_resume_and_stop_through_the_control_api_reach_the_emulator(app: App, acs: Acs) -> None:
    sid, recording_id = connected_call(app, acs)
    for action, state in [("pause", "paused"), ("resume", "active"), ("stop", "stopped")]:
        status, answer = command(app, sid, action)
        assert (status, answer["recordingId"]) == (200, recording_id)
        assert acs.recording(sid)["state"] == state, action
        if action == "pause":
            assert command(app, sid, "pause") == (409, {"error": "cannot pause: recording is paused"})
    assert command(app, sid, "stop")[0] == 200, "a second stop is a no-op"
    assert acs.recording(sid)["state"] == "stopped"
    assert app.callback(acs.callback(sid, "RecordingStateChanged", state="inactive")).status_code == 200
    found = view(app, sid)
    assert [r["state"] for r in found["recordings"]] == ["stopped"]
    timeline = " ".join(line["event"] for line in found["timeline"])
    for expected in ("PauseRecording", "ResumeRecording", "StopRecording"):
        assert expected in timeline


def test_the_control_api_starts_a_recording_with_overrides_at_the_emulator(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    acs.callback(sid, "CallConnected")  # connected at the emulator; the app has not handled it
    route = {"callId": call_folder(sid)}
    status, answer = app.api("start_recording", "POST", route, b'{"format": "flac"}')
    assert (status, "format" in answer["error"]) == (400, True)
    assert acs.recordings(sid) == []
    overrides = {"channel": "mixed", "format": "mp3", "pauseOnStart": True}
    status, answer = app.api("start_recording", "POST", route, json.dumps(overrides).encode())
    assert status == 200, answer
    recording = acs.recording(sid)
    assert answer["recordingId"] == recording["recordingId"]
    options = recording["options"]
    assert (options["recordingChannelType"], options["recordingFormatType"], options["pauseOnStart"]) == (
        "mixed",
        "mp3",
        True,
    )
    assert recording["state"] == "paused"


def test_the_control_api_finds_a_call_by_the_server_call_id_acs_printed(app: App, acs: Acs) -> None:
    sid, recording_id = connected_call(app, acs)
    route = {"callId": "-", "action": "pause"}
    status, answer = app.api("recording_command", "POST", route, serverCallId=sid)
    assert (status, answer["recordingId"]) == (200, recording_id)
    assert acs.recording(sid)["state"] == "paused"
    status, found = app.api("get_call", "GET", {"callId": "-"}, serverCallId=sid)
    assert (status, found["serverCallId"], found["callId"]) == (200, sid, call_folder(sid))
    assert found["callId"] == sid.replace("+", "-").replace("/", "_").rstrip("=")


def test_the_control_api_answers_400_and_404_for_unknown_calls_and_actions(app: App) -> None:
    assert app.api("get_call", "GET", {"callId": call_folder("bm8tc3VjaC1jYWxs")})[0] == 404
    assert app.api("get_call", "GET", {"callId": "bad/id"})[0] == 400
    route = {"callId": call_folder("bm8tc3VjaC1jYWxs"), "action": "rewind"}
    assert app.api("recording_command", "POST", route)[0] == 404
    assert app.api("list_calls", "GET", {}, date="yesterday")[0] == 400


def test_a_callback_whose_token_is_tampered_or_foreign_is_401_and_changes_nothing(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    connected = acs.callback(sid, "CallConnected")
    token = connected.headers["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "aud": "another"}).encode()).decode().rstrip("=")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode(claims, other_key, algorithm="RS256", headers=jwt.get_unverified_header(token))
    for bad in (f"{header}.{forged}.{signature}", foreign, token[:-4] + "AAAA", ""):
        assert app.callback(connected, authorization=f"Bearer {bad}").status_code == 401
    assert acs.recordings(sid) == [], "no recording was started"
    assert view(app, sid)["state"] == "answered"
    assert app.callback(connected).status_code == 200
    assert len(acs.recordings(sid)) == 1


def test_a_recording_started_paused_and_never_resumed_ends_with_no_media_instead_of_waiting(app: App, acs: Acs) -> None:
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    acs.callback(sid, "CallConnected")  # connected at the emulator; the app has not handled it
    route = {"callId": call_folder(sid)}
    status, answer = app.api("start_recording", "POST", route, b'{"pauseOnStart": true}')
    assert status == 200, answer
    assert app.callback(acs.callback(sid, "RecordingStateChanged", state="inactive")).status_code == 200
    acs.control("POST", "calls/hangup", {"serverCallId": sid})
    assert app.callback(acs.callback(sid, "CallDisconnected")).status_code == 200
    (recording,) = app.api("get_call", "GET", route)[1]["recordings"]
    assert (recording["state"], recording["verdict"]) == ("no_media", {"verdict": "no_media", "missing": []})
    wait_for(lambda: acs.recording(sid)["filesReady"], "the emulator to finish with the recording", 15, 0.05)
    assert acs.grid_events(sid, "RecordingFileStatusUpdated") == [], "and sent no files-ready, as ACS sends none"
    assert app.sweep() == []
