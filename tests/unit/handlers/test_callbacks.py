"""/api/callbacks: JWT gate, CallConnected starts one recording, state callbacks drive the recording."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.acs import AcsRejected, AcsTransient
from shared.domain import CallState, RecordingState
from shared.handlers.callbacks import handle_callbacks
from shared.handlers.eventgrid import handle_grid_event
from shared.jwtcheck import JwksUnavailable, VerifiedToken
from shared.wire import parse_timestamp
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world

GOOD = "Bearer good"


def answered(w: World) -> str:
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    return sid


def test_a_missing_or_bad_token_is_401_and_changes_nothing() -> None:
    w = world()
    sid = answered(w)
    before = w.store.get(sid)
    body = p.body(p.callback("CallConnected", sid))
    assert handle_callbacks(body, None, w.guard.call_mac(sid), w.deps).status == 401
    assert handle_callbacks(body, "Bearer forged", w.guard.call_mac(sid), w.deps).status == 401
    assert w.store.get(sid) == before
    assert w.acs.sent("start") == []


def test_unreachable_signing_keys_are_a_retryable_503() -> None:
    class Down:
        def verify(self, authorization: str | None) -> VerifiedToken:
            raise JwksUnavailable("connection refused")

    w = world()
    sid = answered(w)
    deps = replace(w.deps, verifier=Down())
    assert handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), deps).status == 503


def test_with_verification_off_every_request_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    w = world()
    sid = answered(w)
    deps = replace(w.deps, verifier=None)
    with caplog.at_level(logging.WARNING):
        reply = handle_callbacks(p.body(p.callback("CallDisconnected", sid)), None, w.guard.call_mac(sid), deps)
    assert reply.status == 200
    assert any("WITHOUT JWT verification" in r.getMessage() for r in caplog.records)


def test_call_connected_starts_a_recording_with_the_configured_options() -> None:
    w = world()
    sid = answered(w)
    reply = handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    assert reply.status == 200
    (start,) = w.acs.sent("start")
    server_call, options, connection = start
    assert (server_call, connection) == (sid, "conn-1")
    assert (options.content, options.channel, options.format) == ("audio", "unmixed", "wav")
    assert options.channel_affinity == ((0, "4:+14255550123"),), "caller placeholder resolved"
    assert options.state_callback_url == f"https://app.example/api/callbacks?callMac={w.guard.call_mac(sid)}"
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.CONNECTED
    assert call.recordings[0].recording_id == "rec-2"


def test_call_connected_reads_its_call_once_and_bases_both_of_its_writes_on_that_read() -> None:
    w = world()
    sid = answered(w)
    w.store.reads.clear()
    w.store.based_on.clear()
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    assert w.store.reads == [sid], "one read: the one that checks the call is known"
    (connected, connected_on), (started, started_on) = w.store.based_on
    assert (connected, started) == ("CallConnected", "RecordingStarted")
    assert connected_on is not None
    assert (connected_on.token, connected_on.version) == ("v2", 2)
    assert started_on is not None
    assert (started_on.token, started_on.version) == ("v3", 3)
    assert started_on.call is not None
    assert started_on.call.state is CallState.CONNECTED


def test_a_state_callback_reads_its_call_once_and_bases_its_write_on_that_read() -> None:
    w = world()
    sid = answered(w)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    w.store.reads.clear()
    w.store.based_on.clear()
    body = p.body(p.callback("RecordingStateChanged", sid, recordingId="rec-2", state="active"))
    assert handle_callbacks(body, GOOD, w.guard.call_mac(sid), w.deps).status == 200
    assert w.store.reads == [sid]
    [(reported, reported_on)] = w.store.based_on
    assert reported == "RecordingStateReported"
    assert reported_on is not None
    assert (reported_on.token, reported_on.version) == ("v4", 4)


def test_a_redelivered_call_connected_does_not_start_a_second_recording() -> None:
    w = world()
    sid = answered(w)
    event = p.callback("CallConnected", sid)
    handle_callbacks(p.body(event), GOOD, w.guard.call_mac(sid), w.deps)
    handle_callbacks(p.body(event), GOOD, w.guard.call_mac(sid), w.deps)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    assert len(w.acs.sent("start")) == 1
    call = w.store.get(sid)
    assert call is not None
    assert len(call.recordings) == 1


def test_a_start_interrupted_by_a_transient_error_resumes_on_redelivery_with_the_same_request() -> None:
    w = world()
    sid = answered(w)
    event = p.callback("CallConnected", sid)
    w.acs.fail_next["start"] = AcsTransient("start: 503", 503)
    with pytest.raises(AcsTransient):
        handle_callbacks(p.body(event), GOOD, w.guard.call_mac(sid), w.deps)
    w.clock.advance(seconds=30)
    handle_callbacks(p.body(event), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert [r.recording_id for r in call.recordings] == ["rec-2"]
    _answer, *start_sent = w.acs.first_sent
    first = min(parse_timestamp(event["time"]), w.clock.now - timedelta(seconds=30))  # clamped to its first receipt
    assert start_sent == [first] * 2  # Repeatability-First-Sent kept across the retry


def test_a_refused_start_marks_the_recording_failed() -> None:
    w = world()
    sid = answered(w)
    w.acs.fail_next["start"] = AcsRejected("start recording: 400 bad options", 400)
    assert handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps).status == 200
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FAILED
    assert "bad options" in call.recordings[0].reason


def test_recording_state_callbacks_drive_the_recording_and_ignore_older_ones() -> None:
    w = world()
    w.clock.advance(minutes=1)  # the callbacks below are dated before the receipt time, so kept as they are
    sid = answered(w)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    newer = p.state_changed(sid, "rec-2", "inactive", "2026-11-23T19:00:09+00:00")
    older = p.state_changed(sid, "rec-2", "active", "2026-11-23T19:00:05+00:00")
    handle_callbacks(p.body(newer, older), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.PAUSED


def test_disconnected_and_start_failed_callbacks_are_recorded() -> None:
    w = world()
    sid = answered(w)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    failed = p.callback("StartRecordingFailed", sid, recordingId="rec-2")
    handle_callbacks(p.body(failed, p.callback("CallDisconnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.DISCONNECTED
    assert call.recordings[0].state is RecordingState.FAILED


def test_a_malformed_callback_body_is_quarantined_and_acknowledged() -> None:
    w = world()
    reply = handle_callbacks(b"{not json", GOOD, None, w.deps)
    assert reply.status == 200
    assert [kind for kind, _, _ in w.quarantine.kept] == ["callback"]


def test_a_callback_the_state_cannot_take_is_quarantined_and_the_rest_applied() -> None:
    w = world()
    sid = answered(w)
    unknown_start = p.callback("StartRecordingFailed", sid)
    reply = handle_callbacks(
        p.body(unknown_start, p.callback("CallDisconnected", sid)), GOOD, w.guard.call_mac(sid), w.deps
    )
    assert reply.status == 200
    ((kind, reason, payload),) = w.quarantine.kept
    assert kind == "callback"
    assert "StartRecordingFailed" in reason
    assert unknown_start["id"] in payload.decode()
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.DISCONNECTED


def test_a_callback_that_names_no_known_call_is_quarantined() -> None:
    w = world()
    orphan = p.state_changed("", "rec-nobody-knows", "active", "2026-11-23T19:00:05+00:00")
    assert handle_callbacks(p.body(orphan), GOOD, w.guard.call_mac(""), w.deps).status == 200
    assert [(kind, "names no call" in reason) for kind, reason, _ in w.quarantine.kept] == [("callback", True)]
    assert w.store.calls == {}


@pytest.mark.parametrize("kind", ["RecordingStateChanged", "StartRecordingFailed"])
def test_a_callback_naming_a_recording_of_another_call_is_quarantined_and_moves_nothing(kind: str) -> None:
    w = world()
    own, other = answered(w), answered(w)
    started = p.state_changed(other, "rec-other", "active", "2026-11-23T19:00:02+00:00")
    handle_callbacks(p.body(started), GOOD, w.guard.call_mac(other), w.deps)
    other_before = w.store.get(other)
    hostile = p.callback(kind, own, recordingId="rec-other", state="inactive")
    reply = handle_callbacks(p.body(hostile), GOOD, w.guard.call_mac(own), w.deps)
    assert reply.body == {"accepted": 0, "quarantined": 1}
    own_call = w.store.get(own)
    assert own_call is not None
    assert own_call.recording("rec-other") is None
    assert w.store.find_by_recording("rec-other") == other
    assert w.store.get(other) == other_before
    reason = w.quarantine.kept[-1][1]
    assert "rec-other, which belongs to another call" in reason
