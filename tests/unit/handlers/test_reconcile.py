"""The sweeper's reconciliation: calls and recordings whose callbacks were lost are settled by asking ACS."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from azure.core.exceptions import ServiceRequestError

from shared.acs import AcsRejected, AcsTransient
from shared.domain import Call, CallState, RecordingOptions, RecordingState
from shared.domain import inputs as ev
from shared.handlers.callbacks import handle_callbacks
from shared.handlers.eventgrid import handle_grid_event
from shared.handlers.sweeper import sweep
from shared.layout import call_folder
from shared.store.port import Applied, Loaded
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import MemoryStore, World, world

GOOD = "Bearer good"
AFTER = 120


def answered(w: World) -> str:
    """A call the app answered (connection ``conn-1``) whose CallConnected never arrived."""
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    return sid


def recorded(w: World) -> tuple[str, str]:
    """A call connected through its callback, with its recording active."""
    sid = answered(w)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    recording_id = current(w, sid).recordings[0].recording_id
    handle_callbacks(
        p.body(p.state_changed(sid, recording_id, "active", "2026-11-23T19:00:03Z")),
        GOOD,
        w.guard.call_mac(sid),
        w.deps,
    )
    return sid, recording_id


def current(w: World, sid: str) -> Call:
    call = w.store.get(sid)
    assert call is not None
    return call


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "reconciled" in r.getMessage()]


def test_an_answered_call_whose_call_connected_was_lost_is_recorded(caplog: pytest.LogCaptureFixture) -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.clock.advance(seconds=AFTER + 1)
    with caplog.at_level(logging.WARNING):
        assert sweep(w.deps) == []
    (start,) = w.acs.sent("start")
    assert start[0] == sid
    assert start[2] == "conn-1"
    assert start[1].channel_affinity == ((0, "4:+14255550123"),), "the caller placeholder resolved as on connect"
    call = current(w, sid)
    assert call.state is CallState.CONNECTED
    (recording,) = call.recordings
    assert recording.recording_id.startswith("rec-")
    assert recording.state is RecordingState.STARTING
    (logged,) = warnings(caplog)
    assert sid in logged
    assert "conn-1" in logged


def test_a_late_call_connected_after_reconciliation_starts_no_second_recording() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    started = current(w, sid).recordings
    reply = handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    assert reply.status == 200
    assert len(w.acs.sent("start")) == 1
    assert current(w, sid).recordings == started
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    assert len(w.acs.sent("start")) == 1, "a call with its recording is not started again"


def test_nothing_is_asked_before_the_threshold() -> None:
    w = world(reconcile_after_seconds=AFTER)
    answered(w)
    w.clock.advance(seconds=AFTER - 1)
    sweep(w.deps)
    assert w.acs.sent("get_call") == []
    assert w.acs.sent("start") == []


def test_a_call_acs_still_connects_is_left_answered() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.acs.call_states["conn-1"] = "connecting"
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    assert current(w, sid).state is CallState.ANSWERED
    assert w.acs.sent("start") == []


def test_an_ended_call_is_disconnected_its_recording_stopped_and_it_leaves_the_index(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, _recording_id = recorded(w)
    w.acs.call_states["conn-1"] = None
    w.clock.advance(seconds=AFTER + 5)
    with caplog.at_level(logging.WARNING):
        sweep(w.deps)
    call = current(w, sid)
    assert call.state is CallState.DISCONNECTED
    assert "404" in call.reason
    assert call.recordings[0].state is RecordingState.STOPPED
    assert w.store.closed == [call_folder(sid)]
    assert any(sid in line and "disconnected" in line for line in warnings(caplog))
    assert w.acs.sent("get_recording") == [], "the stopped recording is not asked about"


def test_a_recording_acs_reports_inactive_is_paused(caplog: pytest.LogCaptureFixture) -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)
    w.acs.recording_states[recording_id] = "inactive"
    w.clock.advance(seconds=AFTER + 5)
    with caplog.at_level(logging.WARNING):
        sweep(w.deps)
    assert current(w, sid).recordings[0].state is RecordingState.PAUSED
    (logged,) = warnings(caplog)
    assert recording_id in logged
    assert "was active, now paused" in logged
    line = w.store.timeline(sid)[-1]
    assert (line["event"], line["source"], line["status"]) == ("RecordingReconciled", "sweeper", "inactive")


def test_a_recording_acs_agrees_with_writes_nothing() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)
    before = len(w.store.timeline(sid))
    w.clock.advance(seconds=AFTER + 5)
    sweep(w.deps)
    assert w.acs.sent("get_recording") == [recording_id]
    assert len(w.store.timeline(sid)) == before


def test_acs_unavailable_leaves_the_call_for_the_next_sweep() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.clock.advance(seconds=AFTER + 1)
    w.acs.fail_next["get_call"] = AcsTransient("503 busy", 503)
    assert sweep(w.deps) == []
    assert current(w, sid).state is CallState.ANSWERED
    sweep(w.deps)
    assert current(w, sid).state is CallState.CONNECTED
    assert len(w.acs.sent("start")) == 1


def test_a_start_whose_outcome_was_lost_is_sent_again_with_its_request_id() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.acs.fail_next["start"] = AcsTransient("503 busy", 503)
    with pytest.raises(AcsTransient):
        handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    pending = current(w, sid).recordings[0]
    assert (pending.recording_id, pending.state) == ("", RecordingState.STARTING)
    w.clock.advance(seconds=AFTER + 5)
    sweep(w.deps)
    (named,) = current(w, sid).recordings
    assert named.request_id == pending.request_id
    assert named.recording_id.startswith("rec-")
    assert len(w.acs.sent("start")) == 1


def test_a_start_acs_refuses_during_reconciliation_fails_the_recording_once() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.acs.fail_next["start"] = AcsRejected("403 forbidden", 403)
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    (failed,) = current(w, sid).recordings
    assert failed.state is RecordingState.FAILED
    assert "403" in failed.reason
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    assert len(current(w, sid).recordings) == 1


def test_an_answered_call_already_recording_is_marked_connected_without_a_second_recording() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid = answered(w)
    w.store.apply(sid, ev.StartRecording("api-1", w.clock(), "api", request_id="api:1", options=RecordingOptions()))
    w.clock.advance(seconds=AFTER + 1)
    sweep(w.deps)
    call = current(w, sid)
    assert call.state is CallState.CONNECTED
    assert [r.request_id for r in call.recordings] == ["api:1"]
    assert len(w.acs.sent("start")) == 1, "only the API's own start, sent again with its request id"


class StorageDown(MemoryStore):
    """Table storage that cannot be reached for inputs of the ``refused`` types while ``down``."""

    def __init__(self, refused: tuple[type[ev.Input], ...]) -> None:
        super().__init__()
        self.refused = refused
        self.down = True

    def apply(self, server_call_id: str, event: ev.Input, *, based_on: Loaded | None = None) -> Applied:
        if self.down and isinstance(event, self.refused):
            raise ServiceRequestError("connection refused")
        return super().apply(server_call_id, event, based_on=based_on)


def test_a_start_whose_answer_was_lost_becomes_the_recording_acs_made_even_after_the_call_ended() -> None:
    store = StorageDown((ev.RecordingStarted,))
    w = world(reconcile_after_seconds=AFTER)
    w = replace(w, store=store, deps=replace(w.deps, store=store))
    sid = answered(w)
    connected = p.body(p.callback("CallConnected", sid))
    for _ in range(3):  # ACS retries a callback answered 500 a few times, then gives up
        with pytest.raises(ServiceRequestError):
            handle_callbacks(connected, GOOD, w.guard.call_mac(sid), w.deps)
    (made,) = [value for value in w.acs.by_repeatability.values() if isinstance(value, str)]
    store.down = False
    active = p.state_changed(sid, made, "active", "2026-11-23T19:00:05Z")
    inactive = p.state_changed(sid, made, "inactive", "2026-11-23T19:00:09Z")
    handle_callbacks(p.body(active, inactive, p.callback("CallDisconnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    assert [r.recording_id for r in current(w, sid).recordings] == ["", made], "the start and what ACS reported"

    w.clock.advance(seconds=AFTER + 10)
    sweep(w.deps)

    (recording,) = current(w, sid).recordings
    assert (recording.recording_id, recording.state) == (made, RecordingState.STOPPED)
    assert recording.request_id
    assert len(w.acs.sent("start")) == 1, "the start sent again with its request id returned the same recording"
    assert current(w, sid).state is CallState.DISCONNECTED


def test_files_ready_for_a_call_whose_call_disconnected_was_lost_ends_the_call_before_any_chunk_is_copied() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)
    w.acs.call_states["conn-1"] = "disconnected"

    jobs = handle_grid_event(p.files_ready(sid, recording_id, chunks=2), w.deps)

    call = current(w, sid)
    assert call.state is CallState.DISCONNECTED, "at once, not RECONCILE_AFTER_SECONDS after the archive"
    assert "disconnected" in call.reason
    assert call.recordings[0].state is RecordingState.FILES_READY
    assert len(jobs) == 2
    assert w.acs.sent("get_call") == ["conn-1"]


def test_files_ready_for_a_call_acs_still_has_connected_changes_only_the_recording() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)

    handle_grid_event(p.files_ready(sid, recording_id, chunks=1), w.deps)

    assert current(w, sid).state is CallState.CONNECTED
    started = [(server_call, options.format, connection) for server_call, options, connection in w.acs.sent("start")]
    assert started == [(sid, current(w, sid).recordings[0].options.format, "conn-1")], "no second recording"


def test_files_ready_is_taken_while_acs_cannot_say_how_the_call_is() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)
    w.acs.fail_next["get_call"] = AcsTransient("503 busy", 503)

    jobs = handle_grid_event(p.files_ready(sid, recording_id, chunks=1), w.deps)

    assert len(jobs) == 1
    assert current(w, sid).state is CallState.CONNECTED, "left to the sweeper"


def test_files_ready_for_a_call_already_disconnected_asks_acs_nothing() -> None:
    w = world(reconcile_after_seconds=AFTER)
    sid, recording_id = recorded(w)
    handle_callbacks(p.body(p.callback("CallDisconnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)

    handle_grid_event(p.files_ready(sid, recording_id, chunks=1), w.deps)

    assert w.acs.sent("get_call") == []


def test_a_storage_failure_while_settling_the_call_leaves_the_files_ready_event_to_its_redelivery() -> None:
    store = StorageDown((ev.CallReconciled,))
    store.down = False
    w = world(reconcile_after_seconds=AFTER)
    w = replace(w, store=store, deps=replace(w.deps, store=store))
    sid, recording_id = recorded(w)
    w.acs.call_states["conn-1"] = None
    event = p.files_ready(sid, recording_id, chunks=2)
    store.down = True
    with pytest.raises(ServiceRequestError):
        handle_grid_event(event, w.deps)
    assert current(w, sid).recordings[0].state is RecordingState.ACTIVE, "the files are not recorded yet"
    store.down = False

    jobs = handle_grid_event(event, w.deps)

    assert len(jobs) == 2, "the redelivery is not a duplicate"
    assert current(w, sid).state is CallState.DISCONNECTED
