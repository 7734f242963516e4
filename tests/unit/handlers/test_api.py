"""The control API: start with overrides, pause/resume/stop with 409s, read and list calls."""

from __future__ import annotations

import json

import pytest

from shared.acs import AcsRejected, AcsTransient
from shared.config import RecordingDefaults
from shared.domain import RecordingState
from shared.handlers import api
from shared.handlers.callbacks import handle_callbacks
from shared.handlers.eventgrid import handle_grid_event
from shared.layout import call_folder
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world


def recording_call(w: World) -> str:
    """An answered, connected call whose recording ACS reported active."""
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), "Bearer good", w.guard.call_mac(sid), w.deps)
    active = p.state_changed(sid, "rec-2", "active", "2026-11-23T18:59:00+00:00")
    handle_callbacks(p.body(active), "Bearer good", w.guard.call_mac(sid), w.deps)
    return sid


def test_start_on_a_call_this_app_did_not_answer_uses_the_body_options() -> None:
    w = world()
    sid = p.server_call_id()
    body = json.dumps({"format": "mp3", "channel": "mixed", "pauseOnStart": True, "channelAffinity": []}).encode()
    reply = api.start(call_folder(sid), body, w.deps)
    assert reply.status == 200
    assert reply.body["recordingId"] == "rec-1"
    (start,) = w.acs.sent("start")
    assert start[0] == sid
    assert (start[1].format, start[1].channel, start[1].pause_on_start) == ("mp3", "mixed", True)


def test_a_bad_body_field_is_a_400_that_names_it() -> None:
    w = world()
    folder = call_folder(p.server_call_id())
    assert "format" in api.start(folder, b'{"format": "ogg"}', w.deps).body["error"]
    assert api.start(folder, b'{"format": "ogg"}', w.deps).status == 400
    assert "colour" in api.start(folder, b'{"colour": "red"}', w.deps).body["error"]
    assert "channelAffinity" in api.start(folder, b'{"channelAffinity": [{"channel": "x"}]}', w.deps).body["error"]
    assert api.start(folder, b"[1]", w.deps).status == 400
    assert api.start("not/base64url", b"", w.deps).status == 400
    assert w.acs.requests == []


def test_a_start_acs_refuses_for_the_call_it_names_is_a_4xx_with_what_acs_said() -> None:
    for acs_status, answer in ((404, 404), (400, 400), (409, 409), (412, 409), (403, 502), (401, 502)):
        w = world()
        w.acs.fail_next["start"] = AcsRejected(f"start recording: {acs_status} no such call", acs_status)
        reply = api.start(call_folder(p.server_call_id()), b"{}", w.deps)
        assert (acs_status, reply.status) == (acs_status, answer)
        assert f"{acs_status} no such call" in reply.body["error"]


def test_starting_while_recording_is_a_409_naming_the_state() -> None:
    w = world()
    sid = recording_call(w)
    reply = api.start(call_folder(sid), b"", w.deps)
    assert reply.status == 409
    assert "active" in reply.body["error"]


def test_pause_and_resume_reach_acs_and_change_the_state() -> None:
    w = world()
    sid = recording_call(w)
    folder = call_folder(sid)
    assert api.command(folder, "pause", w.deps).body["state"] == "paused"
    assert api.command(folder, "resume", w.deps).body["state"] == "active"
    assert w.acs.sent("pause") == ["rec-2"]
    assert w.acs.sent("resume") == ["rec-2"]


def test_pause_when_not_active_and_resume_when_not_paused_are_409s_naming_the_state() -> None:
    w = world()
    folder = call_folder(recording_call(w))
    resumed = api.command(folder, "resume", w.deps)
    assert resumed.status == 409
    assert resumed.body["error"] == "cannot resume: recording is active"
    api.command(folder, "pause", w.deps)
    paused = api.command(folder, "pause", w.deps)
    assert (paused.status, paused.body["error"]) == (409, "cannot pause: recording is paused")
    assert len(w.acs.sent("pause")) == 1


def test_a_second_stop_is_a_no_op_200() -> None:
    w = world()
    folder = call_folder(recording_call(w))
    assert api.command(folder, "stop", w.deps).body["state"] == "stopped"
    again = api.command(folder, "stop", w.deps)
    assert (again.status, again.body["state"]) == (200, "stopped")
    assert w.acs.sent("stop") == ["rec-2"]


@pytest.mark.parametrize(
    ("pause_on_start", "state"), [(False, RecordingState.STOPPED), (True, RecordingState.NO_MEDIA)]
)
def test_stopping_a_start_acs_has_not_answered_stops_it_without_asking_acs(
    pause_on_start: bool, state: RecordingState
) -> None:
    w = world(recording=RecordingDefaults(pause_on_start=pause_on_start))
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    w.acs.fail_next["start"] = AcsTransient("start: 503", 503)
    with pytest.raises(AcsTransient):
        handle_callbacks(p.body(p.callback("CallConnected", sid)), "Bearer good", w.guard.call_mac(sid), w.deps)
    stopped = api.command(call_folder(sid), "stop", w.deps)
    assert w.acs.sent("stop") == []
    call = w.store.get(sid)
    assert call is not None
    assert [r.state for r in call.recordings] == [state]
    assert (stopped.status, stopped.body) == (200, {"state": state.value}), "the answer says what was stored"


def test_acs_refusing_a_pause_is_a_409_and_changes_nothing() -> None:
    w = world()
    sid = recording_call(w)
    w.acs.fail_next["pause"] = AcsRejected("pause recording: 400 not active", 400)
    reply = api.command(call_folder(sid), "pause", w.deps)
    assert reply.status == 409
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.ACTIVE


def test_commands_and_reads_of_an_unknown_call_are_404() -> None:
    w = world()
    folder = call_folder(p.server_call_id())
    assert api.command(folder, "pause", w.deps).status == 404
    assert api.get_call(folder, w.deps).status == 404


def test_an_unknown_call_is_named_as_the_request_named_it() -> None:
    w = world()
    assert api.get_call("bm8tc3VjaC1jYWxs", w.deps).body == {"error": "unknown call bm8tc3VjaC1jYWxs"}
    sid = p.server_call_id()
    given = api.get_call(api.BY_SERVER_CALL_ID, w.deps, sid).body["error"]
    assert given == f"unknown call {call_folder(sid)} (serverCallId {sid})"


def test_an_unknown_recording_action_is_a_404_that_lists_the_actions() -> None:
    w = world()
    reply = api.command(call_folder(recording_call(w)), "rewind", w.deps)
    assert (reply.status, reply.body) == (
        404,
        {"error": "unknown recording action 'rewind': use pause, resume or stop"},
    )
    assert w.acs.sent("pause") == w.acs.sent("resume") == w.acs.sent("stop") == []


def test_a_call_id_that_is_not_a_call_folder_is_a_400() -> None:
    w = world()
    assert api.command("not a folder!", "pause", w.deps).status == 400
    assert api.get_call("not a folder!", w.deps).status == 400


def test_reading_a_call_shows_recordings_chunks_and_timeline() -> None:
    w = world()
    sid = recording_call(w)
    reply = api.get_call(call_folder(sid), w.deps)
    assert reply.status == 200
    view = reply.body
    assert (view["serverCallId"], view["state"], view["callId"]) == (sid, "connected", call_folder(sid))
    assert view["recordings"][0]["recordingId"] == "rec-2"
    assert view["recordings"][0]["options"]["format"] == "wav"
    assert [line["event"] for line in view["timeline"]] == [
        "CallRinging",
        "CallAnswered",
        "CallConnected",
        "RecordingStarted",
        "RecordingStateReported",
    ]
    assert {line["source"] for line in view["timeline"]} == {"eventgrid", "callback"}


def test_listing_a_day_filters_by_state_and_checks_its_parameters() -> None:
    w = world()
    sid = recording_call(w)
    ringing = p.server_call_id()
    handle_grid_event(p.incoming_call(ringing, callee="4:+1999"), w.deps)
    w2 = api.list_calls({"date": "2026-11-23", "state": "connected"}, w.deps)
    assert [c["serverCallId"] for c in w2.body["calls"]] == [sid]
    everything = api.list_calls({"date": "2026-11-23"}, w.deps)
    assert {c["serverCallId"] for c in everything.body["calls"]} == {sid, ringing}
    assert api.list_calls({"date": "2026-11-22"}, w.deps).body["calls"] == []
    assert "date" in api.list_calls({"date": "23/11/2026"}, w.deps).body["error"]
    assert "state" in api.list_calls({"date": "2026-11-23", "state": "lost"}, w.deps).body["error"]


def test_channel_affinity_is_refused_for_a_mixed_recording_and_dropped_from_the_defaults() -> None:
    w = world()
    folder = call_folder(p.server_call_id())
    body = b'{"channel": "mixed", "channelAffinity": [{"channel": 0, "participant": "4:+1"}]}'
    refused = api.start(folder, body, w.deps)
    assert (refused.status, "channelAffinity" in refused.body["error"]) == (400, True)
    assert api.start(folder, b'{"channel": "mixed"}', w.deps).status == 200
    (start,) = w.acs.sent("start")
    assert start[1].channel_affinity == ()


def test_a_call_is_read_and_commanded_by_its_server_call_id_as_acs_prints_it() -> None:
    w = world()
    sid = recording_call(w)
    assert "/" in sid
    assert "+" in sid
    assert sid.endswith("=")
    read = api.get_call(api.BY_SERVER_CALL_ID, w.deps, sid)
    assert (read.status, read.body["serverCallId"], read.body["callId"]) == (200, sid, call_folder(sid))
    assert api.command(api.BY_SERVER_CALL_ID, "pause", w.deps, sid).body["state"] == "paused"
    assert api.command(call_folder(sid), "resume", w.deps, sid).body["state"] == "active"
    assert w.acs.sent("pause") == w.acs.sent("resume") == ["rec-2"]


def test_a_plus_sent_unencoded_in_the_query_arrives_as_a_space_and_still_names_the_call() -> None:
    w = world()
    sid = recording_call(w)
    assert api.get_call(api.BY_SERVER_CALL_ID, w.deps, sid.replace("+", " ")).body["serverCallId"] == sid


def test_start_by_server_call_id_reaches_acs_with_that_id() -> None:
    w = world()
    sid = p.server_call_id()
    assert api.start(api.BY_SERVER_CALL_ID, b"", w.deps, sid).status == 200
    (start,) = w.acs.sent("start")
    assert start[0] == sid


def test_the_placeholder_without_a_server_call_id_is_a_400_that_says_what_is_missing() -> None:
    reply = api.get_call(api.BY_SERVER_CALL_ID, world().deps)
    assert reply.status == 400
    assert "?serverCallId=" in reply.body["error"]


def test_a_call_id_and_server_call_id_that_disagree_are_a_400_naming_both() -> None:
    w = world()
    sid = recording_call(w)
    started = len(w.acs.sent("start"))
    other = call_folder(p.server_call_id())
    reply = api.get_call(other, w.deps, sid)
    assert reply.status == 400
    assert "serverCallId" in reply.body["error"]
    assert other in reply.body["error"]
    assert api.command(other, "pause", w.deps, sid).status == 400
    assert api.start(other, b"", w.deps, sid).status == 400
    assert (w.acs.sent("pause"), len(w.acs.sent("start"))) == ([], started)


def test_option_urls_that_would_send_acs_elsewhere_are_400s_with_the_reason() -> None:
    w = world(byos_hosts=("archive.blob.core.windows.net",))
    folder = call_folder(p.server_call_id())
    refused = {
        "stateCallbackUrl": [
            "http://127.0.0.1:9999/x",
            "https://evil.example.com/api/callbacks",
            "https://app.example.evil.com/api/callbacks",
            "https://app.example/api/callbacks?callMac=stolen",
        ],
        "byosContainerUrl": [
            "https://169.254.169.254/metadata",
            "http://archive.blob.core.windows.net/byos",
            "https://127.0.0.1/devstoreaccount1/byos",
            "https://evil.blob.core.windows.net/byos",
            "https://archive.blob.core.windows.net/byos/deeper",
            "https://archive.blob.core.windows.net/byos?sv=2024&sig=x",
            "https://archive.blob.core.windows.net\\@evil.example.com/byos",
        ],
    }
    for field, urls in refused.items():
        for url in urls:
            reply = api.start(folder, json.dumps({field: url}).encode(), w.deps)
            assert reply.status == 400, url
            assert reply.body["error"].startswith(f"{field}: "), reply.body
    assert w.acs.requests == []


def test_option_urls_on_the_apps_endpoint_and_the_archive_account_are_used() -> None:
    w = world(byos_hosts=("archive.blob.core.windows.net",), state_callback_hosts=("relay.example.org",))
    sid = p.server_call_id()
    for state_url in ("https://app.example/api/callbacks", "https://relay.example.org/acs"):
        body = {"stateCallbackUrl": state_url, "byosContainerUrl": "https://archive.blob.core.windows.net/byos"}
        assert api.start(call_folder(sid), json.dumps(body).encode(), w.deps).status == 200
        api.command(call_folder(sid), "stop", w.deps)
    sent = [options for _, options, _ in w.acs.sent("start")]
    mac = w.guard.call_mac(sid)
    assert [o.state_callback_url for o in sent] == [
        f"https://app.example/api/callbacks?callMac={mac}",
        f"https://relay.example.org/acs?callMac={mac}",
    ]
    assert {o.byos_container_url for o in sent} == {"https://archive.blob.core.windows.net/byos"}


def test_a_deeply_nested_body_is_a_400_not_a_server_error() -> None:
    w = world()
    folder = call_folder(p.server_call_id())
    for deep in (b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000):
        reply = api.start(folder, deep, w.deps)
        assert reply.status == 400
        assert "body" in reply.body["error"]


def test_a_call_id_too_long_for_a_table_key_is_a_400_on_every_route() -> None:
    w = world()
    folder = "QUFB" * 150  # 600 characters of base64url: a serverCallId of 450 bytes
    assert api.start(folder, b"", w.deps).status == 400
    assert "characters" in api.start(folder, b"", w.deps).body["error"]
    assert api.command(folder, "pause", w.deps).status == 400
    assert api.get_call(folder, w.deps).status == 400


def test_a_start_naming_one_of_the_apps_own_containers_for_byos_is_a_400_that_says_which() -> None:
    host = "archive.blob.core.windows.net"
    w = world(byos_hosts=(host,), archive_hosts=(host,))
    folder = call_folder(p.server_call_id())
    for container, held in (("azure-webjobs-secrets", "keys)"), ("recordings", "(the archive)"), ("quarantine", "")):
        reply = api.start(folder, json.dumps({"byosContainerUrl": f"https://{host}/{container}"}).encode(), w.deps)
        assert reply.status == 400
        assert f"container {container!r} is this app's own container (" in reply.body["error"]
        assert held in reply.body["error"]
    reply = api.start(folder, json.dumps({"byosContainerUrl": f"https://{host}/elsewhere"}).encode(), w.deps)
    assert (reply.status, "only RECORDING_BYOS_CONTAINER_URL" in reply.body["error"]) == (400, True)
    assert w.acs.requests == []


def test_a_start_acs_refuses_for_a_call_the_app_did_not_know_leaves_no_call_behind() -> None:
    w = world()
    sid = p.server_call_id()
    w.acs.fail_next["start"] = AcsRejected("start recording: 404 call not found", 404)
    assert api.start(api.BY_SERVER_CALL_ID, b"", w.deps, sid).status == 404
    assert w.store.get(sid) is None
    assert api.get_call(api.BY_SERVER_CALL_ID, w.deps, sid).status == 404
    assert api.list_calls({"date": w.clock().date().isoformat()}, w.deps).body["calls"] == []


def test_a_start_acs_refuses_for_a_call_the_app_knows_keeps_the_call_and_the_failed_start() -> None:
    w = world(answer_policy=())
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    w.acs.fail_next["start"] = AcsRejected("start recording: 404 call not found", 404)
    assert api.start(call_folder(sid), b"", w.deps).status == 404
    call = w.store.get(sid)
    assert call is not None
    assert [r.state.value for r in call.recordings] == ["failed"]
