"""acs_events: answering by policy, files-ready to chunk jobs, bad input quarantined."""

from __future__ import annotations

import json
import typing
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.acs import AcsRejected, AcsTransient, first_sent_header
from shared.domain import CallState, RecordingState
from shared.domain import inputs as ev
from shared.domain.errors import MAX_CHUNKS_PER_EVENT
from shared.handlers.eventgrid import ON_GRID_EVENT, handle_grid_event
from shared.layout import call_folder
from shared.store.port import NEW_CALL, Applied, Loaded
from shared.wire import GRID_PARSERS
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import MemoryStore, world


def test_an_incoming_call_the_policy_matches_is_answered_with_the_callback_url() -> None:
    w = world(answer_policy=("+18005550100",))
    sid = p.server_call_id()
    assert handle_grid_event(p.incoming_call(sid), w.deps) == []
    own_url = f"https://app.example/api/callbacks?callMac={w.guard.call_mac(sid)}"
    assert w.acs.sent("answer") == [("eyJhbGciOiJub25lIn0.eyJjYyI6MX0.", own_url)]
    assert w.acs.first_sent == [w.clock.now]  # the IncomingCall's eventTime, clamped to its receipt
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.ANSWERED
    assert call.caller == "4:+14255550123"


def test_the_answer_is_recorded_on_the_call_as_the_ring_left_it_without_reading_it() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    assert w.store.reads == [], "neither the ring nor the answer reads the call first"
    (ringing, ring_on), (answered, answer_on) = w.store.based_on
    assert (ringing, answered) == ("CallRinging", "CallAnswered")
    assert ring_on is NEW_CALL
    assert answer_on is not None
    assert (answer_on.token, answer_on.version) == ("v1", 1)
    assert answer_on.call is not None
    assert answer_on.call.state is CallState.RINGING


def test_an_incoming_call_outside_the_policy_is_recorded_as_ringing_and_not_answered() -> None:
    w = world(answer_policy=("+18005550100", "8:acs:agent"))
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid, callee="4:+18005550999"), w.deps)
    assert w.acs.sent("answer") == []
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.RINGING


def test_a_redelivered_incoming_call_is_answered_once() -> None:
    w = world()
    sid = p.server_call_id()
    event = p.incoming_call(sid)
    handle_grid_event(event, w.deps)
    handle_grid_event(event, w.deps)
    assert len(w.acs.sent("answer")) == 1


def test_a_refused_answer_is_recorded_and_acknowledged() -> None:
    w = world()
    w.acs.fail_next["answer"] = AcsRejected("answer: 400 gone", 400)
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.DISCONNECTED
    assert "400" in call.reason


def test_a_transient_acs_failure_while_answering_raises_and_the_redelivery_answers() -> None:
    w = world()
    w.acs.fail_next["answer"] = AcsTransient("answer: 503", 503)
    sid = p.server_call_id()
    event = p.incoming_call(sid)
    with pytest.raises(AcsTransient):
        handle_grid_event(event, w.deps)
    handle_grid_event(event, w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.ANSWERED


class CrashAfterAnswering(MemoryStore):
    """A store whose first write of CallAnswered is lost with the process (the answer was sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.crashed = False

    def apply(self, server_call_id: str, event: ev.Input, *, based_on: Loaded | None = None) -> Applied:
        if isinstance(event, ev.CallAnswered) and not self.crashed:
            self.crashed = True
            raise ConnectionError("the host died after the answer")
        return super().apply(server_call_id, event, based_on=based_on)


def test_a_crash_between_the_answer_and_its_record_loses_nothing_and_the_redelivery_answers_once() -> None:
    w, store = world(), CrashAfterAnswering()
    deps = replace(w.deps, store=store)
    sid = p.server_call_id()
    event = p.incoming_call(sid)
    with pytest.raises(ConnectionError):
        handle_grid_event(event, deps)
    w.clock.now += timedelta(seconds=30)  # Event Grid redelivers later
    handle_grid_event(event, deps)
    assert len(w.acs.sent("answer")) == 1, "ACS took the repeat as the first answer (same request id)"
    sent = [first_sent_header(moment) for moment in w.acs.first_sent if moment is not None]
    assert sent == [sent[0]] * 2, "a repeat carries the first Repeatability-First-Sent"
    call = store.get(sid)
    assert call is not None
    assert (call.state, call.call_connection_id, call.caller) == (CallState.ANSWERED, "conn-1", "4:+14255550123")


def test_files_ready_emits_one_job_per_chunk_with_archive_paths_by_start_date() -> None:
    w = world()
    sid, rid = p.server_call_id(), "rec-abc"
    jobs = handle_grid_event(p.files_ready(sid, rid, chunks=3), w.deps)
    assert [j.chunk.index for j in jobs] == [0, 1, 2]
    folder = call_folder(sid)
    paths = jobs[1].chunk.paths
    assert paths.media == f"2026/11/23/{folder}/{rid}/chunk-0001.wav"
    assert paths.metadata == f"2026/11/23/{folder}/{rid}/chunk-0001.metadata.json"
    assert paths.manifest == f"2026/11/23/{folder}/{rid}/manifest.json"
    assert json.loads(jobs[1].to_json())["blobPath"] == paths.media, "the binding's path is the layout's"
    assert jobs[1].chunk.server_call_id == sid
    assert jobs[1].file.delete_location.endswith(jobs[1].file.document_id)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FILES_READY


def test_a_redelivered_files_ready_emits_nothing() -> None:
    w = world()
    event = p.files_ready(p.server_call_id(), "rec-1")
    assert len(handle_grid_event(event, w.deps)) == 2
    assert handle_grid_event(event, w.deps) == []


def test_the_older_subject_form_finds_its_call_through_the_recording_id() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.files_ready(sid, "rec-1", chunks=1, event_id="first"), w.deps)
    jobs = handle_grid_event(p.files_ready(None, "rec-1", chunks=2), w.deps)
    assert [(j.chunk.server_call_id, j.chunk.index) for j in jobs] == [(sid, 0), (sid, 1)]


def test_the_older_subject_form_for_an_unknown_recording_is_archived_under_the_subjects_call_id() -> None:
    w = world()
    jobs = handle_grid_event(p.files_ready(None, "rec-unknown"), w.deps)
    assert [(j.chunk.server_call_id, j.chunk.recording_id) for j in jobs] == [("c1", "rec-unknown")] * 2
    assert w.quarantine.kept == []
    call = w.store.get("c1")
    assert call is not None
    files = call.recordings[0].files
    assert files is not None
    assert (files.filed_under.value, files.subject_call_id) == ("callId", "c1")


def test_an_unsafe_recording_url_is_quarantined_and_nothing_is_enqueued() -> None:
    w = world()
    evil = p.chunk(0, host="evil.example.com")
    event = p.files_ready(p.server_call_id(), "rec-1", chunk_list=[evil])
    assert handle_grid_event(event, w.deps) == []
    assert [kind for kind, _, _ in w.quarantine.kept] == ["eventgrid"]
    assert w.store.calls == {}


def test_an_unparseable_event_is_quarantined_and_acknowledged() -> None:
    w = world()
    assert handle_grid_event({"id": "x", "eventType": "Microsoft.Communication.IncomingCall"}, w.deps) == []
    assert len(w.quarantine.kept) == 1


def test_other_event_types_are_acknowledged_without_effect() -> None:
    w = world()
    event = {**p.incoming_call(p.server_call_id()), "eventType": "Microsoft.Communication.CallEnded"}
    assert handle_grid_event(event, w.deps) == []
    assert w.store.calls == {}
    assert w.quarantine.kept == []


def test_a_files_ready_event_announcing_more_chunks_than_any_recording_has_is_quarantined_with_the_reason() -> None:
    w = world()
    sid = p.server_call_id()
    assert len(handle_grid_event(p.files_ready(sid, "rec-big", chunks=MAX_CHUNKS_PER_EVENT), w.deps)) == 96
    assert handle_grid_event(p.files_ready(sid, "rec-bigger", chunks=MAX_CHUNKS_PER_EVENT + 1), w.deps) == []
    ((kind, reason, _),) = w.quarantine.kept
    assert (kind, "announces 97 chunks" in reason) == ("eventgrid", True)
    call = w.store.get(sid)
    assert call is not None
    assert [r.recording_id for r in call.recordings] == ["rec-big"]


def test_a_server_call_id_too_long_for_a_table_key_is_quarantined_not_an_error() -> None:
    w = world()
    long_sid = "aHR0cHM6" + "A" * 600
    assert handle_grid_event(p.incoming_call(long_sid), w.deps) == []
    assert handle_grid_event(p.files_ready(long_sid, "rec-1"), w.deps) == []
    assert [(kind, "too long" in reason) for kind, reason, _ in w.quarantine.kept] == [("eventgrid", True)] * 2
    assert w.store.calls == {}
    assert w.acs.requests == []


def test_files_ready_is_dated_by_the_apps_clock_not_the_events_time() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid, time="9999-12-31T23:59:59Z"), w.deps)
    handle_grid_event(p.files_ready(sid, "rec-1", time="9999-12-31T23:59:59Z"), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.created_at == w.clock.now, "an IncomingCall cannot date the call in the future"
    files = call.recordings[0].files
    assert files is not None
    assert files.ready_at == w.clock.now
    assert all(chunk.enqueued_at == w.clock.now for chunk in call.recordings[0].chunks)


def test_a_late_files_ready_keeps_its_ready_time_for_retention_and_its_chunks_count_as_enqueued_now() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.files_ready(sid, "rec-1", time="2026-11-22T19:00:00Z"), w.deps)
    call = w.store.get(sid)
    assert call is not None
    files = call.recordings[0].files
    assert files is not None
    assert files.ready_at == datetime(2026, 11, 22, 19, 0, tzinfo=UTC), "ACS's retention runs from its own time"
    assert all(chunk.enqueued_at == w.clock.now for chunk in call.recordings[0].chunks)


def test_an_incoming_call_without_a_context_is_recorded_ringing_and_not_answered() -> None:
    w = world()
    sid = p.server_call_id()
    event = p.incoming_call(sid)
    del event["data"]["incomingCallContext"]
    assert handle_grid_event(event, w.deps) == []
    assert w.acs.sent("answer") == []
    assert w.quarantine.kept == []
    call = w.store.get(sid)
    assert call is not None
    assert call.state is CallState.RINGING


def test_an_incoming_call_without_a_server_call_id_is_acknowledged_and_left_alone() -> None:
    w = world()
    event = p.incoming_call(p.server_call_id())
    del event["data"]["serverCallId"]
    assert handle_grid_event(event, w.deps) == []
    assert (w.acs.sent("answer"), w.quarantine.kept, w.store.calls) == ([], [], {})


def test_every_event_type_the_parsing_edge_acts_on_has_a_handler_that_takes_it() -> None:
    assert ON_GRID_EVENT.keys() == GRID_PARSERS.keys()
    for kind, handler in ON_GRID_EVENT.items():
        assert typing.get_type_hints(handler)["event"] is kind, handler.__name__
