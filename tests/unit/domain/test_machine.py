"""The call's life through the state machine: in order, out of order, with commands."""

from __future__ import annotations

import pytest

from shared.domain import (
    Call,
    CallState,
    ChunkState,
    InvalidTransition,
    RecordingState,
    UnknownRecording,
    apply,
    new_call,
    replay,
)
from shared.domain import inputs as ev
from shared.domain.codec import dump, load_call
from tests.unit.domain.builders import (
    OPTIONS,
    REC,
    SID,
    archived,
    at,
    connected,
    disconnected,
    files_ready,
    report,
    ringing,
    started,
)


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def recording_state(call: Call) -> RecordingState:
    assert call.latest is not None
    return call.latest.state


def test_a_call_goes_from_ringing_to_recorded_and_archived() -> None:
    call = run(
        ringing(),
        ev.CallAnswered("answered", at(1), "eventgrid", call_connection_id="conn-1"),
        connected(),
        started(),
        report(True, 4),
        disconnected(),
        files_ready(2),
        archived(0),
        archived(1),
    )
    assert call.state is CallState.DISCONNECTED
    assert call.caller == "4:+1"
    assert recording_state(call) is RecordingState.ARCHIVED
    assert call.latest is not None
    assert [c.state for c in call.latest.chunks] == [ChunkState.ARCHIVED, ChunkState.ARCHIVED]


def test_connecting_asks_for_one_recording_with_a_stable_request_id() -> None:
    call = run(ringing(), connected())
    assert call.pending_start is not None
    assert call.pending_start.request_id == "connect:connected"
    assert call.pending_start.options == OPTIONS
    again = apply(call, connected(t=5, event_id="connected-again"))
    assert len(again.recordings) == 1


def test_a_state_report_that_arrives_before_the_start_response_is_merged() -> None:
    call = run(ringing(), connected(), report(True, 2.5), started())
    assert len(call.recordings) == 1
    assert call.recordings[0].recording_id == REC
    assert call.recordings[0].state is RecordingState.ACTIVE
    assert call.recordings[0].options == OPTIONS


def test_an_older_state_report_does_not_undo_a_newer_one() -> None:
    call = run(ringing(), connected(), started(), report(False, 10), report(True, 5))
    assert recording_state(call) is RecordingState.PAUSED


def test_inactive_after_a_stop_means_stopped_and_otherwise_paused() -> None:
    paused = run(connected(), started(), report(True, 4), report(False, 6))
    assert recording_state(paused) is RecordingState.PAUSED
    stopped = run(connected(), started(), report(True, 4), ev.StopRecording("stop", at(5), "api"), report(False, 6))
    assert recording_state(stopped) is RecordingState.STOPPED


def test_files_ready_before_the_stopped_report_stays_files_ready() -> None:
    call = run(connected(), started(), report(True, 4), files_ready(1), report(False, 50))
    assert recording_state(call) is RecordingState.FILES_READY


def test_pausing_when_not_active_is_illegal_and_names_the_state() -> None:
    call = run(connected(), started(), report(True, 4), ev.PauseRecording("p1", at(5), "api"))
    with pytest.raises(InvalidTransition, match="cannot pause: recording is paused"):
        apply(call, ev.PauseRecording("p2", at(6), "api"))


def test_resuming_when_not_paused_is_illegal_and_names_the_state() -> None:
    call = run(connected(), started(), report(True, 4))
    with pytest.raises(InvalidTransition, match="cannot resume: recording is active"):
        apply(call, ev.ResumeRecording("r1", at(6), "api"))


def test_a_second_stop_changes_nothing() -> None:
    call = run(connected(), started(), report(True, 4), ev.StopRecording("s1", at(5), "api"))
    again = apply(call, ev.StopRecording("s2", at(6), "api"))
    assert again.recordings == call.recordings


def test_a_command_on_a_call_without_a_recording_is_illegal() -> None:
    call = run(ringing())
    with pytest.raises(InvalidTransition, match="call is ringing without a recording"):
        apply(call, ev.PauseRecording("p", at(1), "api"))


def test_starting_while_a_recording_is_live_is_illegal() -> None:
    call = run(connected(), started(), report(True, 4))
    with pytest.raises(InvalidTransition, match="cannot start recording: recording is active"):
        apply(call, ev.StartRecording("s", at(5), "api", request_id="api:1", options=OPTIONS))


def test_starting_on_a_disconnected_call_is_illegal() -> None:
    call = run(ringing(), disconnected())
    with pytest.raises(InvalidTransition, match="call is disconnected"):
        apply(call, ev.StartRecording("s", at(50), "api", request_id="api:1", options=OPTIONS))


def test_a_recording_can_start_again_after_the_previous_one_stopped() -> None:
    call = run(connected(), started(), report(True, 4), ev.StopRecording("s1", at(5), "api"))
    again = apply(call, ev.StartRecording("s2", at(6), "api", request_id="api:2", options=OPTIONS))
    assert [r.state for r in again.recordings] == [RecordingState.STOPPED, RecordingState.STARTING]


def test_hanging_up_stops_a_paused_recording() -> None:
    call = run(connected(), started(), report(True, 4), ev.PauseRecording("p", at(5), "api"), disconnected())
    assert recording_state(call) is RecordingState.STOPPED


def test_a_start_acs_refuses_fails_the_recording_with_the_reason() -> None:
    call = run(connected(), ev.StartFailed("f", at(3), "callback", request_id="connect:connected", reason="403 no"))
    assert call.latest is not None
    assert call.latest.state is RecordingState.FAILED
    assert call.latest.reason == "403 no"


def test_an_archive_result_for_an_unknown_recording_is_refused() -> None:
    with pytest.raises(UnknownRecording):
        run(connected(), archived(0))


def test_archiving_before_the_files_are_ready_is_illegal() -> None:
    with pytest.raises(InvalidTransition, match="recording is active"):
        run(connected(), started(), report(True, 4), archived(0))


def test_the_source_is_deleted_only_after_every_chunk_is_archived() -> None:
    call = run(connected(), started(), files_ready(2), archived(0))
    with pytest.raises(InvalidTransition, match="recording is files_ready"):
        apply(call, ev.SourceDeleted("d", at(90), "verify", recording_id=REC))
    done = apply(apply(call, archived(1)), ev.SourceDeleted("d", at(90), "verify", recording_id=REC))
    assert recording_state(done) is RecordingState.SOURCE_DELETED


def test_a_permanent_archive_error_fails_the_recording_and_expiry_does_too() -> None:
    failed = run(
        connected(),
        started(),
        files_ready(1),
        ev.ArchiveFailed("x", at(80), "archive", recording_id=REC, reason="404 gone"),
    )
    assert failed.latest is not None
    assert (failed.latest.state, failed.latest.reason) == (RecordingState.FAILED, "404 gone")
    expired = run(
        connected(),
        started(),
        files_ready(1),
        ev.SourceExpired("e", at(99), "sweeper", recording_id=REC, reason="retention"),
    )
    assert recording_state(expired) is RecordingState.FAILED


def test_a_requeued_chunk_counts_its_attempts_and_its_new_enqueue_time() -> None:
    call = run(
        connected(),
        started(),
        files_ready(1),
        ev.ChunkRequeued("q", at(1000), "sweeper", recording_id=REC, index=0, attempt=1),
    )
    assert call.latest is not None
    chunk = call.latest.chunks[0]
    assert (chunk.attempt, chunk.enqueued_at) == (1, at(1000))


def test_a_recording_first_seen_through_files_ready_is_created() -> None:
    call = run(files_ready(3))
    assert call.state is CallState.CONNECTED
    assert recording_state(call) is RecordingState.FILES_READY
    assert call.latest is not None
    assert len(call.latest.chunks) == 3


def test_a_second_files_ready_adds_only_new_chunks() -> None:
    call = run(connected(), started(), files_ready(1), archived(0))
    assert recording_state(call) is RecordingState.ARCHIVED
    more = apply(call, files_ready(2, t=65, event_id="files-2"))
    assert recording_state(more) is RecordingState.FILES_READY
    assert more.latest is not None
    assert [c.state for c in more.latest.chunks] == [ChunkState.ARCHIVED, ChunkState.PENDING]


def test_the_call_survives_a_round_trip_through_its_stored_form() -> None:
    call = run(ringing(), connected(), started(), report(True, 4), files_ready(2), archived(0))
    assert load_call(dump(call)) == call


def test_a_new_call_starts_in_the_state_its_first_input_implies() -> None:
    assert new_call(SID, ringing()).state is CallState.RINGING
    assert new_call(SID, disconnected()).state is CallState.DISCONNECTED
    assert new_call(SID, report(True, 1)).state is CallState.CONNECTED
